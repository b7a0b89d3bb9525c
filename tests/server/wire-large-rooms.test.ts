// Large rooms over the bare wire (API.md section 3, docs/protocol.md "Large rooms"): a server with
// largeRoomThreshold 2 announces the first two members and then only those who publish; counts go out
// as room.memberCount at most once a second; a round's joins go out as one ENTER; the audience's
// room-wide messages are capped. Publishing needs real WebRTC: run inside the namespace (run-tests does).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthBits, EndpointEvent } from '@hudong/protocol';
import { InProcessServer } from '../helpers/server.js';
import { loggedIn, type EventFrame, type RawClient } from '../helpers/raw-client.js';
import { WrtcPublisher } from '../helpers/wrtc-peers.js';

const { ENTER, EXIT, HAS_AUDIO, NO_AUDIO } = EndpointEvent;

describe('large rooms over the wire', () => {
  const srv = new InProcessServer({ config: { largeRoomThreshold: 2, roomMessageRate: 2 } });
  const clients: RawClient[] = [];
  const closers: (() => void)[] = [];
  let roomId = 900;

  const login = async (identifier: string) => {
    const { client } = await loggedIn(srv.wsUrl, identifier, {}, { autoAck: true });
    clients.push(client);
    return client;
  };
  const enter = async (c: RawClient, id: number, authBits = 0xff) =>
    c.call('room.enter', { roomId: id, roomType: 'multi', authBits, createRoom: true, controlRole: '' });
  const endpointEvents = (c: RawClient) => c.events.filter((f): f is EventFrame<'room.endpoints'> => f.event === 'room.endpoints');
  /** Each endpoint event `c` got, as [event, identifiers]. */
  const told = (c: RawClient) => endpointEvents(c).map((f) => [f.data.event, f.data.members.map((m) => m.identifier)]);
  const nextEndpoints = (c: RawClient, event: number) =>
    c.waitFor((f): f is EventFrame<'room.endpoints'> => f.event === 'room.endpoints' && f.data.event === event, 5000, `room.endpoints ${event}`);
  const countReaches = (c: RawClient, count: number) =>
    c.waitFor((f) => f.event === 'room.memberCount' && f.data.count === count, 5000, `room.memberCount ${count}`);
  /** A round trip: whatever the server sent `c` before answering it has arrived. */
  const settle = async (c: RawClient) => {
    await c.call('ping', {});
    await new Promise((r) => setTimeout(r, 50));
  };

  before(() => srv.start());
  after(async () => {
    for (const close of closers) close();
    for (const c of clients) c.terminate();
    await srv.stop();
  });

  it('announces the members up to the threshold; the one that makes the room larger is audience: not announced, but counted and reachable one to one and by invite', async () => {
    const id = ++roomId;
    const [a, b, c] = await Promise.all([login('lr-a'), login('lr-b'), login('lr-c')]);
    const aSnap = await enter(a, id);
    assert.deepEqual([aSnap.members, aSnap.memberCount], [[], 1]);
    const bSnap = await enter(b, id);
    assert.deepEqual([bSnap.members.map((m) => m.identifier), bSnap.memberCount], [['lr-a'], 2]);
    await nextEndpoints(a, ENTER);
    const cSnap = await enter(c, id);
    assert.deepEqual([cSnap.members.map((m) => m.identifier).sort(), cSnap.memberCount], [['lr-a', 'lr-b'], 3], 'c sees the announced ones');
    await countReaches(a, 3);
    await countReaches(b, 3);
    assert.deepEqual(told(a), [[ENTER, ['lr-b']]], 'no ENTER for the audience member');
    assert.deepEqual(told(b), []);

    await a.call('room.message', { data: 'to c directly', binary: false, to: 'lr-c' });
    assert.equal((await c.event('room.message')).data.data, 'to c directly');
    await c.call('room.message', { data: 'back to a', binary: false, to: 'lr-a' });
    assert.equal((await a.event('room.message')).data.from, 'lr-c');

    const invite = a.sendRequest('invite.send', { to: 'lr-c', roomId: id });
    const { inviteId } = (await c.event('invite.received')).data;
    await c.call('invite.refuse', { inviteId });
    assert.deepEqual((await a.response(invite)).result, { inviteId, accepted: false });

    await c.call('room.exit', {});
    await countReaches(a, 2);
    assert.deepEqual(told(a), [[ENTER, ['lr-b']]], 'no EXIT for it either');
    await a.call('room.exit', {});
    await b.call('room.exit', {});
  });

  it('members announced while the room was small stay announced until they leave; a room small again announces everyone', async () => {
    const id = ++roomId;
    const [a, b, c, d] = await Promise.all(['lr2-a', 'lr2-b', 'lr2-c', 'lr2-d'].map(login));
    for (const m of [a, b, c, d]) await enter(m!, id);
    await nextEndpoints(a!, ENTER); // b's
    assert.deepEqual((await enter((await login('lr2-e'))!, id)).members.map((m) => m.identifier).sort(), ['lr2-a', 'lr2-b']);
    await b!.call('room.exit', {});
    assert.deepEqual(
      (await nextEndpoints(a!, EXIT)).data.members.map((m) => m.identifier),
      ['lr2-b'],
    );
    await c!.call('room.exit', {});
    await d!.call('room.exit', {});
    // a and e are left: two, the threshold. e was never announced; now it is.
    const entered = await nextEndpoints(a!, ENTER);
    assert.deepEqual(
      entered.data.members.map((m) => m.identifier),
      ['lr2-e'],
    );
    await settle(a!);
    assert.deepEqual(told(a!), [
      [ENTER, ['lr2-b']],
      [EXIT, ['lr2-b']],
      [ENTER, ['lr2-e']],
    ]);
  });

  it('an audience member that publishes gets ENTER then HAS_; unpublishing everything gets NO_ then EXIT; a publisher is not capped', async () => {
    const id = ++roomId;
    const [host, guest, viewer, speaker] = await Promise.all(['lr3-host', 'lr3-guest', 'lr3-viewer', 'lr3-speaker'].map(login));
    await enter(host!, id);
    await enter(guest!, id);
    await nextEndpoints(host!, ENTER); // the guest's
    await enter(viewer!, id, AuthBits.AUDIENCE);
    await enter(speaker!, id, 0xff & ~AuthBits.CREATE_ROOM);
    await countReaches(host!, 4);
    assert.deepEqual(told(host!), [[ENTER, ['lr3-guest']]]);

    const { publisher, response } = await WrtcPublisher.publish(speaker!, 'audio');
    closers.push(() => publisher.close());
    assert.equal(response.ok, true, JSON.stringify(response.error));
    const entered = await nextEndpoints(host!, ENTER);
    const has = await nextEndpoints(host!, HAS_AUDIO);
    assert.deepEqual(
      [entered.data.members[0]!.identifier, entered.data.members[0]!.hasAudio, has.data.members[0]!.hasAudio],
      ['lr3-speaker', false, true],
    );
    assert.ok(host!.frames.indexOf(entered) < host!.frames.indexOf(has), 'ENTER before HAS_AUDIO');
    await nextEndpoints(viewer!, HAS_AUDIO);
    assert.equal(
      endpointEvents(speaker!).some((f) => f.data.members.some((m) => m.identifier === 'lr3-speaker')),
      false,
      'nobody is told about itself',
    );

    // The audience's cap (2 a second, room-wide) is spent by the viewer; the publisher still speaks.
    await viewer!.call('room.message', { data: 'one', binary: false });
    await viewer!.call('room.message', { data: 'two', binary: false });
    const refused = await viewer!.request('room.message', { data: 'three', binary: false });
    assert.deepEqual([refused.error.code, refused.error.detail.code], [10005, 'ROOM_MESSAGE_RATE']);
    for (let i = 0; i < 3; i++) assert.equal((await speaker!.request('room.message', { data: `speaker ${i}`, binary: false })).ok, true);
    for (let i = 0; i < 3; i++) assert.equal((await host!.request('room.message', { data: `host ${i}`, binary: false })).ok, true);

    await speaker!.call('media.unpublish', { source: 'audio' });
    const stopped = await nextEndpoints(host!, NO_AUDIO);
    const gone = await nextEndpoints(host!, EXIT);
    assert.ok(host!.frames.indexOf(stopped) < host!.frames.indexOf(gone), 'NO_AUDIO before EXIT');
    assert.deepEqual(gone.data.members[0]!.identifier, 'lr3-speaker');
    assert.equal((await speaker!.request('room.message', { data: 'now audience', binary: false })).error.detail.code, 'ROOM_MESSAGE_RATE');
  });

  it('room.memberCount: the count in the snapshot, then at most one event a second with the latest count', async () => {
    const id = ++roomId;
    const watcher = await login('lr4-watch');
    await enter(watcher, id);
    const arrivals: [number, number][] = [];
    watcher.onEvent('room.memberCount', ({ count }) => arrivals.push([performance.now(), count]));
    const joiners = await Promise.all(Array.from({ length: 12 }, (_, i) => login(`lr4-${i}`)));
    const started = performance.now();
    for (const j of joiners) {
      await enter(j, id);
      await new Promise((r) => setTimeout(r, 150));
    }
    const span = performance.now() - started;
    await countReaches(watcher, 13);
    const gaps = arrivals.slice(1).map(([at], i) => at - arrivals[i]![0]);
    console.log(`# memberCount events at the watcher: ${arrivals.map(([, n]) => n).join(', ')}; gaps ${gaps.map((g) => g.toFixed(0)).join(', ')} ms`);
    // One at the first join, then one at the end of each second in which the count changed.
    assert.ok(
      arrivals.length >= 2 && arrivals.length <= 2 + Math.floor(span / 1000),
      `12 joins over ${span.toFixed(0)} ms: ${arrivals.length} events`,
    );
    // The server spaces them by ≥ 1000 ms; the network may bunch arrivals a little.
    for (const gap of gaps) assert.ok(gap >= 900, `events ${gap.toFixed(0)} ms apart`);
  });
});

