// The server's edge as deployed (issue 12, points 6, 8, 9, 10), against real `hudong serve` processes:
// connection caps and the Origin policy answered at the upgrade, refused start-up settings, the
// identity store's file modes, the identity batch cap, the privilege-key warning and the
// throttled log of failures before login.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { HUDONG_BIN, ServerProcess, TEST_APP_ID } from '../helpers/server.js';
import { loggedIn, RawClient } from '../helpers/raw-client.js';
import { waitUntil } from '../helpers/wait-until.js';

/** An upgrade the server is expected to refuse: its HTTP status and JSON body. */
function refusedUpgrade(
  url: string,
  socket: WebSocket.ClientOptions = {},
): Promise<{ status: number; body: { code: number; codeName: string; detail: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, socket);
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('error', () => {});
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
  });
}

async function metric(server: ServerProcess, line: string): Promise<number> {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(line + ' '));
  return found ? Number(found.slice(line.length + 1)) : 0;
}

/** `hudong serve` with these flags, expected to refuse to start: its exit code and stderr. */
function refusedStart(args: string[]): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [HUDONG_BIN, 'serve', '--port', '0', '--sdk-app-id', String(TEST_APP_ID), ...args], {
    encoding: 'utf8',
    timeout: 15_000,
    env: { ...process.env, HUDONG_SECRET: '' },
  });
  return { status: run.status, stderr: run.stderr };
}

describe('connection caps', () => {
  const server = new ServerProcess({ config: { maxConnections: 4, maxConnectionsPerIp: 2 } });
  before(() => server.start());
  after(() => server.stop());

  it('answers an address over maxConnectionsPerIp 429, a node over maxConnections 503, and counts both', async () => {
    const fromOne = await Promise.all([1, 2].map(() => RawClient.connect(server.wsUrl)));
    const perIp = await refusedUpgrade(server.wsUrl);
    assert.equal(perIp.status, 429);
    assert.deepEqual(
      [perIp.body.code, perIp.body.codeName, perIp.body.detail.code],
      [10005, 'AV_ERR_SERVER_ALLOC_RESOURCE_FAILED', 'IP_CONNECTION_LIMIT'],
    );
    assert.match(perIp.body.detail.message, /maxConnectionsPerIp \(2\)/);

    const fromTwo = await Promise.all([1, 2].map(() => RawClient.connect(server.wsUrl, { socket: { localAddress: '127.0.0.2' } })));
    const node = await refusedUpgrade(server.wsUrl, { localAddress: '127.0.0.3' });
    assert.equal(node.status, 503);
    assert.deepEqual([node.body.code, node.body.detail.code], [10005, 'CONNECTION_LIMIT']);
    assert.match(node.body.detail.message, /maxConnections \(4\)/);

    assert.equal(await metric(server, 'hudong_connections_refused_total{reason="max_connections_per_ip"}'), 1);
    assert.equal(await metric(server, 'hudong_connections_refused_total{reason="max_connections"}'), 1);

    fromOne[0]!.close();
    await fromOne[0]!.closed;
    const again = await waitUntil('room for one more connection', () => RawClient.connect(server.wsUrl).catch(() => null), 5000);
    assert.equal((await again.request('ping')).ok, true, 'a released place is taken again');
    for (const c of [...fromOne, ...fromTwo, again]) c.terminate();
  });
});

describe('allowedOrigins', () => {
  const server = new ServerProcess({ extraArgs: ['--allowed-origins', 'https://app.example,http://localhost:8080'] });
  before(() => server.start());
  after(() => server.stop());

  it('refuses a page of another origin with 403, lets listed origins and clients without Origin in', async () => {
    const refused = await refusedUpgrade(server.wsUrl, { origin: 'https://evil.example' });
    assert.equal(refused.status, 403);
    assert.deepEqual([refused.body.code, refused.body.detail.code], [10003, 'ORIGIN_NOT_ALLOWED']);
    assert.match(refused.body.detail.message, /https:\/\/evil\.example/);
    assert.equal(await metric(server, 'hudong_connections_refused_total{reason="origin"}'), 1);
    for (const socket of [{ origin: 'https://app.example' }, { origin: 'http://localhost:8080' }, {}]) {
      const { client } = await loggedIn(server.wsUrl, 'alice', {}, { socket });
      client.terminate();
    }
  });
});

