// One named test per client code this foundation owns, produced through the public SDK against a
// real server process in the situation the error table describes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { createServer as createTcpServer } from 'node:net';
import { AVContext, AVError, AuthBits } from '@hudong/sdk';
import { ServerProcess, TEST_APP_ID, userSigFor } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { dispose, rejectsWith, startedContext, uniqueId, uniqueRoomId, sleep } from '../helpers/clients.js';

let server: ServerProcess;

before(async () => {
  server = await new ServerProcess({ config: { inviteTimeoutMs: 1500 } }).start();
});
after(async () => {
  await server.stop();
});

async function freePort(): Promise<number> {
  const srv = createTcpServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test('1 AV_ERR_FAILED: start against an address where no server listens', async () => {
  const port = await freePort();
  const ctx = AVContext.create({ serverUrl: `ws://127.0.0.1:${port}/ws`, sdkAppId: TEST_APP_ID });
  const err = await rejectsWith(ctx.start({ identifier: 'alice', userSig: userSigFor('alice'), timeoutMs: 5000 }), 1, 'AV_ERR_FAILED');
  assert.equal(err.detail?.code, 'ECONNREFUSED');
  assert.equal(ctx.state, 'stopped');
  await ctx.destroy();
});

test('1001 AV_ERR_REPEATED_OPERATION: entering a room while already entering it', async () => {
  const ctx = await startedContext(server.wsUrl, uniqueId('eager'));
  try {
    const roomId = uniqueRoomId();
    const first = ctx.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    await rejectsWith(ctx.enterRoom({ roomId, roomType: 'multi', createRoom: true }), 1001, 'AV_ERR_REPEATED_OPERATION');
    await first;
    const starting = AVContext.create({ serverUrl: server.wsUrl, sdkAppId: TEST_APP_ID });
    const id = uniqueId('s');
    const p = starting.start({ identifier: id, userSig: userSigFor(id) });
    await rejectsWith(starting.start({ identifier: id, userSig: userSigFor(id) }), 1001, 'AV_ERR_REPEATED_OPERATION');
    await p;
    await dispose(starting);
  } finally {
    await dispose(ctx);
  }
});

test('1002 AV_ERR_EXCLUSIVE_OPERATION: exiting while entering (the enter goes on), stopping while starting', async () => {
  const ctx = await startedContext(server.wsUrl, uniqueId('hasty'));
  try {
    const entering = ctx.enterRoom({ roomId: uniqueRoomId(), roomType: 'multi', createRoom: true });
    await rejectsWith(ctx.exitRoom(), 1002, 'AV_ERR_EXCLUSIVE_OPERATION');
    assert.equal((await entering).state, 'entered');
    const stopping = AVContext.create({ serverUrl: server.wsUrl, sdkAppId: TEST_APP_ID });
    const id = uniqueId('x');
    const starting = stopping.start({ identifier: id, userSig: userSigFor(id) });
    await rejectsWith(stopping.stop(), 1002, 'AV_ERR_EXCLUSIVE_OPERATION');
    await starting;
    await dispose(stopping);
  } finally {
    await dispose(ctx);
  }
});

test('1003 AV_ERR_HAS_IN_THE_STATE: entering the room one is already in is benign', async () => {
  const ctx = await startedContext(server.wsUrl, uniqueId('twice'));
  try {
    const roomId = uniqueRoomId();
    await ctx.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    const err = await rejectsWith(ctx.enterRoom({ roomId, roomType: 'multi', createRoom: true }), 1003, 'AV_ERR_HAS_IN_THE_STATE');
    assert.equal(err.isBenign, true);
    const id = uniqueId('y');
    await rejectsWith(ctx.start({ identifier: id, userSig: userSigFor(id) }), 1003, 'AV_ERR_HAS_IN_THE_STATE');
    assert.equal(ctx.room?.state, 'entered');
  } finally {
    await dispose(ctx);
  }
});

test('1004 AV_ERR_INVALID_ARGUMENT: a room type other than pair or multi, checked before sending', async () => {
  const ctx = await startedContext(server.wsUrl, uniqueId('typo'));
  try {
    const err = await rejectsWith(
      ctx.enterRoom({ roomId: uniqueRoomId(), roomType: 'group' as never, createRoom: true }),
      1004,
      'AV_ERR_INVALID_ARGUMENT',
    );
    assert.match(JSON.stringify(err.detail), /roomType/);
    await rejectsWith(ctx.enterRoom({ roomId: 2 ** 32, roomType: 'multi', createRoom: true }), 1004, 'AV_ERR_INVALID_ARGUMENT');
    assert.equal(ctx.room, null);
    assert.throws(
      () => AVContext.create({ serverUrl: 'not a url', sdkAppId: TEST_APP_ID }),
      (e: unknown) => e instanceof AVError && e.code === 1004,
    );
  } finally {
    await dispose(ctx);
  }
});

test('1005 AV_ERR_TIMEOUT: the network stalls while entering a room, and while starting', async () => {
  const proxy = await new TcpProxy(server.port).start();
  const ctx = await startedContext(proxy.wsUrl, uniqueId('stalled'));
  try {
    proxy.freeze(true);
    const t0 = Date.now();
    const err = await rejectsWith(
      ctx.enterRoom({ roomId: uniqueRoomId(), roomType: 'multi', createRoom: true, timeoutMs: 700 }),
      1005,
      'AV_ERR_TIMEOUT',
    );
    assert.ok(Date.now() - t0 < 3000, 'the timeout is honoured');
    assert.ok(err.detail);
    assert.equal(ctx.room, null);
    const late = AVContext.create({ serverUrl: proxy.wsUrl, sdkAppId: TEST_APP_ID });
    await rejectsWith(late.start({ identifier: 'late', userSig: userSigFor('late'), timeoutMs: 700 }), 1005, 'AV_ERR_TIMEOUT');
    assert.equal(late.state, 'stopped');
    await late.destroy();
  } finally {
    proxy.freeze(false);
    await dispose(ctx);
    await proxy.close();
  }
});

test('1006 AV_ERR_NOT_IMPLEMENTED: requesting a view of the media-file source', async () => {
  const roomId = uniqueRoomId();
  const a = await startedContext(server.wsUrl, uniqueId('viewer'));
  const bId = uniqueId('other');
  const b = await startedContext(server.wsUrl, bId);
  try {
    const room = await a.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    await b.enterRoom({ roomId, roomType: 'multi', createRoom: false });
    await rejectsWith(room.requestViewList([{ identifier: bId, srcType: 'media' as never, size: 'big' }]), 1006, 'AV_ERR_NOT_IMPLEMENTED');
  } finally {
    await dispose(a, b);
  }
});

test('1007 AV_ERR_NOT_IN_MAIN_THREAD: the SDK called from a worker thread', async () => {
  const code = `
    const { parentPort } = require('node:worker_threads');
    import('@hudong/sdk').then(({ AVContext }) => {
      try {
        AVContext.create({ serverUrl: 'ws://127.0.0.1:1/ws', sdkAppId: 1400000001 });
        parentPort.postMessage({ ok: true });
      } catch (err) {
        parentPort.postMessage({ code: err.code, codeName: err.codeName, suggestion: err.suggestion });
      }
    }, (err) => parentPort.postMessage({ loadError: String(err) }));`;
  const worker = new Worker(code, { eval: true });
  const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  assert.equal(result.code, 1007, JSON.stringify(result));
  assert.equal(result.codeName, 'AV_ERR_NOT_IN_MAIN_THREAD');
  assert.match(String(result.suggestion), /main thread/);
});

test('1101 AV_ERR_CONTEXT_NOT_EXIST: entering a room before the context started', async () => {
  const ctx = AVContext.create({ serverUrl: server.wsUrl, sdkAppId: TEST_APP_ID });
  await rejectsWith(ctx.enterRoom({ roomId: 1, roomType: 'multi', createRoom: true }), 1101, 'AV_ERR_CONTEXT_NOT_EXIST');
  await rejectsWith(ctx.invite('bob', { roomId: 1 }), 1101, 'AV_ERR_CONTEXT_NOT_EXIST');
  await ctx.destroy();
});

test('1102 AV_ERR_CONTEXT_NOT_STOPPED: destroying a started context', async () => {
  const ctx = await startedContext(server.wsUrl, uniqueId('live'));
  try {
    await rejectsWith(ctx.destroy(), 1102, 'AV_ERR_CONTEXT_NOT_STOPPED');
    assert.equal(ctx.state, 'started');
  } finally {
    await dispose(ctx);
  }
});

test('1201 AV_ERR_ROOM_NOT_EXIST: sending a message with a room that is not entered', async () => {
  const ctx = await startedContext(server.wsUrl, uniqueId('gone'));
  try {
    const room = await ctx.enterRoom({ roomId: uniqueRoomId(), roomType: 'multi', createRoom: true });
    await room.exit();
    await rejectsWith(room.sendMessage('anyone?'), 1201, 'AV_ERR_ROOM_NOT_EXIST');
    await rejectsWith(room.changeAuthority(AuthBits.DEFAULT), 1201, 'AV_ERR_ROOM_NOT_EXIST');
  } finally {
    await dispose(ctx);
  }
});

test('1202 AV_ERR_ROOM_NOT_EXITED: stopping the context while in a room', async () => {
  const ctx = await startedContext(server.wsUrl, uniqueId('stay'));
  try {
    await ctx.enterRoom({ roomId: uniqueRoomId(), roomType: 'multi', createRoom: true });
    await rejectsWith(ctx.stop(), 1202, 'AV_ERR_ROOM_NOT_EXITED');
    assert.equal(ctx.state, 'started');
    await rejectsWith(ctx.enterRoom({ roomId: uniqueRoomId(), roomType: 'multi', createRoom: true }), 1202, 'AV_ERR_ROOM_NOT_EXITED');
  } finally {
    await dispose(ctx);
  }
});

test('1501 AV_ERR_TINYID_TO_OPENID_FAILED: a tinyid the identity service does not know', async () => {
  const ctx = await startedContext(server.wsUrl, uniqueId('who'));
  try {
    assert.equal(await ctx.identifierOf(ctx.tinyId!), await ctx.identifierOf(ctx.tinyId!));
    const err = await rejectsWith(ctx.identifierOf('12345'), 1501, 'AV_ERR_TINYID_TO_OPENID_FAILED');
    assert.ok(err.detail);
  } finally {
    await dispose(ctx);
  }
});

test('1502 AV_ERR_OPENID_TO_TINYID_FAILED: an identifier that never logged in has no tinyid', async () => {
  const me = uniqueId('me');
  const ctx = await startedContext(server.wsUrl, me);
  try {
    assert.equal(await ctx.tinyIdOf(me), ctx.tinyId);
    const err = await rejectsWith(ctx.tinyIdOf(uniqueId('never-seen')), 1502, 'AV_ERR_OPENID_TO_TINYID_FAILED');
    assert.ok(err.detail);
  } finally {
    await dispose(ctx);
  }
});

test('1801 AV_ERR_INVITE_FAILED: the inviter is not in the room, the invitee refuses, is offline, or never answers', async () => {
  const aliceId = uniqueId('alice');
  const bobId = uniqueId('bob');
  const alice = await startedContext(server.wsUrl, aliceId);
  const bob = await startedContext(server.wsUrl, bobId);
  const roomId = uniqueRoomId();
  try {
    await alice.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    const carol = await startedContext(server.wsUrl, uniqueId('carol'));
    try {
      const outside = await rejectsWith(carol.invite(bobId, { roomId }), 1801, 'AV_ERR_INVITE_FAILED');
      assert.equal(outside.detail?.code, 'INVITER_NOT_IN_ROOM');
    } finally {
      await dispose(carol);
    }
    bob.once('invited', (inv: { id: string }) => void bob.refuseInvite(inv.id));
    const refused = await rejectsWith(alice.invite(bobId, { roomId }), 1801, 'AV_ERR_INVITE_FAILED');
    assert.equal(refused.detail?.code, 'INVITE_REFUSED');
    const offline = await rejectsWith(alice.invite(uniqueId('offline'), { roomId }), 1801, 'AV_ERR_INVITE_FAILED');
    assert.equal(offline.detail?.code, 'INVITEE_OFFLINE');
    const unanswered = await rejectsWith(alice.invite(bobId, { roomId }), 1801, 'AV_ERR_INVITE_FAILED');
    assert.equal(unanswered.detail?.code, 'INVITE_EXPIRED');
  } finally {
    await dispose(alice, bob);
  }
});

test('1802 AV_ERR_ACCEPT_FAILED: accepting an invite that already expired', async () => {
  const aliceId = uniqueId('alice');
  const bobId = uniqueId('bob');
  const alice = await startedContext(server.wsUrl, aliceId);
  const bob = await startedContext(server.wsUrl, bobId);
  try {
    const roomId = uniqueRoomId();
    await alice.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    const invited = new Promise<{ id: string }>((resolve) => bob.once('invited', resolve));
    const sent = alice.invite(bobId, { roomId }).catch((e: unknown) => e);
    const inv = await invited;
    await sleep(2000); // inviteTimeoutMs is 1500 in this server
    const err = await rejectsWith(bob.acceptInvite(inv.id), 1802, 'AV_ERR_ACCEPT_FAILED');
    assert.ok(['INVITE_EXPIRED', 'INVITE_NOT_FOUND'].includes(String(err.detail?.code)), JSON.stringify(err.detail));
    assert.equal(((await sent) as AVError).code, 1801);
    await rejectsWith(bob.acceptInvite('no-such-invite'), 1802, 'AV_ERR_ACCEPT_FAILED');
  } finally {
    await dispose(alice, bob);
  }
});

test('1803 AV_ERR_REFUSE_FAILED: refusing an invite that was already accepted', async () => {
  const aliceId = uniqueId('alice');
  const bobId = uniqueId('bob');
  const alice = await startedContext(server.wsUrl, aliceId);
  const bob = await startedContext(server.wsUrl, bobId);
  try {
    const roomId = uniqueRoomId();
    await alice.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    const invited = new Promise<{ id: string; from: string; roomId: number }>((resolve) => bob.once('invited', resolve));
    const sent = alice.invite(bobId, { roomId });
    const inv = await invited;
    assert.equal(inv.from, aliceId);
    assert.equal(inv.roomId, roomId);
    await bob.acceptInvite(inv.id);
    await sent;
    const err = await rejectsWith(bob.refuseInvite(inv.id), 1803, 'AV_ERR_REFUSE_FAILED');
    assert.ok(err.detail);
  } finally {
    await dispose(alice, bob);
  }
});

test('errors come in the context language', async () => {
  const ctx = AVContext.create({ serverUrl: server.wsUrl, sdkAppId: TEST_APP_ID, lang: 'zh' });
  const err = await rejectsWith(ctx.enterRoom({ roomId: 1, roomType: 'multi', createRoom: true }), 1101, 'AV_ERR_CONTEXT_NOT_EXIST');
  assert.equal(err.suggestion, '修改业务侧逻辑，确保调用SDK接口的时机的正确性。');
  await ctx.destroy();
});
