import { test, afterEach, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { AVError, EndpointEvent } from '@hudong/protocol';
import { AVContext } from '../AVContext.js';
import type { AVRoom } from '../AVRoom.js';
import { FakeServer, fail } from '../testing/FakeServer.js';
import { BACKOFF_MAX_MS, nextBackoff, BACKOFF_INITIAL_MS } from './backoff.js';
import { memberInfo as member } from '../testing/member-info.js';

/**
 * Reconnect behaviour against a scripted peer: heartbeat loss, resume, re-enter, give-up, replaced.
 * Heartbeats are 100 ms here so that a lost connection is noticed in ~0.3 s.
 */
let fake: FakeServer;
const contexts: AVContext[] = [];
let n = 0;

beforeEach(async () => {
  fake = await FakeServer.start();
  fake.heartbeatIntervalMs = 100;
});
afterEach(async () => {
  fake.refuse(false);
  fake.silent = false;
  for (const ctx of contexts.splice(0)) {
    if (ctx.room && ctx.room.state !== 'exited') await ctx.exitRoom().catch(() => {});
    if (ctx.state === 'started') await ctx.stop().catch(() => {});
  }
  await fake.close();
});

async function inRoom(
  reconnectTimeoutMs = 5000,
  enter: Parameters<AVContext['enterRoom']>[0] = { roomId: 21 },
): Promise<{ ctx: AVContext; room: AVRoom }> {
  const ctx = AVContext.create({ serverUrl: fake.url, sdkAppId: 1400000001, reconnectTimeoutMs });
  contexts.push(ctx);
  await ctx.start({ identifier: `r${++n}`, userSig: 'sig' });
  const room = await ctx.enterRoom(enter);
  return { ctx, room };
}

function record(room: AVRoom): [number, string[]][] {
  const events: [number, string[]][] = [];
  room.on('endpointsUpdate', (e, ids) => events.push([e, ids]));
  return events;
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('backoff: 200 ms doubling to 2 s', () => {
  const seq = [BACKOFF_INITIAL_MS];
  while (seq.length < 7) seq.push(nextBackoff(seq.at(-1)!));
  assert.deepEqual(seq, [200, 400, 800, 1600, 2000, 2000, 2000]);
  assert.equal(BACKOFF_MAX_MS, 2000);
});

test('heartbeat silence → reconnect with resumeToken; resumed room continues, differences become events', async () => {
  fake.members = [member('bob'), member('carol')];
  const { ctx, room } = await inRoom();
  const events = record(room);
  const states: string[] = [];
  ctx.on('connectionStateChanged', (s) => states.push(s));
  const firstToken = fake.live[0]!.session!.token;
  // the server changes its mind about who is there, then goes quiet (a stalled network)
  fake.live[0]!.session!.room = { ...fake.live[0]!.session!.room!, members: [member('carol', { hasAudio: true }), member('dave')] };
  // Only this connection stalls: the reconnect's new connection is answered, whenever it comes.
  fake.live[0]!.silent = true;
  await waitFor(() => states.includes('reconnecting'));
  await waitFor(() => states.at(-1) === 'connected');
  const logins = fake.requestsOf('login') as { resumeToken?: string }[];
  assert.equal(logins.at(-1)!.resumeToken, firstToken);
  assert.equal(room.state, 'entered');
  assert.deepEqual(events, [
    [EndpointEvent.EXIT, ['bob']],
    [EndpointEvent.ENTER, ['dave']],
    [EndpointEvent.HAS_AUDIO, ['carol']],
  ]);
  assert.equal(fake.requestsOf('room.enter').length, 1, 'resumed: no second enter');
  assert.equal(ctx.state, 'started');
});

test('not resumed → enter again with the original params (createRoom as given) and diff the members', async () => {
  fake.members = [member('bob')];
  const { room } = await inRoom(5000, { roomId: 22, createRoom: false, authBits: 0x2a, controlRole: 'Guest' });
  const events = record(room);
  fake.resumable = false;
  fake.members = [member('erin')];
  fake.dropAll();
  await waitFor(() => fake.requestsOf('room.enter').length === 2);
  await waitFor(() => events.length === 2);
  const [first, second] = fake.requestsOf('room.enter') as object[];
  // The first enter opened the receive connection with it; the model rebuilds that one after a reconnect.
  assert.deepEqual(second, { ...first, receive: false });
  assert.deepEqual(second, { roomId: 22, roomType: 'multi', authBits: 0x2a, controlRole: 'Guest', createRoom: false, receive: false });
  assert.deepEqual(events, [
    [EndpointEvent.EXIT, ['bob']],
    [EndpointEvent.ENTER, ['erin']],
  ]);
  assert.equal(room.state, 'entered');
});

test('an event read in the same turn as the re-enter answer applies after its snapshot, not before it', async () => {
  const { room } = await inRoom(5000, { roomId: 24 });
  const events = record(room);
  fake.resumable = false;
  fake.members = [];
  // The member enters right after us: its ENTER follows our answer on the wire, and the client
  // reads both in one chunk (the answer is sent on this turn, the event on the check phase after it).
  fake.handle('room.enter', (p, conn) => {
    setImmediate(() => conn.event('room.endpoints', { event: EndpointEvent.ENTER, members: [member('late')] }));
    return { roomId: p.roomId, roomType: p.roomType, authBits: p.authBits, role: p.controlRole, members: [] };
  });
  fake.dropAll();
  await waitFor(() => fake.requestsOf('room.enter').length === 2);
  await waitFor(() => events.length > 0);
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(events, [[EndpointEvent.ENTER, ['late']]]);
  assert.ok(room.endpoints.has('late'));
});

test('re-enter refused → room disconnected with that error; the context stays started', async () => {
  const { ctx, room } = await inRoom(5000, { roomId: 23 });
  const reasons: AVError[] = [];
  room.on('disconnected', (r) => reasons.push(r));
  fake.resumable = false;
  fake.handle('room.enter', () => fail(10009, 'ROOM_NOT_FOUND', 'room 23 does not exist'));
  fake.dropAll();
  await waitFor(() => reasons.length === 1);
  assert.equal(reasons[0]!.code, 10009);
  assert.equal(reasons[0]!.detail?.code, 'ROOM_NOT_FOUND');
  assert.equal(room.state, 'exited');
  assert.equal(ctx.room, null);
  assert.equal(ctx.state, 'started');
  await waitFor(() => ctx.connectionState === 'connected');
});

test('server gone past reconnectTimeoutMs → 1005 RECONNECT_TIMEOUT; room exited, context stopped', async () => {
  const { ctx, room } = await inRoom(600);
  const roomReasons: AVError[] = [];
  const ctxReasons: AVError[] = [];
  const order: string[] = [];
  room.on('disconnected', (r) => {
    roomReasons.push(r);
    order.push(`room:${ctx.state}`);
  });
  ctx.on('disconnected', (r) => {
    ctxReasons.push(r);
    order.push('ctx');
  });
  fake.refuse(true);
  fake.dropAll();
  const t0 = Date.now();
  await waitFor(() => ctxReasons.length === 1, 5000);
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= 550 && elapsed < 2500, `gave up after ${elapsed} ms`);
  assert.equal(roomReasons[0]!.code, 1005);
  assert.deepEqual(roomReasons[0]!.detail, { code: 'RECONNECT_TIMEOUT', message: 'lost the server for 600 ms' });
  assert.equal(ctxReasons[0], roomReasons[0]);
  assert.deepEqual(order, ['room:stopped', 'ctx']);
  assert.equal(room.state, 'exited');
  assert.equal(ctx.state, 'stopped');
  assert.equal(ctx.room, null);
  // a fresh start works afterwards
  fake.refuse(false);
  await ctx.start({ identifier: 'again', userSig: 's' });
  assert.equal(ctx.state, 'started');
});

test('session.replaced → room disconnected 10008, context stopped, no reconnect', async () => {
  const { ctx, room } = await inRoom();
  const reasons: AVError[] = [];
  room.on('disconnected', (r) => reasons.push(r));
  const conn = fake.live[0]!;
  const loginsBefore = fake.requestsOf('login').length;
  conn.event('session.replaced', { error: { code: 10008, detail: { code: 'SESSION_REPLACED', message: 'logged in elsewhere' } } });
  conn.ws.close(4001, 'replaced');
  await waitFor(() => reasons.length === 1);
  assert.equal(reasons[0]!.code, 10008);
  assert.equal(reasons[0]!.detail?.code, 'SESSION_REPLACED');
  assert.equal(ctx.state, 'stopped');
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(fake.requestsOf('login').length, loginsBefore, 'no reconnect after being replaced');
});

test('requests made while reconnecting wait for the reconnect (within their own timeout)', async () => {
  const { ctx, room } = await inRoom();
  fake.refuse(true);
  fake.dropAll();
  await waitFor(() => ctx.connectionState === 'reconnecting');
  const sending = room.sendMessage('after the outage', { timeoutMs: 5000 });
  const tooShort = room.sendMessage('impatient', { timeoutMs: 100 });
  await assert.rejects(
    tooShort,
    (e: unknown) => e instanceof AVError && e.code === 1005 && e.detail?.message === 'sendMessage got no answer within 100 ms',
  );
  setTimeout(() => fake.refuse(false), 300);
  await sending;
  assert.deepEqual(
    fake.requestsOf('room.message').map((p) => (p as { data: string }).data),
    ['after the outage'],
  );
  assert.equal(room.state, 'entered');
});

test('room.removed → room disconnected with the server reason', async () => {
  const { ctx, room } = await inRoom();
  const reasons: AVError[] = [];
  room.on('disconnected', (r) => reasons.push(r));
  fake.live[0]!.event('room.removed', { roomId: room.roomId, error: { code: 10009, detail: { code: 'ROOM_CLOSED', message: 'closed by admin' } } });
  await waitFor(() => reasons.length === 1);
  assert.equal(reasons[0]!.detail?.code, 'ROOM_CLOSED');
  assert.equal(ctx.room, null);
  assert.equal(ctx.state, 'started');
});

test('resumed after the server took us out (login result removed) → room disconnected with that reason, no enter again', async () => {
  const { ctx, room } = await inRoom();
  const reasons: AVError[] = [];
  room.on('disconnected', (r) => reasons.push(r));
  const session = fake.live[0]!.session!;
  session.removed = { roomId: room.roomId, error: { code: 10006, detail: { code: 'KICKED', message: 'removed by the server API' } } };
  session.room = null;
  fake.live[0]!.silent = true;
  await waitFor(() => reasons.length === 1);
  assert.equal(reasons[0]!.code, 10006);
  assert.equal(reasons[0]!.detail?.code, 'KICKED');
  assert.equal(room.state, 'exited');
  assert.equal(fake.requestsOf('room.enter').length, 1, 'not entered again');
  assert.equal(ctx.state, 'started');
});

test('exitRoom during an outage resolves at once; the reconnect tells the server, with one room.exit', async () => {
  const { ctx, room } = await inRoom();
  fake.refuse(true);
  fake.dropAll();
  await waitFor(() => ctx.connectionState === 'reconnecting');
  const t0 = Date.now();
  await ctx.exitRoom();
  assert.ok(Date.now() - t0 < 100, 'no waiting for the server');
  assert.equal(room.state, 'exited');
  assert.equal(ctx.room, null);
  fake.refuse(false);
  await waitFor(() => ctx.connectionState === 'connected');
  await waitFor(() => fake.requestsOf('room.exit').length > 0);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(fake.requestsOf('room.exit').length, 1);
  assert.equal(fake.live[0]!.session!.room, null, 'the resumed session is out of the room');
});

test('an exit in flight when the connection drops is retried after the reconnect, once', async () => {
  const { ctx, room } = await inRoom();
  let first = true;
  fake.handle('room.exit', (_p, conn) => {
    if (first) {
      first = false;
      conn.drop(); // the request arrives, the answer never does
      return undefined;
    }
    if (conn.session) conn.session.room = null;
    return {};
  });
  await ctx.exitRoom();
  assert.equal(room.state, 'exited');
  await waitFor(() => fake.live.length === 1 && fake.live[0]!.session?.room === null);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(fake.requestsOf('room.exit').length, 2, 'the lost one and its retry, no third from restore');
});

test('stop during a reconnect stuck in the handshake returns at once', async () => {
  const { ctx } = await inRoom();
  await ctx.exitRoom();
  fake.stall(true);
  fake.dropAll();
  await waitFor(() => ctx.connectionState === 'reconnecting');
  await waitFor(() => fake.openSockets === 1); // an attempt is now waiting on the stalled handshake
  const t0 = Date.now();
  await ctx.stop();
  assert.ok(Date.now() - t0 < 200, `stop took ${Date.now() - t0} ms`);
  assert.equal(ctx.connectionState, 'idle');
  // the attempt was abandoned, not left to hang until its own timeout (it would keep Node alive)
  await waitFor(() => fake.openSockets === 0, 1000);
  fake.stall(false);
});
