import { readFileSync } from 'node:fs';
import { createServer, type LogLevel, type ServerOptions } from '@hudong/server';
import { CommandFailed, parse, toInt, UsageError } from '../args.js';

export const usage = `hudong serve [--port 7000] [--host 127.0.0.1] [--sdk-app-id N] [--secret KEY]
             [--data-dir DIR] [--redis URL] [--node-id ID] [--dev [--dev-public]] [--config FILE.json]
             [--allowed-origins ORIGIN,…] [--max-connections N] [--max-connections-per-ip N]
             [--login-timeout-ms MS] [--log-level info]
             [--webhook URL]... [--admin-identifier administrator]
  Signalling at ws://HOST:PORT/ws, demo at http://HOST:PORT/, GET /healthz, GET /metrics.
  --secret      at least 32 characters (openssl rand -hex 32); required unless --dev.
  --dev         makes a secret if none is given and enables POST /dev/usersig for the demo, which
                hands a UserSig to anyone: only on a loopback host unless --dev-public is given too.
  --allowed-origins  browser pages of these origins only (https://app.example,https://b.example)
                may connect; other Origins get 403 (clients sending none are not browsers: allowed).
  --max-connections / --max-connections-per-ip  connections this node / one address holds at most
                (default 100000 / 1000); further upgrades get 503 / 429.
  --login-timeout-ms  a connection not logged in this long after opening is closed (4003; default 10000).
  --data-dir    persists the identity store (identifier → tinyId) in DIR/identity.db (SQLite, 0600).
  --redis URL   joins the cluster of the nodes sharing this Redis (redis://HOST:PORT): identities,
                sessions, nodes and rooms live there, rooms span nodes and media is relayed between
                them (docs/cluster.md; option relayAddress in --config); refuses to start when
                Redis cannot be reached.
  --node-id ID  this node's name in the cluster, logs and /healthz (default HOSTNAME:PID); a second
                live node with the same id is refused.
  --webhook URL POSTs every room event to URL (repeatable; signed, retried: docs/operator.md).
  --admin-identifier  whose UserSig authorizes the server API at /api/v1 (default administrator).
  --config      JSON file with any createServer option (limits, roles, timeouts); flags win.
  SIGTERM drains a node of a cluster (no new clients; its clients move to other nodes), then exits;
  SIGINT (Ctrl-C) or a second SIGTERM stops at once.
  Environment: HUDONG_SECRET, HUDONG_SDK_APP_ID, HUDONG_REDIS_URL (--redis wins).`;

export async function run(argv: string[]): Promise<string | undefined> {
  const { values, flags, lists } = parse(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    'sdk-app-id': { type: 'string' },
    secret: { type: 'string' },
    redis: { type: 'string' },
    'node-id': { type: 'string' },
    'data-dir': { type: 'string' },
    dev: { type: 'boolean' },
    'dev-public': { type: 'boolean' },
    'allowed-origins': { type: 'string' },
    'max-connections': { type: 'string' },
    'max-connections-per-ip': { type: 'string' },
    'login-timeout-ms': { type: 'string' },
    config: { type: 'string' },
    'log-level': { type: 'string' },
    'admin-identifier': { type: 'string' },
    webhook: { type: 'string', multiple: true },
  });
  if (flags.help) return usage;
  const options: ServerOptions = values.config ? readConfig(values.config) : {};
  const appId = values['sdk-app-id'] ?? process.env.HUDONG_SDK_APP_ID;
  if (values.port !== undefined) options.port = toInt(values.port, 'port', { max: 65535 });
  if (values.host !== undefined) options.host = values.host;
  if (appId !== undefined) options.sdkAppId = toInt(appId, 'sdk-app-id', { min: 1 });
  const secret = values.secret ?? process.env.HUDONG_SECRET;
  if (secret !== undefined) options.secret = secret;
  if (values['data-dir'] !== undefined) options.dataDir = values['data-dir'];
  const redisUrl = values.redis ?? process.env.HUDONG_REDIS_URL;
  if (redisUrl) options.redisUrl = redisUrl;
  if (values['node-id'] !== undefined) options.nodeId = values['node-id'];
  if (flags.dev) options.dev = true;
  if (flags['dev-public']) options.devPublic = true;
  if (values['allowed-origins'] !== undefined)
    options.allowedOrigins = values['allowed-origins']
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
  if (values['max-connections'] !== undefined) options.maxConnections = toInt(values['max-connections'], 'max-connections', { min: 1 });
  if (values['max-connections-per-ip'] !== undefined) {
    options.maxConnectionsPerIp = toInt(values['max-connections-per-ip'], 'max-connections-per-ip', { min: 1 });
  }
  if (values['login-timeout-ms'] !== undefined) options.loginTimeoutMs = toInt(values['login-timeout-ms'], 'login-timeout-ms', { min: 100 });
  if (values['log-level'] !== undefined) options.logLevel = values['log-level'] as LogLevel;
  if (values['admin-identifier'] !== undefined) options.adminIdentifier = values['admin-identifier'];
  if (lists.webhook) options.webhooks = lists.webhook;
  if (!options.secret && !options.dev) throw new UsageError('--secret (or HUDONG_SECRET) is required unless --dev');

  const server = createConfigured(options);
  try {
    await server.listen();
  } catch (err) {
    // Redis unreachable, node id taken, port in use: release what the server holds so that the process
    // exits. The message names the cause (it is logged too); a stack trace would only bury it.
    await server.close();
    throw new CommandFailed((err as Error).message);
  }
  const exit = () => process.exit(0);
  // SIGTERM (an orchestrator's stop) drains a node of a cluster: its clients move to other nodes
  // first. SIGINT (Ctrl-C), or a second signal, closes at once.
  process.once('SIGTERM', () => {
    void server.drain().then(exit);
    process.once('SIGTERM', () => void server.close().then(exit));
  });
  process.once('SIGINT', () => void server.close().then(exit));
  return undefined;
}

/** A server, or the refusal of its options (a weak secret, --dev on a public host …) as a usage error: one line, no stack. */
function createConfigured(options: ServerOptions): ReturnType<typeof createServer> {
  try {
    return createServer(options);
  } catch (err) {
    if (err instanceof TypeError) throw new UsageError(err.message);
    throw err;
  }
}

function readConfig(path: string): ServerOptions {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ServerOptions;
  } catch (err) {
    throw new UsageError(`cannot read config ${path}: ${(err as Error).message}`);
  }
}
