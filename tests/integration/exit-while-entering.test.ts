// AVSDK: exiting a room while entering it is an exclusive operation — 1002, "如在进入房间过程中，
// 去做退出房间的操作，就会产生这个错误" — and the entering goes on and completes normally; only the
// enter's own timeout (1005) abandons it. Through the public SDK against a real server process; a
// TCP proxy holds the room.enter on the wire so that the exit really happens during the enter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointEvent } from '@hudong/sdk';
import { ServerProcess } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { dispose, nextEvent, rejectsWith, sleep, startedContext, uniqueId, uniqueRoomId } from '../helpers/clients.js';

let server: ServerProcess;
before(async () => {
  server = await new ServerProcess().start();
});
after(async () => {
  await server.stop();
});

test('exitRoom during enterRoom: 1002 with a detail, the enter completes (the others see ENTER), then the exit works', async () => {
  const roomId = uniqueRoomId();
  const hostId = uniqueId('host');
  const guestId = uniqueId('guest');
  const proxy = await new TcpProxy(server.port).start();
  const host = await startedContext(server.wsUrl, hostId);
  const guest = await startedContext(proxy.wsUrl, guestId);
  try {
    const hostRoom = await host.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    const entered = nextEvent(hostRoom, 'endpointsUpdate');

    proxy.freeze(true); // the guest's room.enter waits on the wire
    const entering = guest.enterRoom({ roomId, roomType: 'multi', createRoom: false });
    await sleep(200);
    const room = guest.room!;
    assert.equal(room.state, 'entering');
    const err = await rejectsWith(guest.exitRoom(), 1002, 'AV_ERR_EXCLUSIVE_OPERATION');
    assert.equal(err.detail?.code, 'EXCLUSIVE');
    assert.match(err.detail!.message, /enterRoom is in progress; exitRoom must wait/);
    await rejectsWith(room.exit(), 1002, 'AV_ERR_EXCLUSIVE_OPERATION');
    await rejectsWith(guest.stop(), 1202, 'AV_ERR_ROOM_NOT_EXITED');
    assert.equal(room.state, 'entering', 'the refused exits changed nothing');
    proxy.freeze(false);

    assert.equal(await entering, room);
    assert.equal(room.state, 'entered');
    assert.equal(guest.room, room);
    assert.ok(room.endpoints.has(hostId));
    assert.deepEqual(await entered, [EndpointEvent.ENTER, [guestId]]);

    const left = nextEvent(hostRoom, 'endpointsUpdate');
    await guest.exitRoom();
    assert.equal(room.state, 'exited');
    assert.equal(guest.room, null);
    assert.deepEqual(await left, [EndpointEvent.EXIT, [guestId]]);
  } finally {
    proxy.freeze(false);
    await dispose(guest, host);
    await proxy.close();
  }
});

test("the enter's own timeout still abandons it: 1005 after an exit was refused with 1002", async () => {
  const proxy = await new TcpProxy(server.port).start();
  const ctx = await startedContext(proxy.wsUrl, uniqueId('stalled'));
  try {
    proxy.freeze(true);
    const entering = ctx.enterRoom({ roomId: uniqueRoomId(), roomType: 'multi', createRoom: true, timeoutMs: 700 });
    await rejectsWith(ctx.exitRoom(), 1002, 'AV_ERR_EXCLUSIVE_OPERATION');
    const err = await rejectsWith(entering, 1005, 'AV_ERR_TIMEOUT');
    assert.equal(err.detail?.message, 'enterRoom got no answer within 700 ms');
    assert.equal(ctx.room, null);
    await rejectsWith(ctx.exitRoom(), 1003, 'AV_ERR_HAS_IN_THE_STATE');
  } finally {
    proxy.freeze(false);
    await dispose(ctx);
    await proxy.close();
  }
});
