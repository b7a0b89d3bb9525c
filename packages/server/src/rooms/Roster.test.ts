import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndpointEvent, type MemberInfo } from '@hudong/protocol';
import { Roster, type EndpointGroup, type RosterMember } from './Roster.js';

const { ENTER, EXIT, HAS_AUDIO, NO_AUDIO, HAS_CAMERA_VIDEO, NO_CAMERA_VIDEO } = EndpointEvent;

class FakeMember implements RosterMember {
  closed = false;
  readonly flags = { hasAudio: false, hasCameraVideo: false, hasScreenVideo: false };
  constructor(readonly identifier: string) {}
  info(): MemberInfo {
    return { identifier: this.identifier, tinyId: `t-${this.identifier}`, role: '', terminal: 'test', authBits: 0xff, ...this.flags };
  }
}

/** A roster and its members, driven as a room drives it. */
function room(threshold: number) {
  const roster = new Roster<FakeMember>(threshold);
  const members = new Map<string, FakeMember>();
  return {
    roster,
    enter(...ids: string[]): FakeMember[] {
      return ids.map((id) => {
        const m = new FakeMember(id);
        members.set(id, m);
        roster.entered(m);
        return m;
      });
    },
    leave(m: FakeMember): void {
      m.closed = true;
      members.delete(m.identifier);
      roster.left(m, members.values());
    },
    send(m: FakeMember, flag: keyof FakeMember['flags'], on: boolean): void {
      m.flags[flag] = on;
      roster.sendingChanged(m);
    },
  };
}

/** Each event of a flush as [event, identifiers]. */
function events(groups: EndpointGroup[]): [number, string[]][] {
  return groups.map((g) => [g.event, g.members.map((m) => m.identifier)]);
}

describe('Roster: who of a room is announced (API.md large rooms)', () => {
  it('announces members while the room holds at most `threshold` with them in; the one that makes it threshold + 1 is not', () => {
    const r = room(2);
    const [a, b] = r.enter('a', 'b');
    assert.deepEqual(events(r.roster.flush()), [[ENTER, ['a', 'b']]]);
    assert.equal(r.roster.large, false);
    const [c] = r.enter('c');
    assert.equal(r.roster.large, true);
    assert.equal(r.roster.pending, false, 'nothing to tell about the audience');
    assert.deepEqual(events(r.roster.flush()), []);
    assert.deepEqual(
      [a, b, c].map((m) => r.roster.isAnnounced(m!)),
      [true, true, false],
    );
    assert.deepEqual(
      r.roster.told(c!).map((m) => m.identifier),
      ['a', 'b'],
      'a snapshot lists the announced members only',
    );
  });

  it('an audience member that starts publishing gets ENTER (flags off) then HAS_; stopping everything gets NO_ then EXIT', () => {
    const r = room(1);
    r.enter('host');
    r.roster.flush();
    const [c] = r.enter('c');
    r.send(c!, 'hasAudio', true);
    const started = r.roster.flush();
    assert.deepEqual(events(started), [
      [ENTER, ['c']],
      [HAS_AUDIO, ['c']],
    ]);
    assert.equal(started[0]!.members[0]!.hasAudio, false, 'ENTER says nothing is sent yet: HAS_ turns it on');
    assert.equal(started[1]!.members[0]!.hasAudio, true);
    r.send(c!, 'hasCameraVideo', true);
    r.send(c!, 'hasAudio', false);
    assert.deepEqual(events(r.roster.flush()), [
      [NO_AUDIO, ['c']],
      [HAS_CAMERA_VIDEO, ['c']],
    ]);
    r.send(c!, 'hasCameraVideo', false);
    assert.deepEqual(events(r.roster.flush()), [
      [NO_CAMERA_VIDEO, ['c']],
      [EXIT, ['c']],
    ]);
    assert.equal(r.roster.isAnnounced(c!), false);
  });

  it('members announced while the room was small stay announced when they stop publishing in a large room', () => {
    const r = room(1);
    const [a] = r.enter('a');
    r.enter('b', 'c');
    r.roster.flush();
    r.send(a!, 'hasAudio', true);
    r.send(a!, 'hasAudio', false);
    assert.deepEqual(events(r.roster.flush()), [], 'on and off within one flush nets out');
    r.send(a!, 'hasAudio', true);
    r.roster.flush();
    r.send(a!, 'hasAudio', false);
    assert.deepEqual(events(r.roster.flush()), [[NO_AUDIO, ['a']]]);
    assert.equal(r.roster.isAnnounced(a!), true);
  });

  it('a burst is one event per kind; enter-then-leave nets out; leave-then-enter is EXIT then ENTER', () => {
    const r = room(10);
    const [a] = r.enter('a');
    r.roster.flush();
    const joined = r.enter('b', 'c', 'd', 'e', 'f');
    r.leave(joined[1]!);
    r.leave(a!);
    r.enter('a');
    assert.deepEqual(events(r.roster.flush()), [
      [EXIT, ['a']],
      [ENTER, ['b', 'd', 'e', 'f', 'a']],
    ]);
  });

  it('a publisher that leaves: EXIT, then NO_ for what it sent (after the EXIT, as the media plane sends it)', () => {
    const r = room(5);
    const [a, b] = r.enter('a', 'b');
    r.send(a!, 'hasAudio', true);
    r.send(b!, 'hasCameraVideo', true);
    r.roster.flush();
    r.leave(a!);
    r.send(b!, 'hasCameraVideo', false);
    assert.deepEqual(events(r.roster.flush()), [
      [NO_CAMERA_VIDEO, ['b']],
      [EXIT, ['a']],
      [NO_AUDIO, ['a']],
    ]);
  });

  it('a room that shrinks back to the threshold announces everyone, and they stay announced', () => {
    const r = room(2);
    const [a] = r.enter('a', 'b');
    const [c, d] = r.enter('c', 'd');
    r.roster.flush();
    r.leave(a!);
    assert.deepEqual(events(r.roster.flush()), [[EXIT, ['a']]], 'three members: still large');
    r.leave(d!);
    assert.deepEqual(events(r.roster.flush()), [[ENTER, ['c']]], 'two: c is announced (d left unannounced: no EXIT)');
    r.enter('e', 'f');
    r.roster.flush();
    r.send(c!, 'hasAudio', true);
    r.send(c!, 'hasAudio', false);
    r.roster.flush();
    assert.equal(r.roster.isAnnounced(c!), true);
  });

  it('a snapshot is what was told: pending changes are left to the next flush, the caller is left out', () => {
    const r = room(5);
    const [a, b] = r.enter('a', 'b');
    r.roster.flush();
    r.send(b!, 'hasAudio', true);
    const [c] = r.enter('c');
    assert.deepEqual(
      r.roster.told(c!).map((m) => [m.identifier, m.hasAudio]),
      [
        ['a', false],
        ['b', false],
      ],
    );
    r.roster.flush();
    assert.deepEqual(
      r.roster.told(a!).map((m) => [m.identifier, m.hasAudio]),
      [
        ['b', true],
        ['c', false],
      ],
    );
  });
});

