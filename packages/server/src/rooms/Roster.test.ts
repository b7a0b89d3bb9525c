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
