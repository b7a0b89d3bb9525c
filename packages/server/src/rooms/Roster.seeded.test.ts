// A roster seeded from a room's state (a cluster node's replica built from Redis) tells and then
// behaves as the roster of a node that saw the room from the start: sticky iff entrySeq ≤ lastSmallSeq.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndpointEvent, type MemberInfo } from '@hudong/protocol';
import { Roster, type RosterMember } from './Roster.js';

class FakeMember implements RosterMember {
  closed = false;
  readonly flags = { hasAudio: false, hasCameraVideo: false, hasScreenVideo: false };
  constructor(readonly identifier: string) {}
  info(): MemberInfo {
    return { identifier: this.identifier, tinyId: `t-${this.identifier}`, role: '', terminal: 'test', authBits: 0xff, ...this.flags };
  }
}

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
