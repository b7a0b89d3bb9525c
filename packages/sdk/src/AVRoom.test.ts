import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AVError, EndpointEvent, type MemberInfo, type RoomSnapshot } from '@hudong/protocol';
import { AVRoom, type RoomEngine, type RoomHost, type RoomOp } from './AVRoom.js';
import { OperationGuard } from './OperationGuard.js';
import { noopLogger } from './util/logger.js';
import { deferred, type Deferred } from './util/timers.js';
import { enterParams } from './validate.js';
import { memberInfo as member } from './testing/member-info.js';

/** A room engine whose answers the test controls. */
class FakeEngine implements RoomEngine {
  enters: Deferred<RoomSnapshot>[] = [];
  exits = 0;
  requests: { method: string; params: unknown }[] = [];
  answers = new Map<string, () => Promise<unknown>>();

  enterRoom(): Promise<RoomSnapshot> {
    const d = deferred<RoomSnapshot>();
    this.enters.push(d);
    return d.promise;
  }
  async exitRoom(): Promise<void> {
    this.exits++;
  }
  request(method: string, params: unknown): Promise<never> {
    this.requests.push({ method, params });
    const answer = this.answers.get(method);
    return (answer ? answer() : Promise.resolve({})) as Promise<never>;
  }
}

function snapshot(members: MemberInfo[], authBits = 0xff): RoomSnapshot {
  return { roomId: 7, roomType: 'multi', authBits, role: 'LiveMaster', members };
}

function setup() {
  const engine = new FakeEngine();
  const guard = new OperationGuard<RoomOp>('room', 'en');
  let released = 0;
  const host: RoomHost = {
    engine,
    guard,
    lang: 'en',
    log: noopLogger,
    requestTimeoutMs: 1000,
    onListenerError: () => {},
    released: () => {
      released++;
    },
  };
  const room = new AVRoom(host, enterParams({ roomId: 7, controlRole: 'LiveMaster' }, 'en'));
  const enter = guard.run('enterRoom', () => room._enter());
  return { engine, guard, room, enter, released: () => released };
}

async function rejectsWith(p: Promise<unknown>, code: number): Promise<AVError> {
  const err = await p.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AVError, String(err));
  assert.equal(err.code, code, err.message);
  return err;
}
const tick = () => new Promise((r) => setImmediate(r));

test('entering → entered: members, granted bits and role come from the snapshot', async () => {
  const { engine, room, enter } = setup();
  assert.equal(room.state, 'entering');
  await rejectsWith(room.sendMessage('too early'), 1201);
  engine.enters[0]!.resolve(snapshot([member('bob', { hasCameraVideo: true, role: 'guest' })], 0x2a));
  await enter;
  assert.equal(room.state, 'entered');
  assert.equal(room.authBits, 0x2a);
  assert.equal(room.role, 'LiveMaster');
  assert.deepEqual([...room.endpoints.keys()], ['bob']);
  const bob = room.endpoints.get('bob')!;
  assert.equal(bob.hasCameraVideo, true);
  assert.equal(bob.role, 'guest');
  assert.throws(() => {
    (bob as unknown as { hasAudio: boolean }).hasAudio = true;
  }, TypeError);
});

test('a failed enter leaves the room exited and releases it; no disconnected event', async () => {
  const { engine, room, enter, released } = setup();
  let disconnected = 0;
  room.on('disconnected', () => disconnected++);
  engine.enters[0]!.reject(new AVError(10009, { code: 'ROOM_NOT_FOUND', message: 'no room 7' }));
  await rejectsWith(enter, 10009);
  assert.equal(room.state, 'exited');
  assert.equal(released(), 1);
  assert.equal(disconnected, 0);
});

test('exit while entering: 1002 and nothing changes; the enter completes, then exit works', async () => {
  const { engine, room, enter, released } = setup();
  const err = await rejectsWith(room.exit(), 1002);
  assert.equal(err.detail?.code, 'EXCLUSIVE');
  assert.equal(room.state, 'entering');
  assert.equal(engine.exits, 0, 'nothing sent');
  engine.enters[0]!.resolve(snapshot([member('bob')]));
  await enter;
  assert.equal(room.state, 'entered');
  assert.deepEqual([...room.endpoints.keys()], ['bob']);
  await room.exit();
  assert.equal(room.state, 'exited');
  assert.equal(engine.exits, 1);
  assert.equal(released(), 1);
  await rejectsWith(room.exit(), 1003);
});

