import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { AVError, ErrorCode } from '@hudong/protocol';
import { AVContext } from './AVContext.js';
import { createJsonLineLogger } from './util/logger.js';
import { FakeServer, fail } from './testing/FakeServer.js';

const APP = 1400000001;

async function rejectsWith(p: Promise<unknown>, code: number, sub?: string): Promise<AVError> {
  const err = await p.then(
    () => assert.fail(`expected ${code}, got success`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AVError, `expected AVError ${code}, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (sub !== undefined) assert.equal(err.detail?.code, sub, JSON.stringify(err.detail));
  return err;
}

/** A TCP port that accepts and then says nothing: the WebSocket handshake never completes. */
async function silentPort(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const srv: Server = createServer((s) => sockets.add(s));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as { port: number }).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

async function closedPort(): Promise<number> {
  const s = await silentPort();
  await s.close();
  return s.port;
}

let fake: FakeServer;
const started: AVContext[] = [];
async function startedCtx(opts: Partial<Parameters<typeof AVContext.create>[0]> = {}): Promise<AVContext> {
  fake ??= await FakeServer.start();
  const ctx = AVContext.create({ serverUrl: fake.url, sdkAppId: APP, ...opts });
  started.push(ctx);
  await ctx.start({ identifier: `u${started.length}`, userSig: 'sig' });
  return ctx;
}
after(async () => {
  for (const ctx of started) {
    if (ctx.room) await ctx.exitRoom().catch(() => {});
    if (ctx.state === 'started') await ctx.stop();
  }
  await fake?.close();
});

test('create: bad options throw 1004 synchronously; good ones give a stopped context', () => {
  assert.throws(
    () => AVContext.create({ serverUrl: 'nope', sdkAppId: APP }),
    (e: unknown) => e instanceof AVError && e.code === 1004,
  );
  assert.throws(
    () => AVContext.create({ serverUrl: 'ws://x', sdkAppId: -1 }),
    (e: unknown) => e instanceof AVError && e.code === 1004,
  );
  const ctx = AVContext.create({ serverUrl: 'ws://127.0.0.1:1/ws', sdkAppId: APP });
  assert.equal(ctx.state, 'stopped');
  assert.equal(ctx.room, null);
  assert.equal(ctx.tinyId, null);
});

test('before start: 1101 for everything that needs a session; 1003 stop; destroy then 1101/1003', async () => {
  const ctx = AVContext.create({ serverUrl: 'ws://127.0.0.1:1/ws', sdkAppId: APP });
  await rejectsWith(ctx.enterRoom({ roomId: 1 }), 1101, 'CONTEXT_NOT_STARTED');
  await rejectsWith(ctx.exitRoom(), 1101);
  await rejectsWith(ctx.invite('bob', { roomId: 1 }), 1101);
  await rejectsWith(ctx.acceptInvite('i1'), 1101);
  await rejectsWith(ctx.refuseInvite('i1'), 1101);
  await rejectsWith(ctx.tinyIdOf('bob'), 1101);
  await rejectsWith(ctx.identifierOf('1'), 1101);
  await rejectsWith(ctx.stop(), 1003);
  await ctx.destroy();
  assert.equal(ctx.state, 'destroyed');
  await rejectsWith(ctx.destroy(), 1003);
  await rejectsWith(ctx.start({ identifier: 'a', userSig: 's' }), 1101, 'CONTEXT_DESTROYED');
});

test('start: socket cannot be opened → 1 with the socket error code', async () => {
  const ctx = AVContext.create({ serverUrl: `ws://127.0.0.1:${await closedPort()}/ws`, sdkAppId: APP });
  const err = await rejectsWith(ctx.start({ identifier: 'alice', userSig: 's' }), ErrorCode.AV_ERR_FAILED, 'ECONNREFUSED');
  assert.ok(err.detail!.message.length > 0);
  assert.equal(ctx.state, 'stopped');
});

test('start: 1004 before anything is sent', async () => {
  const ctx = AVContext.create({ serverUrl: 'ws://127.0.0.1:1/ws', sdkAppId: APP });
  const err = await rejectsWith(ctx.start({ identifier: 'has space', userSig: 's' }), 1004);
  assert.equal((err.detail as unknown as { argument: string }).argument, 'identifier');
});

test('start: 1005 after timeoutMs; 1001/1002 while starting; logged at warn', async () => {
  const silent = await silentPort();
  const lines: Record<string, unknown>[] = [];
  const ctx = AVContext.create({
    serverUrl: `ws://127.0.0.1:${silent.port}/ws`,
    sdkAppId: APP,
    logger: createJsonLineLogger((l) => lines.push(JSON.parse(l)), 'debug'),
  });
  const starting = ctx.start({ identifier: 'alice', userSig: 's', timeoutMs: 300 });
  assert.equal(ctx.state, 'starting');
  await rejectsWith(ctx.start({ identifier: 'alice', userSig: 's' }), 1001);
  await rejectsWith(ctx.stop(), 1002);
  await rejectsWith(ctx.destroy(), 1002);
  const err = await rejectsWith(starting, 1005, 'TIMEOUT');
  assert.equal(err.detail!.message, 'start got no answer within 300 ms');
  assert.equal(ctx.state, 'stopped');
  const warn = lines.find((l) => l.msg === 'operation failed' && l.op === 'start' && l.code === 1005);
  assert.ok(warn, 'a warn line for the failed start');
  assert.equal(warn.level, 40);
  assert.equal(warn.codeName, 'AV_ERR_TIMEOUT');
  assert.deepEqual(warn.detail, err.detail);
  assert.ok(lines.some((l) => l.msg === 'context state' && l.level === 30));
  await silent.close();
});

test('server errors surface unchanged, in the context language', async () => {
  fake ??= await FakeServer.start();
  const ctx = AVContext.create({ serverUrl: fake.url, sdkAppId: APP, lang: 'zh' });
  fake.handle('login', () => fail(10003, 'USERSIG_EXPIRED', 'UserSig expired at 2020-01-01'));
  try {
    const err = await rejectsWith(ctx.start({ identifier: 'alice', userSig: 's' }), 10003, 'USERSIG_EXPIRED');
    assert.equal(err.detail!.message, 'UserSig expired at 2020-01-01');
    assert.equal(err.lang, 'zh');
    assert.equal(err.meaning, '没有权限');
  } finally {
    fake.handle('login', undefined as never);
  }
});

test('started: 1003 start, 1102 destroy; rooms: 1003 same room, 1202 other room, 1202 stop, 1003 exit', async () => {
  const ctx = await startedCtx();
  assert.equal(ctx.state, 'started');
  assert.equal(ctx.tinyId, '1001');
  await rejectsWith(ctx.start({ identifier: 'x', userSig: 's' }), 1003, 'ALREADY_IN_STATE');
  await rejectsWith(ctx.destroy(), 1102);
  await rejectsWith(ctx.enterRoom({ roomId: 5, roomType: 'group' as 'multi' }), 1004);
  const entering = ctx.enterRoom({ roomId: 5 });
  assert.equal(ctx.room?.state, 'entering');
  await rejectsWith(ctx.enterRoom({ roomId: 5 }), 1001);
  await rejectsWith(ctx.enterRoom({ roomId: 6 }), 1202, 'IN_ANOTHER_ROOM');
  const room = await entering;
  assert.equal(room.state, 'entered');
  assert.equal(ctx.room, room);
  await rejectsWith(ctx.enterRoom({ roomId: 5 }), 1003);
  await rejectsWith(ctx.enterRoom({ roomId: 6 }), 1202);
  await rejectsWith(ctx.stop(), 1202);
  await ctx.exitRoom();
  assert.equal(room.state, 'exited');
  assert.equal(ctx.room, null);
  await rejectsWith(ctx.exitRoom(), 1003);
  await rejectsWith(room.exit(), 1003);
  await ctx.stop();
  assert.equal(ctx.state, 'stopped');
  await ctx.destroy();
});

test('enterRoom: 1005 after timeoutMs; the late answer is undone with room.exit', async () => {
  const ctx = await startedCtx();
  let answer!: () => void;
  fake.handle(
    'room.enter',
    (p) =>
      new Promise((r) => {
        answer = () => r({ roomId: p.roomId, roomType: p.roomType, authBits: p.authBits, role: '', members: [] });
      }),
  );
  try {
    const err = await rejectsWith(ctx.enterRoom({ roomId: 8, timeoutMs: 200 }), 1005, 'TIMEOUT');
    assert.equal(err.detail!.message, 'enterRoom got no answer within 200 ms');
    assert.equal(ctx.room, null);
    const exitsBefore = fake.requestsOf('room.exit').length;
    answer();
    await waitFor(() => fake.requestsOf('room.exit').length > exitsBefore);
  } finally {
    fake.handle('room.enter', undefined as never);
  }
});

test('exitRoom while entering: 1002, nothing sent; the enter completes, then the exit works', async () => {
  const ctx = await startedCtx();
  let answer!: () => void;
  fake.handle(
    'room.enter',
    (p) =>
      new Promise((r) => {
        answer = () => r({ roomId: p.roomId, roomType: p.roomType, authBits: p.authBits, role: '', members: [] });
      }),
  );
  try {
    const entering = ctx.enterRoom({ roomId: 9 });
    await waitFor(() => !!answer);
    const exitsBefore = fake.requestsOf('room.exit').length;
    const err = await rejectsWith(ctx.exitRoom(), 1002, 'EXCLUSIVE');
    assert.equal(err.detail!.message, 'enterRoom is in progress; exitRoom must wait for it (room operations run one at a time)');
    await rejectsWith(ctx.room!.exit(), 1002, 'EXCLUSIVE');
    await rejectsWith(ctx.stop(), 1202);
    assert.equal(ctx.room?.state, 'entering');
    answer();
    const room = await entering;
    assert.equal(room.state, 'entered');
    assert.equal(fake.requestsOf('room.exit').length, exitsBefore, 'the refused exits sent nothing');
    await ctx.exitRoom();
    assert.equal(ctx.room, null);
    assert.equal(fake.requestsOf('room.exit').length, exitsBefore + 1);
  } finally {
    fake.handle('room.enter', undefined as never);
  }
});

test('invites: accepted, refused (1801 INVITE_REFUSED), server failures keep detail + serverCode', async () => {
  const ctx = await startedCtx();
  fake.handle('invite.send', (p) =>
    p.to === 'yes'
      ? { inviteId: 'i1', accepted: true }
      : p.to === 'no'
        ? { inviteId: 'i2', accepted: false }
        : fail(10010, 'INVITEE_OFFLINE', `${p.to} is not logged in`),
  );
  fake.handle('invite.accept', () => fail(10004, 'INVITE_EXPIRED', 'expired'));
  fake.handle('invite.refuse', () => fail(10010, 'INVITE_NOT_FOUND', 'no such invite'));
  assert.deepEqual(await ctx.invite('yes', { roomId: 3 }), { id: 'i1', from: ctx.identifier, to: 'yes', roomId: 3 });
  const refused = await rejectsWith(ctx.invite('no', { roomId: 3 }), 1801, 'INVITE_REFUSED');
  assert.equal(refused.detail!.message, 'no refused the invite');
  const offline = await rejectsWith(ctx.invite('gone', { roomId: 3 }), 1801, 'INVITEE_OFFLINE');
  assert.equal((offline.detail as unknown as { serverCode: number }).serverCode, 10010);
  assert.equal(offline.detail!.message, 'gone is not logged in');
  await rejectsWith(ctx.invite('x y', { roomId: 3 }), 1004);
  const acc = await rejectsWith(ctx.acceptInvite('i9'), 1802, 'INVITE_EXPIRED');
  assert.equal((acc.detail as unknown as { serverCode: number }).serverCode, 10004);
  await rejectsWith(ctx.refuseInvite('i9'), 1803, 'INVITE_NOT_FOUND');
  const invited: unknown[] = [];
  ctx.on('invited', (inv) => invited.push(inv));
  fake.live.find((c) => c.identifier === ctx.identifier)!.event('invite.received', { inviteId: 'i7', from: 'carol', roomId: 4, expiresAt: 1 });
  await waitFor(() => invited.length === 1);
  assert.deepEqual(invited[0], { id: 'i7', from: 'carol', roomId: 4, expiresAt: 1 });
});

test('tinyIdOf / identifierOf: null → 1502 UNKNOWN_IDENTIFIER / 1501 UNKNOWN_TINYID; failures keep their cause', async () => {
  const ctx = await startedCtx({ requestTimeoutMs: 300 });
  fake.handle('identity.toTinyIds', (p) => ({ tinyIds: p.identifiers.map((i) => (i === 'bob' ? '77' : null)) }));
  fake.handle('identity.toIdentifiers', () => fail(10001, 'STORE_FAILED', 'disk I/O error'));
  assert.equal(await ctx.tinyIdOf('bob'), '77');
  assert.equal(await ctx.tinyIdOf(ctx.identifier!), '1001');
  await rejectsWith(ctx.tinyIdOf('nobody'), 1502, 'UNKNOWN_IDENTIFIER');
  const err = await rejectsWith(ctx.identifierOf('5'), 1501, 'STORE_FAILED');
  assert.equal((err.detail as unknown as { serverCode: number }).serverCode, 10001);
  fake.handle('identity.toIdentifiers', () => ({ identifiers: [null] }));
  await rejectsWith(ctx.identifierOf('5'), 1501, 'UNKNOWN_TINYID');
  await rejectsWith(ctx.identifierOf('abc'), 1004);
  fake.silent = true;
  try {
    const err = await rejectsWith(ctx.tinyIdOf('carol'), 1502, 'TIMEOUT');
    assert.equal(err.detail!.message, 'tinyIdOf got no answer within 300 ms');
  } finally {
    fake.silent = false;
  }
});

test('events carrying ackId are acknowledged after the listener ran', async () => {
  const ctx = await startedCtx();
  const room = await ctx.enterRoom({ roomId: 11 });
  const conn = fake.live.find((c) => c.identifier === ctx.identifier)!;
  const order: string[] = [];
  room.on('message', (from, data) => order.push(`${from}:${String(data)}:acks=${conn.acks.length}`));
  conn.event('room.message', { from: 'bob', data: 'hello', binary: false, to: ctx.identifier!, ackId: 31 });
  await waitFor(() => conn.acks.includes(31));
  assert.deepEqual(order, ['bob:hello:acks=0']);
  await ctx.exitRoom();
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
