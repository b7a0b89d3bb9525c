import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EndpointEvent, type ServerEventData, type ServerEventName } from '@hudong/protocol';
import { ServerError } from '../errors.js';
import type { MemberOwner } from './Member.js';
import { Room, type RoomReplicator } from './Room.js';

/** An owner that keeps the frames a broadcast hands it, as given. */
function owner(identifier: string): MemberOwner & { frames: Buffer[] } {
  const frames: Buffer[] = [];
  return {
    identifier,
    tinyId: String(identifier.length),
    terminal: 'test',
    frames,
    send<E extends ServerEventName>(event: E, data: ServerEventData<E>) {
      frames.push(Buffer.from(JSON.stringify({ type: 'event', event, data })));
    },
    sendEncoded(frame: Buffer) {
      frames.push(frame);
    },
  };
}

test('a broadcast is encoded once: every recipient gets the same bytes, the sender none', () => {
  const room = new Room(7, 'multi');
  const grant = { authBits: 0xff, role: '', privilegeKey: undefined };
  const [a, b, c] = [owner('a'), owner('b'), owner('c')];
  room.add(a, grant);
  room.add(b, grant);
  const cMember = room.add(c, grant);
  for (const o of [a, b, c]) o.frames.length = 0; // the ENTER events of the joins above
  room.broadcast('room.endpoints', { event: EndpointEvent.HAS_AUDIO, members: [cMember.info()] }, cMember);
  assert.equal(c.frames.length, 0);
  assert.equal(a.frames.length, 1);
  assert.equal(a.frames[0], b.frames[0], 'one Buffer shared by every recipient');
  assert.deepEqual(JSON.parse(String(a.frames[0])), {
    type: 'event',
    event: 'room.endpoints',
    data: { event: EndpointEvent.HAS_AUDIO, members: [cMember.info()] },
  });
});

/** A scheduler whose flushes the test runs (the server's is the FanOut: the end of the event-loop round). */
function manualScheduler() {
  const waiting = new Set<{ flush(): void }>();
  return {
    waiting: (room: { flush(): void }) => void waiting.add(room),
    done: (room: { flush(): void }) => void waiting.delete(room),
    run: () => [...waiting].forEach((room) => room.flush()),
    get size() {
      return waiting.size;
    },
  };
}

const events = (o: { frames: Buffer[] }) =>
  o.frames.map((f) => JSON.parse(String(f)) as { event: string; data: { event?: number; members?: { identifier: string }[] } });

test("a round's joins go out as one ENTER: the same bytes to the members before, each joiner's own without itself", () => {
  const scheduler = manualScheduler();
  const room = new Room(8, 'multi', { scheduler });
  const grant = { authBits: 0xff, role: '', privilegeKey: undefined };
  const [a, b, c, d] = [owner('a'), owner('b'), owner('c'), owner('d')];
  room.add(a, grant);
  scheduler.run();
  const joiners = [b, c, d].map((o) => room.add(o, grant));
  assert.deepEqual(
    room.snapshotFor(joiners[2]!).members.map((m) => m.identifier),
    ['a'],
    'a snapshot holds what was told; the rest comes with the flush',
  );
  assert.equal(room.snapshotFor(joiners[2]!).memberCount, 4);
  assert.equal(a.frames.length, 0, 'nothing before the flush');
  scheduler.run();
  assert.equal(scheduler.size, 0);
  assert.deepEqual(
    events(a).map((e) => [e.data.event, e.data.members!.map((m) => m.identifier)]),
    [[EndpointEvent.ENTER, ['b', 'c', 'd']]],
  );
  assert.deepEqual(
    events(c).map((e) => e.data.members!.map((m) => m.identifier)),
    [['b', 'd']],
  );
  room.broadcast('room.message', { from: 'a', data: 'hi', binary: false });
  assert.equal(a.frames.at(-1), b.frames.at(-1), 'a broadcast is one Buffer for all');
});

