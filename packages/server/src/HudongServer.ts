import { mkdirSync } from 'node:fs';
import { STATUS_CODES, createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { signUserSig } from '@hudong/protocol/auth';
import { ApiRouter } from './api/ApiRouter.js';
import { ClusterRoomAdmin } from './api/ClusterRoomAdmin.js';
import { LocalRoomAdmin } from './api/LocalRoomAdmin.js';
import { Cluster } from './cluster/Cluster.js';
import { resolveConfig, type ServerConfig, type ServerOptions } from './config.js';
import { handlers } from './handlers/index.js';
import { RequestDispatcher } from './handlers/RequestDispatcher.js';
import type { Services } from './handlers/types.js';
import { createHttpHandler } from './http/router.js';
import { CachedIdentityStore } from './identity/CachedIdentityStore.js';
import type { IdentityStore } from './identity/IdentityStore.js';
import { MemoryIdentityStore } from './identity/MemoryIdentityStore.js';
import { RedisIdentityStore } from './identity/RedisIdentityStore.js';
import { SqliteIdentityStore } from './identity/SqliteIdentityStore.js';
import { InviteManager } from './invites/InviteManager.js';
import { createDefaultLogger, type Logger } from './logger.js';
import { MediaRouter } from './media/MediaRouter.js';
import { createMediaEngine } from './media/createMediaEngine.js';
import { ServerMetrics } from './metrics.js';
import { Authority } from './rooms/Authority.js';
import { RoomDirectory } from './rooms/RoomDirectory.js';
import type { Session } from './session/Session.js';
import { SessionRegistry } from './session/SessionRegistry.js';
import { CloseCode } from './signal/CloseCode.js';
import { Connection } from './signal/Connection.js';
import { ConnectionAdmission, type Refusal } from './signal/ConnectionAdmission.js';
import { FanOut } from './signal/FanOut.js';
import { NodeWebhooks } from './webhooks/NodeWebhooks.js';
import { waitAtMost } from './util/waitAtMost.js';

/** Where a listening server can be reached. */
export interface ListenAddress {
  host: string;
  port: number;
  /** `http://host:port` — demo page, /healthz, /metrics. */
  url: string;
  /** `ws://host:port/ws` — signalling. */
  wsUrl: string;
}

/** Live counts, as /healthz and /metrics report them. */
export interface ServerStats {
  connections: number;
  sessions: number;
  rooms: number;
  members: number;
}

/** How long a drain waits for this node's sessions to move elsewhere before it closes anyway. */
export const DRAIN_DEADLINE_MS = 30_000;

/** How long shutdown waits for clients to answer the close handshake before dropping them. */
const CLOSE_HANDSHAKE_WAIT_MS = 1000;

/**
 * The HTTP server's timeouts, explicit rather than Node's (60 s for headers, 5 min for a request):
 * a client trickling its headers or body holds a socket only this long. A WebSocket is past them
 * once upgraded. Node checks them every `connectionsCheckingInterval`.
 */
const HTTP_TIMEOUTS = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  connectionsCheckingInterval: 1_000,
} as const;

/**
 * A Hudong node: HTTP and signalling on one port, owning its rooms (→ members), sessions,
 * invites, identity store and, with `redisUrl`, its part in the cluster. Make one with `createServer(options)`.
 */
export class HudongServer {
  readonly #config: ServerConfig;
  readonly #logger: Logger;
  readonly #store: IdentityStore;
  readonly #sessions: SessionRegistry;
  readonly #rooms: RoomDirectory;
  readonly #invites: InviteManager;
  readonly #media: MediaRouter;
  readonly #dispatcher: RequestDispatcher;
  readonly #metrics: ServerMetrics;
  readonly #http: HttpServer;
  readonly #wss: WebSocketServer;
  readonly #connections = new Set<Connection<Session>>();
  readonly #admission: ConnectionAdmission;
  readonly #webhooks: NodeWebhooks;
  /** null on a single node. */
  readonly #cluster: Cluster | null;
  #listening: Promise<ListenAddress> | null = null;
  #closing: Promise<void> | null = null;
  #draining: Promise<void> | null = null;
  #address: ListenAddress | null = null;

