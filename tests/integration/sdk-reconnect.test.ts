// Surviving bad networks and restarts: resume within the grace, re-enter after a restart,
// and a precise 'disconnected' when the server stays away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointEvent, type AVError } from '@hudong/sdk';
import { ServerProcess } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { dispose, nextEvent, sleep, startedContext, uniqueId, uniqueRoomId } from '../helpers/clients.js';

test('a dropped connection resumes the session: same room, no EXIT seen by others, messages flow again', async () => {
  const server = await new ServerProcess().start();
  const proxy = await new TcpProxy(server.port).start();
  const roomId = uniqueRoomId();
  const flakyId = uniqueId('flaky');
  const flaky = await startedContext(proxy.wsUrl, flakyId);
  const steady = await startedContext(server.wsUrl, uniqueId('steady'));
  try {
    const flakyRoom = await flaky.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    const steadyRoom = await steady.enterRoom({ roomId, roomType: 'multi', createRoom: false });
    const events: number[] = [];
    steadyRoom.on('endpointsUpdate', (e) => events.push(e));
    const tinyId = flaky.tinyId;
    proxy.cut();
    await sleep(300);
    const got = nextEvent(steadyRoom, 'message', 15_000);
    // sendMessage waits for the reconnect, then goes through.
    await flakyRoom.sendMessage('back again');
    assert.deepEqual(await got, [flakyId, 'back again']);
    assert.equal(flakyRoom.state, 'entered');
    assert.equal(flaky.tinyId, tinyId);
    assert.deepEqual(events, [], 'others saw no EXIT/ENTER for a resumed session');
  } finally {
    await dispose(flaky, steady);
    await proxy.close();
    await server.stop();
  }
});

test('after a server restart the SDK logs in again and re-enters its room (a joiner waits for the creator)', async () => {
  const server = await new ServerProcess().start();
  const roomId = uniqueRoomId();
  const aId = uniqueId('a');
  const bId = uniqueId('b');
  const a = await startedContext(server.wsUrl, aId);
  const b = await startedContext(server.wsUrl, bId);
  try {
    const aRoom = await a.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    // b only joins (createRoom false): after the restart it must wait until a has re-created the room.
    await b.enterRoom({ roomId, roomType: 'multi', createRoom: false });
    let disconnected: AVError | undefined;
    aRoom.on('disconnected', (e) => (disconnected = e));
    const states: Record<string, string[]> = { a: [], b: [] };
    a.on('connectionStateChanged', (st) => states.a!.push(st));
    b.on('connectionStateChanged', (st) => states.b!.push(st));
    await server.kill();
    await sleep(500);
    await server.start(); // same port
    // 'connected' again means logged in and the room restored (re-entered) on the new process; b's
    // ENTER reaches a after b's own answer (the server writes answers before fan-out).
    const deadline = Date.now() + 15_000;
    while (
      Date.now() < deadline &&
      !(
        a.connectionState === 'connected' &&
        b.connectionState === 'connected' &&
        states.a!.length > 0 &&
        states.b!.length > 0 &&
        aRoom.endpoints.has(bId)
      )
    )
      await sleep(50);
    assert.deepEqual(states.a, ['reconnecting', 'connected']);
    assert.deepEqual(states.b, ['reconnecting', 'connected']);
    assert.equal(disconnected, undefined);
    assert.equal(aRoom.state, 'entered');
    assert.ok(aRoom.endpoints.has(bId), "b is back in a's member list");
    const got = nextEvent(aRoom, 'message');
    await b.room!.sendMessage('after restart');
    assert.deepEqual(await got, [bId, 'after restart']);
  } finally {
    await dispose(a, b);
    await server.stop();
  }
});

test("'disconnected' with 1005 once the server stays away longer than reconnectTimeoutMs", async () => {
  const server = await new ServerProcess().start();
  const proxy = await new TcpProxy(server.port).start();
  const ctx = await startedContext(proxy.wsUrl, uniqueId('abandoned'), { reconnectTimeoutMs: 1500 });
  try {
    const room = await ctx.enterRoom({ roomId: uniqueRoomId(), roomType: 'multi', createRoom: true });
    const reason = nextEvent(room, 'disconnected', 10_000);
    proxy.refuse(true);
    const t0 = Date.now();
    proxy.cut();
    const [err] = await reason;
    const waited = Date.now() - t0;
    assert.equal(err.code, 1005);
    assert.equal(err.codeName, 'AV_ERR_TIMEOUT');
    assert.equal(err.detail?.code, 'RECONNECT_TIMEOUT');
    assert.ok(waited >= 1400 && waited < 5000, `disconnected after ${waited} ms`);
    assert.equal(room.state, 'exited');
    assert.equal(ctx.state, 'stopped');
    assert.equal(ctx.room, null);
  } finally {
    await dispose(ctx);
    await proxy.close();
    await server.stop();
  }
});

test('members of a session that never comes back leave after the grace (EXIT)', async () => {
  const server = await new ServerProcess({ config: { sessionGraceMs: 500 } }).start();
  const proxy = await new TcpProxy(server.port).start();
  const roomId = uniqueRoomId();
  const goneId = uniqueId('gone');
  const gone = await startedContext(proxy.wsUrl, goneId, { reconnectTimeoutMs: 600_000 });
  const watcher = await startedContext(server.wsUrl, uniqueId('watcher'));
  try {
    await gone.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    const room = await watcher.enterRoom({ roomId, roomType: 'multi', createRoom: false });
    const exit = nextEvent(room, 'endpointsUpdate');
    proxy.refuse(true);
    proxy.cut();
    assert.deepEqual(await exit, [EndpointEvent.EXIT, [goneId]]);
  } finally {
    await dispose(watcher);
    proxy.refuse(false);
    await dispose(gone);
    await proxy.close();
    await server.stop();
  }
});