test('the session ends after the server answered the enter but before the room saw it: the enter rejects with why', async () => {
  const { engine, room, enter, released } = setup();
  let disconnected = 0;
  room.on('disconnected', () => disconnected++);
  engine.enters[0]!.resolve(snapshot([member('bob')]));
  const reason = new AVError(10008, { code: 'SESSION_REPLACED', message: 'logged in elsewhere' });
  room._disconnect(reason); // before the enter's continuation runs
  assert.equal(await rejectsWith(enter, 10008), reason);
  assert.equal(room.state, 'exited');
  assert.equal(room.endpoints.size, 0);
  assert.equal(released(), 1);
  assert.equal(disconnected, 0, 'the enter reported it');
});

test('exit: 1001 while exiting, 1003 once exited', async () => {
  const { engine, room, enter } = setup();
  engine.enters[0]!.resolve(snapshot([]));
  await enter;
  const first = room.exit();
  await rejectsWith(room.exit(), 1001);
  await first;
  await rejectsWith(room.exit(), 1003);
  await rejectsWith(room.changeAuthority(0x0a), 1201);
});

test('changeAuthority: privilegeChanged once, even when room.privilege arrives meanwhile; 1001 when repeated', async () => {
  const { engine, room, enter } = setup();
  engine.enters[0]!.resolve(snapshot([]));
  await enter;
  const gate = deferred<unknown>();
  engine.answers.set('room.changeAuthority', () => gate.promise);
  const seen: number[] = [];
  room.on('privilegeChanged', (bits) => seen.push(bits));
  const change = room.changeAuthority(0x2a);
  await rejectsWith(room.changeAuthority(0x2a), 1001);
  await rejectsWith(room.exit(), 1002); // room category: exit waits for changeAuthority
  room._onServerEvent({ event: 'room.privilege', data: { authBits: 0x2a } });
  gate.resolve({ authBits: 0x2a });
  await change;
  room._onServerEvent({ event: 'room.privilege', data: { authBits: 0x2a } }); // same bits: no news
  assert.deepEqual(seen, [0x2a]);
  room._onServerEvent({ event: 'room.privilege', data: { authBits: 0x0a } }); // the server changed them
  assert.deepEqual(seen, [0x2a, 0x0a]);
  await rejectsWith(room.changeAuthority(0x100), 1004);
});

test('changeRole: the role, its settings and the cut bits once; 1004 for no name, 1001 repeated, 1002 against exit, 1201 outside', async () => {
  const { engine, room, enter } = setup();
  await rejectsWith(room.changeRole('LiveGuest'), 1201);
  engine.enters[0]!.resolve({ ...snapshot([]), roleSettings: { video: { width: 640, height: 480, fps: 30, maxBitrateKbps: 1200 } } });
  await enter;
  assert.deepEqual(room.roleSettings, { video: { width: 640, height: 480, fps: 30, maxBitrateKbps: 1200 } });
  await rejectsWith(room.changeRole(''), 1004);
  await rejectsWith(room.changeRole('x'.repeat(65)), 1004);
  const gate = deferred<unknown>();
  engine.answers.set('room.changeRole', () => gate.promise);
  const seen: number[] = [];
  room.on('privilegeChanged', (bits) => seen.push(bits));
  const change = room.changeRole('Guest');
  await rejectsWith(room.changeRole('Guest'), 1001);
  await rejectsWith(room.exit(), 1002);
  room._onServerEvent({ event: 'room.privilege', data: { authBits: 0xaa } }); // the answer reports it
  gate.resolve({ role: 'Guest', authBits: 0xaa, roleSettings: {} });
  await change;
  assert.deepEqual(engine.requests.at(-1), { method: 'room.changeRole', params: { role: 'Guest' } });
  assert.equal(room.role, 'Guest');
  assert.equal(room.authBits, 0xaa);
  assert.deepEqual(room.roleSettings, {});
  assert.deepEqual(seen, [0xaa]);
});

test('endpoint events update members; unknown members are ignored', async () => {
  const { engine, room, enter } = setup();
  engine.enters[0]!.resolve(snapshot([member('bob')]));
  await enter;
  const events: [number, string[]][] = [];
  room.on('endpointsUpdate', (e, ids) => events.push([e, ids]));
  room._onServerEvent({ event: 'room.endpoints', data: { event: EndpointEvent.ENTER, members: [member('carol')] } });
  room._onServerEvent({
    event: 'room.endpoints',
    data: {
      event: EndpointEvent.HAS_AUDIO,
      members: [
        { identifier: 'bob', tinyId: '42' },
        { identifier: 'zed', tinyId: '9' },
      ],
    },
  });
  room._onServerEvent({ event: 'room.endpoints', data: { event: EndpointEvent.EXIT, members: [{ identifier: 'carol', tinyId: '42' }] } });
  assert.deepEqual(events, [
    [EndpointEvent.ENTER, ['carol']],
    [EndpointEvent.HAS_AUDIO, ['bob']],
    [EndpointEvent.EXIT, ['carol']],
  ]);
  assert.equal(room.endpoints.get('bob')!.hasAudio, true);
  assert.deepEqual([...room.endpoints.keys()], ['bob']);
});