describe('coalesced endpoint events', () => {
  const srv = new InProcessServer({ config: { largeRoomThreshold: 50 } });
  const clients: RawClient[] = [];
  before(() => srv.start());
  after(async () => {
    for (const c of clients) c.terminate();
    await srv.stop();
  });

  it('joins read in one event-loop round go out as one ENTER with all of them; each joiner hears of the others only', async () => {
    const roomId = 990;
    const { client: watcher } = await loggedIn(srv.wsUrl, 'burst-watch');
    clients.push(watcher);
    await watcher.call('room.enter', { roomId, roomType: 'multi', authBits: 0xff, createRoom: true, controlRole: '' });
    const joiners = await Promise.all(Array.from({ length: 8 }, async (_, i) => (await loggedIn(srv.wsUrl, `burst-${i}`)).client));
    clients.push(...joiners);
    const pending = joiners.map((j) => j.request('room.enter', { roomId, roomType: 'multi', authBits: 0xff, createRoom: false }));
    // The server runs in this process: keep its loop from reading until every request is in its socket.
    const until = performance.now() + 100;
    while (performance.now() < until);
    for (const res of await Promise.all(pending)) assert.equal(res.ok, true);
    const enter = await watcher.event('room.endpoints');
    assert.deepEqual([enter.data.event, enter.data.members.map((m) => m.identifier).sort()], [ENTER, joiners.map((_, i) => `burst-${i}`).sort()]);
    for (const [i, j] of joiners.entries()) {
      const own = await j.event('room.endpoints');
      const others = joiners.map((_, k) => `burst-${k}`).filter((_, k) => k !== i);
      assert.deepEqual(own.data.members.map((m) => m.identifier).sort(), others.sort());
    }
    await watcher.call('ping', {});
    assert.equal(watcher.events.filter((f) => f.event === 'room.endpoints').length, 1, 'one event for the burst');
  });
});