test('a broadcast sends the pending endpoint changes first: they were caused before it', () => {
  const scheduler = manualScheduler();
  const room = new Room(9, 'multi', { scheduler });
  const grant = { authBits: 0xff, role: '', privilegeKey: undefined };
  const [a, b] = [owner('a'), owner('b')];
  room.add(a, grant);
  const bMember = room.add(b, grant);
  room.broadcast('room.message', { from: 'b', data: 'first words', binary: false }, bMember);
  assert.deepEqual(
    events(a).map((e) => e.event),
    ['room.endpoints', 'room.message'],
  );
});

test("a large room caps its audience's room messages (10005 ROOM_MESSAGE_RATE), not the host's or a publisher's", () => {
  const room = new Room(10, 'multi', { largeRoomThreshold: 1, roomMessageRate: 2 });
  const host = room.add(owner('host'), { authBits: 0xff, role: 'LiveMaster', privilegeKey: undefined });
  const audience = [owner('v1'), owner('v2')].map((o) => room.add(o, { authBits: 0x2a, role: 'Guest', privilegeKey: undefined }));
  const say = (m: typeof host) => room.message(m, { from: m.identifier, data: 'x', binary: false });
  say(audience[0]!);
  say(audience[1]!);
  assert.throws(
    () => say(audience[0]!),
    (err: unknown) => err instanceof ServerError && err.code === 10005 && err.detail.code === 'ROOM_MESSAGE_RATE',
  );
  for (let i = 0; i < 5; i++) say(host);
  audience[1]!.setSending('audio', true);
  say(audience[1]!);
  assert.throws(() => say(audience[0]!), ServerError, 'publishing spends no audience tokens, and frees none');
});

test("a room that spans nodes caps its audience's messages by this node's share, so that the nodes' caps add up to the room's", () => {
  const share = 0.25;
  const sent: string[] = [];
  const replicator: RoomReplicator = { left() {}, sendingChanged() {}, message: (_from, data) => void sent.push(data.data), capShare: () => share };
  const room = new Room(13, 'multi', { largeRoomThreshold: 1, roomMessageRate: 8 }, replicator);
  const audience = room.add(owner('v1'), { authBits: 0x2a, role: 'Guest', privilegeKey: undefined });
  room.add(owner('v2'), { authBits: 0x2a, role: 'Guest', privilegeKey: undefined });
  const say = () => room.message(audience, { from: 'v1', data: 'x', binary: false });
  say();
  say(); // 8 a second × 0.25: a burst of 2
  assert.throws(
    say,
    (err: unknown) => err instanceof ServerError && err.detail.code === 'ROOM_MESSAGE_RATE' && /this node's share: 2\.00/.test(err.message),
  );
  assert.deepEqual(sent, ['x', 'x'], 'what passed went to the other nodes');
});

test('the bigger a large room, the fewer audience messages: they share a budget of writes a second', () => {
  const room = new Room(12, 'multi', { largeRoomThreshold: 1, roomMessageRate: 100, audienceMessageFrames: 10 });
  room.add(owner('host'), { authBits: 0xff, role: 'LiveMaster', privilegeKey: undefined });
  const audience = [...Array(5).keys()].map((i) => room.add(owner(`v${i}`), { authBits: 0x2a, role: 'Guest', privilegeKey: undefined }));
  const say = () => room.message(audience[0]!, { from: 'v0', data: 'x', binary: false });
  say(); // 5 writes of 10
  say(); // 10 of 10
  assert.throws(
    say,
    (err: unknown) =>
      err instanceof ServerError &&
      err.code === 10005 &&
      err.detail.code === 'ROOM_MESSAGE_RATE' &&
      /6 members\) already carries the 10 writes/.test(err.message),
  );
});

test('a small room does not cap messages', () => {
  const room = new Room(11, 'multi', { largeRoomThreshold: 3, roomMessageRate: 1 });
  room.add(owner('a'), { authBits: 0xff, role: '', privilegeKey: undefined });
  const v = room.add(owner('v'), { authBits: 0x2a, role: '', privilegeKey: undefined });
  for (let i = 0; i < 5; i++) room.message(v, { from: 'v', data: 'x', binary: false });
});
