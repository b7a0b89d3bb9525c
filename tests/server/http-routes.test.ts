// The HTTP side of createServer() and its lifecycle: health, metrics, the dev UserSig route, the
// demo directory (and nothing outside it), the SDK bundle, refused upgrades, listen and close.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifyUserSig } from '@hudong/protocol/auth';
import { createServer } from '@hudong/server';
import { InProcessServer, TEST_APP_ID, TEST_SECRET } from '../helpers/server.js';
import { loggedIn, RawClient } from '../helpers/raw-client.js';

/** GET with the path sent verbatim (fetch would normalise `..` away). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP routes', () => {
  const root = mkdtempSync(join(tmpdir(), 'hudong-http-'));
  const demo = join(root, 'demo');
  const srv = new InProcessServer({ config: { dev: true, demoDir: demo } });
  let url: string;
  let wsUrl: string;

  before(async () => {
    mkdirSync(join(demo, 'sub'), { recursive: true });
    writeFileSync(join(demo, 'index.html'), '<h1>demo</h1>');
    writeFileSync(join(demo, 'sub', 'app.js'), 'export {}');
    writeFileSync(join(root, 'secret.txt'), 'top secret');
    symlinkSync(join(root, 'secret.txt'), join(demo, 'escape.txt'));
    await srv.start();
    url = srv.httpUrl;
    wsUrl = srv.wsUrl;
  });
  after(async () => {
    await srv.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('GET /healthz reports node, rooms and members', async () => {
    const { client } = await loggedIn(wsUrl, 'h-alice');
    await client.request('room.enter', { roomId: 5, roomType: 'multi', authBits: 0xff, createRoom: true });
    const res = await fetch(`${url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', node: srv.server.nodeId, rooms: 1, members: 1 });
    client.close();
  });

  it('GET /metrics is Prometheus text with the gauges, request counter and histogram', async () => {
    const c = await RawClient.connect(wsUrl);
    await c.request('ping');
    await c.request('room.exit');
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const name of ['hudong_connections', 'hudong_sessions', 'hudong_rooms', 'hudong_members'])
      assert.match(text, new RegExp(`^${name} \\d+$`, 'm'));
    assert.match(text, /^hudong_requests_total\{method="ping",code="0"\} \d+$/m);
    assert.match(text, /^hudong_requests_total\{method="room.exit",code="10006"\} 1$/m);
    assert.match(text, /^hudong_request_duration_seconds_bucket\{le="0.001",method="ping"\} \d+$/m);
    c.close();
  });

  it('POST /dev/usersig signs with the server key in dev mode; 400 on a bad body', async () => {
    const res = await fetch(`${url}/dev/usersig`, { method: 'POST', body: JSON.stringify({ identifier: 'web-1', expireSeconds: 60 }) });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { sdkAppId: number; userSig: string };
    assert.equal(body.sdkAppId, TEST_APP_ID);
    assert.equal(verifyUserSig(body.userSig, { sdkAppId: TEST_APP_ID, secret: TEST_SECRET, identifier: 'web-1' }).expireSeconds, 60);
    for (const bad of ['nope', '{}', JSON.stringify({ identifier: 'has space' }), JSON.stringify({ identifier: 'x', expireSeconds: -1 })]) {
      assert.equal((await fetch(`${url}/dev/usersig`, { method: 'POST', body: bad })).status, 400, bad);
    }
  });

  it('POST /dev/usersig is 404 outside dev mode', async () => {
    const prod = createServer({ port: 0, secret: 'k'.repeat(32), logLevel: 'silent' });
    const { url: prodUrl } = await prod.listen();
    try {
      assert.equal((await fetch(`${prodUrl}/dev/usersig`, { method: 'POST', body: '{"identifier":"x"}' })).status, 404);
    } finally {
      await prod.close();
    }
  });

  it('serves the demo directory and nothing outside it', async () => {
    const index = await fetch(`${url}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type')!, /text\/html/);
    assert.equal(await index.text(), '<h1>demo</h1>');
    const js = await fetch(`${url}/sub/app.js`);
    assert.match(js.headers.get('content-type')!, /javascript/);
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/sub/%2E%2E/%2E%2E/secret.txt',
      '/..%2fsecret.txt',
      '/escape.txt',
      '/%00',
      '/missing.html',
    ]) {
      const res = await rawGet(url, path);
      assert.ok(res.status === 404 || res.status === 400, `${path} → ${res.status}`);
      assert.doesNotMatch(res.body, /top secret/);
    }
  });

  it('/sdk/hudong.js is the built ES module with its map, answered 304 to a conditional GET while unchanged; /ws without upgrade is 426; upgrades elsewhere are refused', async () => {
    const bundle = await fetch(`${url}/sdk/hudong.js`);
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get('content-type') ?? '', /javascript/);
    assert.match(await bundle.text(), /sourceMappingURL=hudong\.js\.map/);
    assert.equal((await fetch(`${url}/sdk/hudong.js.map`)).status, 200);
    // Revalidated on every use, 304 while unchanged (the browser keeps its copy and the code V8 compiled from it).
    assert.equal(bundle.headers.get('cache-control'), 'no-cache');
    const etag = bundle.headers.get('etag')!;
    const lastModified = bundle.headers.get('last-modified')!;
    assert.match(etag, /^W\/"[0-9a-f]+-[0-9a-f]+"$/);
    const conditionals: Record<string, string>[] = [
      { 'if-none-match': etag },
      { 'if-none-match': `W/"0-0", ${etag}` },
      { 'if-modified-since': lastModified },
    ];
    for (const conditional of conditionals) {
      const unchanged = await fetch(`${url}/sdk/hudong.js`, { headers: conditional });
      assert.equal(unchanged.status, 304, JSON.stringify(conditional));
      assert.equal(await unchanged.text(), '');
      assert.equal(unchanged.headers.get('etag'), etag);
    }
    const other = await fetch(`${url}/sdk/hudong.js`, { headers: { 'if-none-match': 'W/"0-0"', 'if-modified-since': lastModified } });
    assert.equal(other.status, 200, 'another version: the file, whatever If-Modified-Since says');
    const older = await fetch(`${url}/sdk/hudong.js`, { headers: { 'if-modified-since': new Date(Date.parse(lastModified) - 1000).toUTCString() } });
    assert.equal(older.status, 200, 'modified since');
    assert.equal((await fetch(`${url}/ws`)).status, 426);
    await assert.rejects(RawClient.connect(wsUrl.replace('/ws', '/other')));
  });
});

describe('HudongServer lifecycle', () => {
  it('needs a secret outside dev mode; dev makes one', () => {
    assert.throws(() => createServer({ port: 0 }), TypeError);
    assert.equal(createServer({ dev: true, logLevel: 'silent' }).secret.length, 64);
  });

  it('listen resolves with the real port; close is idempotent and closes clients with 1001', async () => {
    const server = createServer({ dev: true, port: 0, logLevel: 'silent' });
    const address = await server.listen();
    assert.ok(address.port > 0);
    assert.equal(address.url, `http://127.0.0.1:${address.port}`);
    assert.equal(server.address, address);
    const c = await RawClient.connect(address.wsUrl);
    await Promise.all([server.close(), server.close()]);
    assert.equal((await c.closed).code, 1001);
    await server.close();
    await assert.rejects(server.listen());
  });
});