test('resume: the snapshot diff becomes endpoint events, endpoint objects are kept', async () => {
  const { engine, room, enter } = setup();
  engine.enters[0]!.resolve(snapshot([member('bob'), member('carol', { hasAudio: true })], 0xff));
  await enter;
  const bob = room.endpoints.get('bob');
  const events: [number, string[]][] = [];
  const bits: number[] = [];
  room.on('endpointsUpdate', (e, ids) => events.push([e, ids]));
  room.on('privilegeChanged', (b) => bits.push(b));
  room._restore(snapshot([member('bob', { hasCameraVideo: true }), member('dave')], 0x0a));
  assert.deepEqual(events, [
    [EndpointEvent.EXIT, ['carol']],
    [EndpointEvent.ENTER, ['dave']],
    [EndpointEvent.HAS_CAMERA_VIDEO, ['bob']],
  ]);
  assert.equal(room.endpoints.get('bob'), bob);
  assert.equal(bob!.hasCameraVideo, true);
  assert.deepEqual([...room.endpoints.keys()].sort(), ['bob', 'dave']);
  assert.deepEqual(bits, [0x0a]);
});

test('disconnect: exited, members gone, disconnected(reason) once; a throwing listener changes nothing', async () => {
  const { engine, room, enter, released } = setup();
  engine.enters[0]!.resolve(snapshot([member('bob')]));
  await enter;
  const reasons: AVError[] = [];
  room.on('disconnected', () => {
    throw new Error('app bug');
  });
  room.on('disconnected', (r) => reasons.push(r));
  const reason = new AVError(10008, { code: 'SESSION_REPLACED', message: 'x' });
  room._disconnect(reason);
  room._disconnect(reason);
  assert.equal(room.state, 'exited');
  assert.equal(room.endpoints.size, 0);
  assert.deepEqual(reasons, [reason]);
  assert.equal(released(), 1);
});

test('messages: sent as text or base64; received binary decoded', async () => {
  const { engine, room, enter } = setup();
  engine.enters[0]!.resolve(snapshot([member('bob')]));
  await enter;
  await room.sendMessage('hi', { to: 'bob' });
  await room.sendMessage(new Uint8Array([1, 2]));
  assert.deepEqual(
    engine.requests.map((r) => r.params),
    [
      { data: 'hi', binary: false, to: 'bob' },
      { data: 'AQI=', binary: true },
    ],
  );
  const got: [string, string | Uint8Array][] = [];
  room.on('message', (from, data) => got.push([from, data]));
  room._onServerEvent({ event: 'room.message', data: { from: 'bob', data: 'AQI=', binary: true } });
  room._onServerEvent({ event: 'room.message', data: { from: 'bob', data: 'yo', binary: false } });
  assert.deepEqual(got, [
    ['bob', new Uint8Array([1, 2])],
    ['bob', 'yo'],
  ]);
});

test('views: 1201, 1004, 1006, 1401, 1402, 1003 — and no fake success', async () => {
  const { engine, room, enter } = setup();
  await rejectsWith(room.requestViewList([{ identifier: 'bob', srcType: 'camera', size: 'big' }]), 1201);
  await rejectsWith(room.cancelAllView(), 1201);
  engine.enters[0]!.resolve(snapshot([member('bob', { hasCameraVideo: true }), member('carol')]));
  await enter;
  await rejectsWith(room.requestViewList([{ identifier: 'bob', srcType: 'camera', size: 'large' as 'big' }]), 1004);
  await rejectsWith(room.requestViewList([{ identifier: 'bob', srcType: 'media', size: 'big' }]), 1006);
  const e1401 = await rejectsWith(room.requestViewList([{ identifier: 'nobody', srcType: 'camera', size: 'big' }]), 1401);
  assert.equal(e1401.detail?.code, 'ENDPOINT_NOT_FOUND');
  await rejectsWith(room.requestViewList([{ identifier: 'carol', srcType: 'camera', size: 'big' }]), 1402);
  await rejectsWith(room.requestViewList([{ identifier: 'bob', srcType: 'screen', size: 'small' }]), 1402);
  await rejectsWith(room.requestViewList([]), 1003);
  await rejectsWith(room.cancelAllView(), 1003);
  // a list that passes every check, in a room without media services (no WebRTC): 1006 says so
  const err = await rejectsWith(room.requestViewList([{ identifier: 'bob', srcType: 'camera', size: 'big' }]), 1006);
  assert.equal(err.detail?.code, 'NO_WEBRTC');
  await tick();
});