describe('settings refused at start', () => {
  it('a secret shorter than 32 characters outside dev mode', () => {
    const { status, stderr } = refusedStart(['--secret', 'hunter2']);
    assert.equal(status, 2);
    assert.match(stderr, /secret must have at least 32 characters, it has 7/);
  });

  it('dev mode on a host other than loopback without --dev-public', async () => {
    const { status, stderr } = refusedStart(['--dev', '--host', '0.0.0.0']);
    assert.equal(status, 2);
    assert.match(stderr, /dev mode on host 0\.0\.0\.0 .*--dev-public/);
    const meant = await new ServerProcess({ extraArgs: ['--dev', '--dev-public', '--host', '0.0.0.0'] }).start();
    try {
      assert.equal(meant.logs.find((l) => l.msg === 'listening')?.host, '0.0.0.0');
    } finally {
      await meant.stop();
    }
  });
});

describe('a production server', () => {
  const server = new ServerProcess({ dataDir: true, config: { maxIdentityBatch: 50 } });
  before(() => server.start());
  after(() => server.stop());

  it('warns at start that privilege keys are not required (a dev server does not)', async () => {
    const warning = server.logs.find((l) => l.msg.startsWith('privilege keys are not required'));
    assert.equal(warning?.level, 40);
    assert.equal(warning?.setting, 'requirePrivilegeKey');
    const dev = await new ServerProcess({ extraArgs: ['--dev'] }).start();
    try {
      assert.equal(
        dev.logs.some((l) => l.setting === 'requirePrivilegeKey'),
        false,
      );
    } finally {
      await dev.stop();
    }
  });

  it('keeps identity.db readable by its user only, in a 0700 directory it made', async () => {
    const { client } = await loggedIn(server.wsUrl, 'alice');
    assert.equal(statSync(server.dataDir!).mode & 0o777, 0o700);
    assert.equal(statSync(join(server.dataDir!, 'identity.db')).mode & 0o777, 0o600);
    client.terminate();
  });

  it('answers an identity lookup over maxIdentityBatch 10005, and one within it', async () => {
    const { client, login } = await loggedIn(server.wsUrl, 'bob');
    const ids = (n: number) => ['bob', ...[...Array(n - 1).keys()].map((i) => `nobody-${i}`)];
    const over = await client.request('identity.toTinyIds', { identifiers: ids(51) });
    assert.deepEqual([over.error.code, over.error.detail.code], [10005, 'IDENTITY_BATCH_LIMIT']);
    assert.match(over.error.detail.message, /51 identifiers in one lookup, more than maxIdentityBatch \(50\)/);
    const overTiny = await client.request('identity.toIdentifiers', { tinyIds: [...Array(51).keys()].map(String) });
    assert.equal(overTiny.error.detail.code, 'IDENTITY_BATCH_LIMIT');
    const within = await client.call('identity.toTinyIds', { identifiers: ids(50) });
    assert.equal(within.tinyIds[0], login.tinyId);
    assert.equal(within.tinyIds.filter((t) => t === null).length, 49);
    client.terminate();
  });

  it("drops a client that trickles its request headers after headersTimeout (10 s), not Node's 60 s", async () => {
    const socket = connect(server.port, '127.0.0.1');
    const started = Date.now();
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    // An upgrade whose headers never end, one header line a second (each keeps a plain socket timeout from firing).
    socket.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const trickle = setInterval(() => socket.write('X-Slow: 1\r\n'), 1000);
    await new Promise((resolve) => socket.once('close', resolve));
    clearInterval(trickle);
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds >= 9 && seconds < 20, `closed after ${seconds} s, answer ${JSON.stringify(answer)}`);
    assert.match(answer, /^HTTP\/1\.1 408/, `closed after ${seconds} s`);
  });

  it('logs the first failure before login in full and counts the rest', async () => {
    const client = await RawClient.connect(server.wsUrl);
    const answers = await Promise.all([...Array(30)].map(() => client.request('room.exit')));
    assert.ok(answers.every((a) => a.error.detail.code === 'NOT_LOGGED_IN'));
    client.close();
    await client.closed;
    const counted = await server.waitForLog((l) => l.msg.startsWith('more failures before login'));
    assert.equal(counted.count, 29);
    const full = server.logsWith((l) => l.msg === 'request failed' && l.conn === counted.conn);
    assert.equal(full.length, 1);
  });
});
