// One named test per server code 10001–10011, each produced by a real server process in the
// situation the error table describes, seen through the Node SDK over a real WebSocket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AVContext, AuthBits, ErrorCode } from '@hudong/sdk';
import { signPrivilegeKey } from '@hudong/protocol/auth';
import { ServerProcess, TEST_APP_ID, TEST_SECRET, userSigFor } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { dispose, rejectsWithServer, startedContext, uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { loginParams, RawClient } from '../helpers/raw-client.js';

let server: ServerProcess;

before(async () => {
  server = await new ServerProcess({
    config: { maxMembersPerRoom: 3, messageAckTimeoutMs: 800, roomTypes: ['multi', 'pair'], storeTimeoutMs: 300 },
  }).start();
});
after(async () => {
  await server.stop();
});

test('10001 AV_ERR_SERVER_FAILED: the identity store file is corrupted under a running server', async () => {
  const srv = await new ServerProcess({ dataDir: true, config: { storeTimeoutMs: 300 } }).start();
  let ctx: AVContext | undefined;
  try {
    ctx = await startedContext(srv.wsUrl, uniqueId('before'));
    writeFileSync(join(srv.dataDir!, 'identity.db'), Buffer.alloc(64 * 1024, 0x5a));
    const next = AVContext.create({ serverUrl: srv.wsUrl, sdkAppId: TEST_APP_ID });
    const id = uniqueId('after');
    const err = await rejectsWithServer(next.start({ identifier: id, userSig: userSigFor(id) }), 10001, 'AV_ERR_SERVER_FAILED', 'STORE_FAILED');
    assert.match(err.detail!.message, /SQLITE_|not a database|malformed/i);
    assert.ok(srv.alive, 'the server survives a broken store');
    const logged = await srv.waitForLog((r) => r.code === 10001);
    assert.equal((logged.detail as { code: string }).code, 'STORE_FAILED');
  } finally {
    await dispose(ctx);
    await srv.stop();
  }
});

test('10002 AV_ERR_SERVER_INVALID_ARGUMENT: entering an existing room with the other room type', async () => {
  const roomId = uniqueRoomId();
  const a = await startedContext(server.wsUrl, uniqueId('a'));
  const b = await startedContext(server.wsUrl, uniqueId('b'));
  try {
    await a.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    await rejectsWithServer(
      b.enterRoom({ roomId, roomType: 'pair', createRoom: true }),
      10002,
      'AV_ERR_SERVER_INVALID_ARGUMENT',
      'ROOM_TYPE_MISMATCH',
    );
  } finally {
    await dispose(a, b);
  }
});

test('10002 AV_ERR_SERVER_INVALID_ARGUMENT: a signalling message with invalid parameters', async () => {
  const raw = await RawClient.connect(server.wsUrl);
  try {
    await raw.login(uniqueId('raw'));
    const res = await raw.request('room.enter', { roomId: -5, roomType: 'multi', authBits: 0xff, createRoom: true });
    assert.equal(res.ok, false);
    assert.equal(res.error.code, 10002);
    assert.equal(res.error.detail.code, 'BAD_PARAMS');
    assert.match(res.error.detail.message, /roomId/);
  } finally {
    raw.close();
  }
});

test('10003 AV_ERR_SERVER_NO_PERMISSION: expired UserSig, and a join without JOIN_ROOM', async () => {
  const id = uniqueId('expired');
  const ctx = AVContext.create({ serverUrl: server.wsUrl, sdkAppId: TEST_APP_ID });
  const expired = userSigFor(id, { expireSeconds: 60, now: Math.floor(Date.now() / 1000) - 3600 });
  const err = await rejectsWithServer(ctx.start({ identifier: id, userSig: expired }), 10003, 'AV_ERR_SERVER_NO_PERMISSION', 'USERSIG_EXPIRED');
  assert.match(err.detail!.message, /expired/);
  await ctx.destroy();

  const roomId = uniqueRoomId();
  const host = await startedContext(server.wsUrl, uniqueId('host'));
  const guest = await startedContext(server.wsUrl, uniqueId('guest'));
  try {
    await host.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    await rejectsWithServer(
      guest.enterRoom({ roomId, roomType: 'multi', authBits: AuthBits.RECV_AUDIO, createRoom: false }),
      10003,
      'AV_ERR_SERVER_NO_PERMISSION',
      'AUTH_JOIN_ROOM_MISSING',
    );
  } finally {
    await dispose(host, guest);
  }
});

test('10003 AV_ERR_SERVER_NO_PERMISSION: a privilege key for another room', async () => {
  const id = uniqueId('keyed');
  const ctx = await startedContext(server.wsUrl, id);
  try {
    const key = signPrivilegeKey({ sdkAppId: TEST_APP_ID, secret: TEST_SECRET, identifier: id, roomId: 1, privilegeMap: 0xff });
    await rejectsWithServer(
      ctx.enterRoom({ roomId: uniqueRoomId(), roomType: 'multi', privilegeKey: key, createRoom: true }),
      10003,
      'AV_ERR_SERVER_NO_PERMISSION',
      'PRIVKEY_WRONG_ROOM',
    );
  } finally {
    await dispose(ctx);
  }
});

test('10004 AV_ERR_SERVER_TIMEOUT: the identity store stays locked past storeTimeoutMs', async () => {
  const srv = await new ServerProcess({ dataDir: true, config: { storeTimeoutMs: 300 } }).start();
  const warm = await startedContext(srv.wsUrl, uniqueId('warm'));
  const locker = new Database(join(srv.dataDir!, 'identity.db'));
  try {
    locker.exec('BEGIN EXCLUSIVE');
    const ctx = AVContext.create({ serverUrl: srv.wsUrl, sdkAppId: TEST_APP_ID });
    const id = uniqueId('blocked');
    const err = await rejectsWithServer(ctx.start({ identifier: id, userSig: userSigFor(id) }), 10004, 'AV_ERR_SERVER_TIMEOUT', 'STORE_BUSY');
    assert.match(err.detail!.message, /SQLITE_BUSY|locked/i);
    locker.exec('ROLLBACK');
    await ctx.start({ identifier: id, userSig: userSigFor(id) });
    await dispose(ctx);
  } finally {
    locker.close();
    await dispose(warm);
    await srv.stop();
  }
});

test('10004 AV_ERR_SERVER_TIMEOUT: a one-to-one message the recipient never acknowledges', async () => {
  const proxy = await new TcpProxy(server.port).start();
  const roomId = uniqueRoomId();
  const alice = await startedContext(server.wsUrl, uniqueId('alice'));
  const bobId = uniqueId('bob');
  const bob = await startedContext(proxy.wsUrl, bobId);
  try {
    const room = await alice.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    await bob.enterRoom({ roomId, roomType: 'multi', createRoom: false });
    proxy.freeze(true);
    await rejectsWithServer(room.sendMessage('are you there?', { to: bobId }), 10004, 'AV_ERR_SERVER_TIMEOUT', 'DELIVERY_TIMEOUT');
  } finally {
    proxy.freeze(false);
    await dispose(alice, bob);
    await proxy.close();
  }
});

test('10005 AV_ERR_SERVER_ALLOC_RESOURCE_FAILED: a third member in a pair room, and a full room', async () => {
  const pair = uniqueRoomId();
  const [a, b, c, d] = await Promise.all(['a', 'b', 'c', 'd'].map((p) => startedContext(server.wsUrl, uniqueId(p))));
  try {
    await a!.enterRoom({ roomId: pair, roomType: 'pair', createRoom: true });
    await b!.enterRoom({ roomId: pair, roomType: 'pair', createRoom: false });
    await rejectsWithServer(
      c!.enterRoom({ roomId: pair, roomType: 'pair', createRoom: false }),
      10005,
      'AV_ERR_SERVER_ALLOC_RESOURCE_FAILED',
      'PAIR_ROOM_FULL',
    );
    await a!.exitRoom();
    await b!.exitRoom();
    const multi = uniqueRoomId(); // maxMembersPerRoom is 3 in this server's config
    await a!.enterRoom({ roomId: multi, roomType: 'multi', createRoom: true });
    await b!.enterRoom({ roomId: multi, roomType: 'multi', createRoom: false });
    await c!.enterRoom({ roomId: multi, roomType: 'multi', createRoom: false });
    await rejectsWithServer(
      d!.enterRoom({ roomId: multi, roomType: 'multi', createRoom: false }),
      10005,
      'AV_ERR_SERVER_ALLOC_RESOURCE_FAILED',
      'ROOM_FULL',
    );
  } finally {
    await dispose(a, b, c, d);
  }
});

test('10006 AV_ERR_SERVER_ID_NOT_IN_ROOM: room requests from a session the server no longer has in the room', async () => {
  const srv = await new ServerProcess({ config: { sessionGraceMs: 300 } }).start();
  try {
    const id = uniqueId('dropped');
    const first = await RawClient.connect(srv.wsUrl);
    const login = await first.login(id);
    const entered = await first.request('room.enter', { roomId: uniqueRoomId(), roomType: 'multi', authBits: 0xff, createRoom: true });
    assert.equal(entered.ok, true);
    first.terminate(); // the network drops; the server keeps the member for sessionGraceMs only
    await new Promise((r) => setTimeout(r, 800));
    const second = await RawClient.connect(srv.wsUrl);
    const resumed = await second.login(id, { resumeToken: login.sessionToken });
    assert.equal(resumed.resumed, false, 'the grace expired: no session to resume');
    const res = await second.request('room.message', { data: 'still here?' });
    assert.equal(res.ok, false);
    assert.equal(res.error.code, 10006);
    assert.equal(res.error.detail.code, 'NOT_IN_ROOM');
    assert.ok(res.error.detail.message.length > 0);
    const exit = await second.request('room.exit', {});
    assert.equal(exit.ok, false);
    assert.equal(exit.error.code, 10006);
    second.close();
  } finally {
    await srv.stop();
  }
});

test('10007 AV_ERR_SERVER_NOT_IMPLEMENT: a request type this server does not implement', async () => {
  const raw = await RawClient.connect(server.wsUrl);
  try {
    await raw.login(uniqueId('newer-client'));
    const res = await raw.request('room.startRecording', { format: 'mp4' });
    assert.equal(res.ok, false);
    assert.equal(res.error.code, 10007);
    assert.equal(res.error.detail.code, 'UNKNOWN_METHOD');
    assert.match(res.error.detail.message, /room\.startRecording/);
  } finally {
    raw.close();
  }
});

test('10008 AV_ERR_SERVER_REPEATED_OPERATION: a second login replaces the first, which is disconnected', async () => {
  const id = uniqueId('twice');
  const first = await startedContext(server.wsUrl, id);
  const roomId = uniqueRoomId();
  const room = await first.enterRoom({ roomId, roomType: 'multi', createRoom: true });
  const reason = new Promise<import('@hudong/sdk').AVError>((resolve) => room.on('disconnected', resolve));
  const second = await startedContext(server.wsUrl, id);
  try {
    const err = await reason;
    assert.equal(err.code, 10008);
    assert.equal(err.codeName, 'AV_ERR_SERVER_REPEATED_OPERATION');
    assert.equal(err.detail?.code, 'SESSION_REPLACED');
    assert.equal(room.state, 'exited');
    assert.equal(first.state, 'stopped');
    // The replacement can enter the room the first connection was in: the old membership is gone.
    const again = await second.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    assert.equal(again.endpoints.size, 0);
  } finally {
    await dispose(first, second);
  }
});

test('10008 AV_ERR_SERVER_REPEATED_OPERATION: a request id reused while the first is in flight', async () => {
  const raw = await RawClient.connect(server.wsUrl);
  try {
    await raw.login(uniqueId('dup'));
    const roomId = uniqueRoomId();
    await raw.call('room.enter', { roomId, roomType: 'multi', authBits: 0xff, controlRole: '', createRoom: true, receive: false });
    const other = uniqueId('invitee');
    const invitee = await RawClient.connect(server.wsUrl);
    await invitee.login(other);
    // invite.send stays in flight until answered: reuse its id at once.
    raw.send({ type: 'request', id: 77, method: 'invite.send', params: { to: other, roomId } });
    const dup = await raw.requestWithId(77, 'ping', {});
    assert.equal(dup.ok, false);
    assert.equal(dup.error.code, 10008);
    assert.equal(dup.error.detail.code, 'DUPLICATE_REQUEST_ID');
    invitee.close();
  } finally {
    raw.close();
  }
});

test('10009 AV_ERR_SERVER_ROOM_NOT_EXIST: joining a room that does not exist without createRoom', async () => {
  const ctx = await startedContext(server.wsUrl, uniqueId('early'));
  try {
    await rejectsWithServer(
      ctx.enterRoom({ roomId: uniqueRoomId(), roomType: 'multi', createRoom: false }),
      10009,
      'AV_ERR_SERVER_ROOM_NOT_EXIST',
      'ROOM_NOT_FOUND',
    );
    assert.equal(ctx.room, null, 'a failed enter leaves no room behind');
  } finally {
    await dispose(ctx);
  }
});

test('10010 AV_ERR_SERVER_ENDPOINT_NOT_EXIST: a one-to-one message to someone not in the room', async () => {
  const ctx = await startedContext(server.wsUrl, uniqueId('lonely'));
  try {
    const room = await ctx.enterRoom({ roomId: uniqueRoomId(), roomType: 'multi', createRoom: true });
    await rejectsWithServer(room.sendMessage('hi', { to: 'nobody-here' }), 10010, 'AV_ERR_SERVER_ENDPOINT_NOT_EXIST', 'MEMBER_NOT_FOUND');
  } finally {
    await dispose(ctx);
  }
});

test('10011 AV_ERR_SERVER_INVALID_ABILITY: a room type this server does not offer, and an unsupported protocol version', async () => {
  const srv = await new ServerProcess({ config: { roomTypes: ['multi'] } }).start();
  const ctx = await startedContext(srv.wsUrl, uniqueId('pairless'));
  try {
    await rejectsWithServer(
      ctx.enterRoom({ roomId: uniqueRoomId(), roomType: 'pair', createRoom: true }),
      10011,
      'AV_ERR_SERVER_INVALID_ABILITY',
      'ROOM_TYPE_DISABLED',
    );
    const raw = await RawClient.connect(srv.wsUrl);
    const id = uniqueId('future');
    const res = await raw.request('login', loginParams(id, { protocolVersion: 99 }));
    raw.close();
    assert.equal(res.ok, false);
    assert.equal(res.error.code, 10011);
    assert.equal(res.error.detail.code, 'PROTOCOL_VERSION_UNSUPPORTED');
  } finally {
    await dispose(ctx);
    await srv.stop();
  }
});

test('every server error the server answered is in its log with code and detail', () => {
  const failures = server.logsWith((r) => typeof r.code === 'number' && (r.code as number) >= 10001);
  assert.ok(failures.length >= 5);
  for (const rec of failures) {
    assert.ok(rec.detail && typeof rec.detail === 'object', JSON.stringify(rec));
    assert.equal(typeof rec.codeName, 'string');
  }
  assert.ok(ErrorCode.AV_ERR_SERVER_INVALID_ABILITY === 10011);
});