  /** @internal Use `createServer`. Throws TypeError for bad options, ServerError for an unusable store. */
  constructor(options: ServerOptions = {}) {
    const { logger, mediaEngine, ...settings } = options;
    this.#config = resolveConfig(settings);
    const config = this.#config;
    this.#logger = logger ?? createDefaultLogger(config.logLevel);
    const { maxConnections, maxConnectionsPerIp, allowedOrigins } = config;
    this.#admission = new ConnectionAdmission({ maxConnections, maxConnectionsPerIp, allowedOrigins });
    if (!config.requirePrivilegeKey && !config.dev) {
      this.#logger.warn(
        { setting: 'requirePrivilegeKey' },
        'privilege keys are not required: any client with a valid UserSig may create or enter any room with any auth bits; ' +
          'in production set requirePrivilegeKey and have the app server hand out privilege keys (docs/auth.md)',
      );
    }
    this.#sessions = new SessionRegistry(config.sessionGraceMs);
    this.#rooms = new RoomDirectory({ ...config, scheduler: FanOut.shared });
    const counts = () => ({ rooms: this.#rooms.roomCount, members: this.#rooms.memberCount });
    this.#invites = new InviteManager({
      defaultTimeoutMs: config.inviteTimeoutMs,
      maxTimeoutMs: config.maxInviteTimeoutMs,
      maxPendingPerInviter: config.maxPendingInvitesPerInviter,
    });
    const { redisUrl } = config;
    const cluster =
      redisUrl === undefined
        ? null
        : new Cluster({
            config: { ...config, redisUrl },
            logger: this.#logger,
            sessions: this.#sessions,
            rooms: this.#rooms,
            invites: this.#invites,
            counts,
            media: () => this.#media,
          });
    this.#cluster = cluster;
    this.#webhooks = new NodeWebhooks({ config, rooms: this.#rooms, cluster, logger: this.#logger });
    const store = cluster ? openClusterStore(config, cluster, this.#logger) : openStore(config);
    this.#store = config.identityCacheSize > 0 ? new CachedIdentityStore(store, config.identityCacheSize) : store;
    this.#media = new MediaRouter({
      config,
      logger: this.#logger,
      engine: mediaEngine ?? createMediaEngine(config, this.#logger),
      remote: () => cluster?.relay ?? null,
    });
    const services: Services = {
      config,
      logger: this.#logger,
      store: this.#store,
      sessions: this.#sessions,
      rooms: this.#rooms,
      invites: this.#invites,
      authority: new Authority(config),
      media: this.#media,
      clusterSessions: cluster?.sessions ?? null,
      clusterRooms: cluster?.rooms ?? null,
      clusterInvites: cluster?.invites ?? null,
    };
    const metrics = (this.#metrics = new ServerMetrics({
      connections: () => this.#connections.size,
      sessions: () => this.#sessions.size,
      rooms: () => this.#rooms.roomCount,
      members: () => this.#rooms.memberCount,
      publications: () => this.#media.publicationCount,
      subscriptions: () => this.#media.subscriptionCount,
      media: this.#media.stats,
      webhooks: this.#webhooks.stats,
      engine: () => this.#media.engineStats,
    }));
    this.#dispatcher = new RequestDispatcher(handlers, services, metrics);
    this.#wireSessions();
    this.#http = createHttpServer(
      HTTP_TIMEOUTS,
      createHttpHandler({
        nodeId: config.nodeId,
        sdkAppId: config.sdkAppId,
        dev: config.dev,
        demoDir: config.demoDir,
        metrics,
        logger: this.#logger,
        counts,
        draining: () => this.#draining !== null,
        cluster: cluster ? () => cluster.health() : undefined,
        signUserSig: (identifier, expireSeconds) => this.userSig(identifier, expireSeconds),
        api: new ApiRouter({
          admin: cluster
            ? new ClusterRoomAdmin({ config, cluster, rooms: this.#rooms, sessions: this.#sessions })
            : new LocalRoomAdmin({ config, rooms: this.#rooms, sessions: this.#sessions }),
          key: config,
          logger: this.#logger,
        }),
      }),
    );
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: config.maxFrameBytes });
    this.#http.on('upgrade', (req, socket, head) => this.#upgrade(req, socket, head));
  }

  /** The key UserSigs are checked with (in dev mode, the generated one). */
  get secret(): string {
    return this.#config.secret;
  }

  get sdkAppId(): number {
    return this.#config.sdkAppId;
  }

  get nodeId(): string {
    return this.#config.nodeId;
  }

  /** The options with defaults applied (secret included). */
  get config(): ServerConfig {
    return this.#config;
  }

  /** Set once `listen()` resolved. */
  get address(): ListenAddress | null {
    return this.#address;
  }

  stats(): ServerStats {
    return {
      connections: this.#connections.size,
      sessions: this.#sessions.size,
      rooms: this.#rooms.roomCount,
      members: this.#rooms.memberCount,
    };
  }

  /** A UserSig for `identifier`, signed with this server's app and secret (default lifetime one day). */
  userSig(identifier: string, expireSeconds?: number): string {
    return signUserSig({ sdkAppId: this.#config.sdkAppId, secret: this.#config.secret, identifier, expireSeconds });
  }

  /**
   * Starts listening; resolves with the address (the real port when `port` is 0). With `redisUrl` it
   * connects to Redis first and joins the cluster before it resolves; it rejects when Redis cannot be
   * reached or another live node has this node id. Repeated calls share one attempt.
   */
  listen(): Promise<ListenAddress> {
    if (this.#closing) return Promise.reject(new Error('the server is closed'));
    this.#listening ??= this.#start().catch((err: unknown) => {
      this.#listening = null;
      throw err;
    });
    return this.#listening;
  }

  async #start(): Promise<ListenAddress> {
    const cluster = this.#cluster;
    await cluster?.connect();
    let address: ListenAddress;
    try {
      address = await this.#listenHttp();
      try {
        await cluster?.start(address);
      } catch (err) {
        await new Promise((resolve) => this.#http.close(resolve));
        throw err;
      }
    } catch (err) {
      await cluster?.close();
      throw err;
    }
    this.#address = address;
    this.#webhooks.start();
    this.#logger.info({ url: address.url, port: address.port, host: address.host, node: this.#config.nodeId, redis: cluster?.link.url }, 'listening');
    return address;
  }

  #listenHttp(): Promise<ListenAddress> {
    return new Promise<ListenAddress>((resolve, reject) => {
      const { host, port } = this.#config;
      this.#http.once('error', reject);
      this.#http.listen(port, host, () => {
        this.#http.off('error', reject);
        this.#http.on('error', (err) => this.#logger.error({ err }, 'http server error'));
        const bound = this.#http.address();
        const actualPort = typeof bound === 'object' && bound ? bound.port : port;
        const hostPart = host.includes(':') ? `[${host}]` : host;
        resolve({ host, port: actualPort, url: `http://${hostPart}:${actualPort}`, wsUrl: `ws://${hostPart}:${actualPort}/ws` });
      });
    });
  }

  /**
   * Drains a node of a cluster (what `hudong serve` does on SIGTERM): it takes no new connections
   * (the upgrade and `/healthz` answer 503 "draining", so a load balancer stops sending clients),
   * closes its clients' connections with 1001 so that they reconnect to another node (an SDK with a
   * list of nodes moves on and re-enters its room there; its login there ends its session here), and
   * closes once it holds no session or after `deadlineMs`. A single node has nowhere to send its
   * clients: it closes at once. Idempotent; resolves when closed.
   */
  drain(deadlineMs = DRAIN_DEADLINE_MS): Promise<void> {
    if (!this.#cluster) return this.close();
    this.#draining ??= this.#drainThenClose(deadlineMs);
    return this.#draining;
  }

  async #drainThenClose(deadlineMs: number): Promise<void> {
    const sessions = this.#sessions;
    this.#logger.info({ node: this.#config.nodeId, sessions: sessions.size, deadlineMs }, 'draining');
    for (const connection of [...this.#connections]) connection.close(CloseCode.GOING_AWAY, 'node draining: reconnect to another node');
    let onEnded: (() => void) | undefined;
    const empty = new Promise<void>((resolve) => {
      onEnded = () => sessions.size === 0 && resolve();
      sessions.on('ended', onEnded);
      onEnded();
    });
    const emptied = await waitAtMost(empty, deadlineMs);
    sessions.off('ended', onEnded!);
    this.#logger.info({ node: this.#config.nodeId, sessionsLeft: sessions.size, by: emptied ? 'empty' : 'deadline' }, 'drained');
    await this.close();
  }

  /** Closes rooms (→ members), sessions, sockets and the store. Idempotent; later calls share the first. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#rooms.close();
    this.#media.close();
    this.#invites.close();
    this.#sessions.close();
    const connections = [...this.#connections];
    for (const connection of connections) connection.close(CloseCode.GOING_AWAY, 'server shutting down');
    await waitAtMost(Promise.all(connections.map((c) => c.socketClosed)), CLOSE_HANDSHAKE_WAIT_MS);
    for (const connection of connections) connection.terminate();
    this.#wss.close();
    await new Promise<void>((resolve) => {
      this.#http.close(() => resolve());
      this.#http.closeAllConnections();
    });
    await this.#webhooks.close();
    await this.#store.close();
    // Last: the sessions ended above release their keys in Redis through it.
    await this.#cluster?.close();
    this.#logger.info({ node: this.#config.nodeId }, 'closed');
  }

  #wireSessions(): void {
    this.#sessions.on('detached', (session) => {
      // The inviter's pending invite.send can no longer be answered on a dropped connection.
      this.#invites.inviterGone(session);
      this.#logger.info({ identifier: session.identifier, tinyId: session.tinyId, graceMs: this.#config.sessionGraceMs }, 'session detached');
    });
    this.#sessions.on('ended', (session, reason) => {
      this.#invites.inviterGone(session);
      this.#invites.inviteeGone(session);
      this.#logger.info({ identifier: session.identifier, tinyId: session.tinyId, reason }, 'session ended');
    });
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    try {
      const { pathname } = new URL(req.url ?? '/', 'http://localhost');
      if (pathname !== '/ws' || this.#closing) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      if (this.#draining) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const refusal = this.#admission.check(req.socket.remoteAddress, req.headers.origin);
      if (refusal) return this.#refuse(socket, req, refusal);
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, req));
    } catch (err) {
      this.#logger.debug({ err }, 'websocket upgrade failed');
      socket.destroy();
    }
  }

  /** Answers a refused upgrade with its HTTP status and the error body of the REST API ({code, codeName, message, detail}). */
  #refuse(socket: Duplex, req: IncomingMessage, { status, reason, error }: Refusal): void {
    this.#metrics.recordConnectionRefused(reason);
    // Debug only: a flood of refused upgrades must not become a flood of log lines (the counter has them).
    this.#logger.debug({ remote: req.socket.remoteAddress, origin: req.headers.origin, status, detail: error.detail }, 'websocket upgrade refused');
    const body = JSON.stringify({ code: error.code, codeName: error.codeName, message: error.detail.message, detail: error.detail });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  #accept(ws: WebSocket, req: IncomingMessage): void {
    const { ratePerSecond, rateBurst, maxBadFrames, heartbeatIntervalMs, maxSendQueueBytes, loginTimeoutMs } = this.#config;
    const connection = new Connection<Session>(ws, {
      sink: this.#dispatcher,
      logger: this.#logger,
      limits: { ratePerSecond, rateBurst, maxBadFrames, heartbeatIntervalMs, maxSendQueueBytes, loginTimeoutMs },
    });
    connection.on('slowConsumer', () => this.#metrics.slowConsumerClosed());
    this.#connections.add(connection);
    const remote = req.socket.remoteAddress;
    this.#admission.admitted(remote);
    this.#logger.debug({ conn: connection.id, remote }, 'connection opened');
    connection.on('close', (code, reason) => {
      this.#connections.delete(connection);
      this.#admission.released(remote);
      this.#logger.debug({ conn: connection.id, remote, code, reason }, 'connection closed');
    });
    if (this.#closing) connection.close(CloseCode.GOING_AWAY, 'server shutting down');
  }
}

function openClusterStore(config: ServerConfig, cluster: Cluster, logger: Logger): IdentityStore {
  if (config.dataDir !== undefined) logger.info({ dataDir: config.dataDir }, 'identities live in Redis: the data dir is not used for them');
  return new RedisIdentityStore({ link: cluster.link, keys: cluster.keys, sdkAppId: config.sdkAppId, timeoutMs: config.storeTimeoutMs });
}

function openStore(config: ServerConfig): IdentityStore {
  if (config.dataDir === undefined) return new MemoryIdentityStore(config.sdkAppId);
  // 0700 applies to the directories made here; an existing one keeps the mode its owner gave it.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  return new SqliteIdentityStore({ file: join(config.dataDir, 'identity.db'), sdkAppId: config.sdkAppId, timeoutMs: config.storeTimeoutMs });
}