test('events read together with the enter answer (before _enter resumes) are applied after the snapshot, in order', async () => {
  const { engine, room, enter } = setup();
  const updates: [number, string[]][] = [];
  room.on('endpointsUpdate', (event, ids) => updates.push([event, ids]));
  engine.enters[0]!.resolve(snapshot([member('bob')]));
  // Same tick as the answer, as when one socket read carries both frames.
  room._onServerEvent({
    event: 'room.endpoints',
    data: { event: EndpointEvent.HAS_CAMERA_VIDEO, members: [member('bob', { hasCameraVideo: true })] },
  });
  room._onServerEvent({ event: 'room.endpoints', data: { event: EndpointEvent.ENTER, members: [member('carol')] } });
  await enter;
  assert.equal(room.endpoints.get('bob')?.hasCameraVideo, true);
  assert.deepEqual([...room.endpoints.keys()], ['bob', 'carol']);
  assert.deepEqual(updates, [
    [EndpointEvent.HAS_CAMERA_VIDEO, ['bob']],
    [EndpointEvent.ENTER, ['carol']],
  ]);
});

test('memberCount: from the snapshot, then room.memberCount; memberCountChanged at most once a second, not when unchanged', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { engine, room, enter } = setup();
  assert.equal(room.memberCount, 0, 'not entered');
  engine.enters[0]!.resolve({ ...snapshot([member('host')]), memberCount: 40 });
  await enter;
  assert.deepEqual([room.memberCount, room.endpoints.size], [40, 1], 'the audience is counted, not listed');
  const counts: number[] = [];
  room.on('memberCountChanged', (n) => counts.push(n));
  const push = (count: number) => room._onServerEvent({ event: 'room.memberCount', data: { count } });
  push(40);
  assert.deepEqual(counts, [], 'unchanged');
  push(41);
  push(45);
  assert.deepEqual([counts, room.memberCount], [[41], 45], 'the getter follows at once, the event waits for its second');
  t.mock.timers.tick(999);
  assert.deepEqual(counts, [41]);
  t.mock.timers.tick(1);
  assert.deepEqual(counts, [41, 45]);
  push(46);
  await room.exit();
  t.mock.timers.tick(2000);
  assert.deepEqual([counts, room.memberCount], [[41, 45], 0], 'nothing after exit');
});

test('a snapshot without a count counts its members and self', async () => {
  const { engine, room, enter } = setup();
  engine.enters[0]!.resolve(snapshot([member('bob'), member('carol')]));
  await enter;
  assert.equal(room.memberCount, 3);
});

test('large room: an audience member that starts publishing is ENTER then HAS_, one that stops is NO_ then EXIT', async () => {
  const { engine, room, enter } = setup();
  engine.enters[0]!.resolve({ ...snapshot([member('host', { hasCameraVideo: true })]), memberCount: 100 });
  await enter;
  const events: [number, string[]][] = [];
  room.on('endpointsUpdate', (e, ids) => events.push([e, ids]));
  const push = (event: EndpointEvent, flags: Partial<MemberInfo>) =>
    room._onServerEvent({ event: 'room.endpoints', data: { event, members: [member('guest', flags)] } });
  push(EndpointEvent.ENTER, {});
  assert.equal(room.endpoints.get('guest')!.hasAudio, false);
  push(EndpointEvent.HAS_AUDIO, { hasAudio: true });
  assert.equal(room.endpoints.get('guest')!.hasAudio, true);
  push(EndpointEvent.NO_AUDIO, {});
  push(EndpointEvent.EXIT, {});
  assert.deepEqual(events, [
    [EndpointEvent.ENTER, ['guest']],
    [EndpointEvent.HAS_AUDIO, ['guest']],
    [EndpointEvent.NO_AUDIO, ['guest']],
    [EndpointEvent.EXIT, ['guest']],
  ]);
  assert.deepEqual([...room.endpoints.keys()], ['host']);
});
