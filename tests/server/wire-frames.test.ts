// How the server answers frames over a bare WebSocket: malformed ones, unknown methods, oversized
// frames, a request id reused while in flight, and the per-connection rate limit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WireError } from '@hudong/protocol';
import { InProcessServer } from '../helpers/server.js';
import { loggedIn, RawClient } from '../helpers/raw-client.js';

describe('frame handling', () => {
  const srv = new InProcessServer({ config: { maxBadFrames: 5, maxFrameBytes: 4096, messageAckTimeoutMs: 5000 } });
  const clients: RawClient[] = [];
  const connect = async () => {
    const c = await RawClient.connect(srv.wsUrl);
    clients.push(c);
    return c;
  };

  before(() => srv.start());
  after(async () => {
    for (const c of clients) c.terminate();
    await srv.stop();
  });

  const errorOf = (f: { error?: WireError }) => [f.error?.code, f.error?.detail?.code];

  it('answers NOT_JSON, BAD_ENVELOPE (with the id when there is one), BAD_PARAMS, binary frames with 10002', async () => {
    const c = await connect();
    c.send('{not json');
    assert.deepEqual(errorOf(await c.response(null)), [10002, 'NOT_JSON']);
    c.send(JSON.stringify({ type: 'bogus' }));
    assert.deepEqual(errorOf(await c.response(null)), [10002, 'BAD_ENVELOPE']);
    c.send(JSON.stringify({ type: 'request', id: 7, params: {} }));
    assert.deepEqual(errorOf(await c.response(7)), [10002, 'BAD_ENVELOPE']);
    const bad = await c.request('login', { protocolVersion: 'one' });
    assert.deepEqual(errorOf(bad), [10002, 'BAD_PARAMS']);
    assert.match(bad.error.detail.message, /protocolVersion/);
    assert.equal(c.isOpen, true);
    c.send(Buffer.from([1, 2, 3]));
    assert.deepEqual(errorOf(await c.response(null)), [10002, 'NOT_JSON']);
    const line = srv.logs.find((l) => l.msg === 'request failed' && l.detail?.code === 'NOT_JSON')!;
    assert.deepEqual([line.reqId, line.method, line.code], [null, null, 10002]);
  });

  it('closes with 4002 after maxBadFrames malformed frames', async () => {
    const c = await connect();
    for (let i = 0; i < 5; i++) c.send('garbage');
    assert.equal((await c.closed).code, 4002);
    assert.equal(c.frames.length, 5, 'each bad frame was answered');
  });

  it('unknown methods are 10007 and do not count as bad frames', async () => {
    const c = await connect();
    for (let i = 0; i < 7; i++) assert.deepEqual(errorOf(await c.request('room.dance')), [10007, 'UNKNOWN_METHOD']);
    assert.equal(c.isOpen, true);
  });

  it('closes with 1009 on a frame over maxFrameBytes, and the server carries on', async () => {
    const c = await connect();
    c.send('x'.repeat(5000));
    assert.equal((await c.closed).code, 1009);
    const d = await connect();
    assert.equal((await d.request('ping')).ok, true);
  });

  it('answers a request id still in flight with DUPLICATE_REQUEST_ID', async () => {
    const { client: alice } = await loggedIn(srv.wsUrl, 'alice');
    const { client: bob } = await loggedIn(srv.wsUrl, 'bob');
    clients.push(alice, bob);
    await alice.request('room.enter', { roomId: 9, roomType: 'multi', authBits: 0xff, createRoom: true });
    await bob.request('room.enter', { roomId: 9, roomType: 'multi', authBits: 0xff, createRoom: true });
    // Bob never acks, so the one-to-one message stays in flight.
    alice.sendRequest('room.message', { data: 'hi', to: 'bob' }, 500);
    const message = await bob.event('room.message');
    alice.sendRequest('ping', {}, 500);
    assert.deepEqual(errorOf(await alice.response(500)), [10008, 'DUPLICATE_REQUEST_ID']);
    bob.ack(message.data.ackId!);
    assert.equal((await alice.response(500)).ok, true);
    assert.equal((await alice.request('ping')).ok, true);
  });
});

describe('rate limit', () => {
  const srv = new InProcessServer({ config: { ratePerSecond: 5, rateBurst: 10 } });
  before(() => srv.start());
  after(() => srv.stop());

  it('answers 10005 RATE_LIMITED past the bucket, then closes with 4008 after 200 more frames', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    for (let i = 0; i < 400; i++) c.sendRequest('ping');
    const { code } = await c.closed;
    assert.equal(code, 4008);
    const limited = c.responses.filter((f) => f.error?.detail?.code === 'RATE_LIMITED');
    // Requests 1–10 took the burst (their answers may be cut off by the close); 11–210 were refused.
    assert.deepEqual(
      limited.map((f) => f.id),
      Array.from({ length: 200 }, (_, k) => k + 11),
    );
    assert.equal(limited[0]!.error.code, 10005);
  });
});