// A roster seeded from a room's state (a cluster node's replica built from Redis) tells and then
// behaves as the roster of a node that saw the room from the start: sticky iff entrySeq ≤ lastSmallSeq.
const nobody = new FakeMember('nobody');
const told = (roster: Roster<FakeMember>) =>
  roster
    .told(nobody)
    .map((i) => `${i.identifier}${i.hasCameraVideo ? '+cam' : ''}`)
    .sort();

describe('Roster.seeded', () => {
  it('tells what a roster that saw the room grow tells, and goes on the same way', () => {
    // Threshold 2: a (seq 1) and b (seq 2) enter small; c (3) and d (4) make it large; d publishes (5).
    const live = new Roster<FakeMember>(2);
    const liveMembers = ['a', 'b', 'c', 'd'].map((id) => new FakeMember(id));
    for (const m of liveMembers) live.entered(m);
    liveMembers[3]!.flags.hasCameraVideo = true;
    live.sendingChanged(liveMembers[3]!);
    live.flush();

    // The same room in Redis: lastSmallSeq = 2.
    const seeded = new Roster<FakeMember>(2);
    const seededMembers = ['a', 'b', 'c', 'd'].map((id) => new FakeMember(id));
    seededMembers[3]!.flags.hasCameraVideo = true;
    [1, 2, 3, 4].forEach((entrySeq, i) => seeded.seeded(seededMembers[i]!, entrySeq <= 2));

    assert.deepEqual(told(seeded), ['a', 'b', 'd+cam']);
    assert.deepEqual(told(seeded), told(live));
    assert.equal(seeded.size, 4);
    assert.equal(seeded.large, true);
    assert.equal(seeded.pending, false, 'nothing to tell: the members were told already');

    // Then the same changes give the same events: d stops (not sticky → EXIT), c leaves (3 left, still large).
    for (const [roster, members] of [
      [live, liveMembers],
      [seeded, seededMembers],
    ] as const) {
      members[3]!.flags.hasCameraVideo = false;
      roster.sendingChanged(members[3]!);
      members[2]!.closed = true;
      roster.left(members[2]!, [members[0]!, members[1]!, members[3]!]);
    }
    const events = (roster: Roster<FakeMember>) => roster.flush().map((g) => [g.event, g.members.map((m) => m.identifier)]);
    // c leaves: 3 left, threshold 2 → still large, d is not made sticky.
    const expected = [
      [EndpointEvent.NO_CAMERA_VIDEO, ['d']],
      [EndpointEvent.EXIT, ['d']],
    ];
    assert.deepEqual(events(live), expected);
    assert.deepEqual(events(seeded), expected);
    assert.deepEqual(told(seeded), told(live));
  });

  it('in a room that shrank back, every member seeded is sticky and stays announced when it stops publishing', () => {
    const seeded = new Roster<FakeMember>(2);
    const [a, b] = [new FakeMember('a'), new FakeMember('b')];
    b.flags.hasAudio = true;
    seeded.seeded(a, true);
    seeded.seeded(b, true);
    b.flags.hasAudio = false;
    seeded.sendingChanged(b);
    assert.deepEqual(
      seeded.flush().map((g) => [g.event, g.members.map((m) => m.identifier)]),
      [[EndpointEvent.NO_AUDIO, ['b']]],
    );
    assert.deepEqual(told(seeded), ['a', 'b']);
  });
});
