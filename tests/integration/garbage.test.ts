// Bad input never crashes the server: bad JSON, unknown types, oversized and binary frames.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ServerProcess } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { dispose, nextEvent, startedContext, uniqueId, uniqueRoomId } from '../helpers/clients.js';

let server: ServerProcess;
before(async () => {
  server = await new ServerProcess().start();
});
after(async () => {
  await server.stop();
});

test('bad JSON, a bad envelope and an unknown message type are answered with 10002', async () => {
  const raw = await RawClient.connect(server.wsUrl);
  try {
    const notJson = raw.response(null);
    raw.send('{"type": "request", ');
    const a = await notJson;
    assert.equal(a.error.code, 10002);
    assert.equal(a.error.detail.code, 'NOT_JSON');

    const badType = raw.response(null);
    raw.send({ type: 'subscribe', topic: 'everything' });
    const b = await badType;
    assert.equal(b.error.code, 10002);
    assert.equal(b.error.detail.code, 'BAD_ENVELOPE');

    const badParams = await raw.request('login', { identifier: 42 });
    assert.equal(badParams.error.code, 10002);
    assert.equal(badParams.error.detail.code, 'BAD_PARAMS');

    const early = await raw.request('room.exit', {});
    assert.equal(early.error.code, 10006);
    assert.equal(early.error.detail.code, 'NOT_LOGGED_IN');
  } finally {
    raw.close();
  }
});

test('a 2 MB frame closes the connection (1009) and the server lives on', async () => {
  const raw = await RawClient.connect(server.wsUrl);
  raw.send(JSON.stringify({ type: 'request', id: 1, method: 'ping', params: { pad: 'x'.repeat(2 * 1024 * 1024) } }));
  const closed = await raw.closed;
  assert.equal(closed.code, 1009);
  assert.ok(server.alive);
});

test('10,000 malformed frames, then a normal client still works', async () => {
  const kinds = [
    () => randomBytes(1 + Math.floor(Math.random() * 200)), // binary junk
    () => '{' + randomBytes(20).toString('base64'), // broken JSON
    () => JSON.stringify({ type: 'request', id: -1, method: 7 }), // bad envelope
    () => JSON.stringify({ type: 'request', id: 3, method: 'room.enter', params: { roomId: 'x' } }),
    () => JSON.stringify({ type: 'request', id: 4, method: 'no.such.method', params: {} }),
    () => JSON.stringify([1, 2, 3]),
    () => 'null',
  ];
  let sent = 0;
  let connections = 0;
  while (sent < 10_000) {
    const raw = await RawClient.connect(server.wsUrl);
    connections++;
    // Until the server closes this connection (bad-frame or rate limit), keep sending.
    let open = true;
    void raw.closed.then(() => (open = false));
    for (let i = 0; i < 500 && open && sent < 10_000; i++) {
      raw.send(kinds[sent % kinds.length]!());
      sent++;
    }
    await Promise.race([raw.closed, new Promise((r) => setTimeout(r, 50))]);
    raw.terminate();
  }
  assert.equal(sent, 10_000);
  assert.ok(server.alive, 'the server process survived');
  assert.ok(connections > 1, 'abusive connections get closed');

  const health = await fetch(`${server.httpUrl}/healthz`);
  assert.equal(health.status, 200);
  const a = await startedContext(server.wsUrl, uniqueId('after-a'));
  const b = await startedContext(server.wsUrl, uniqueId('after-b'));
  try {
    const roomId = uniqueRoomId();
    const room = await a.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    const entered = nextEvent(room, 'endpointsUpdate');
    await b.enterRoom({ roomId, roomType: 'multi', createRoom: false });
    await entered;
    assert.equal(room.endpoints.size, 1);
  } finally {
    await dispose(a, b);
  }
});
