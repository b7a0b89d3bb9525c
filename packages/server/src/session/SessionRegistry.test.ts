import assert from 'node:assert/strict';
import { beforeEach, describe, it, mock } from 'node:test';
import { EndpointEvent, type ServerEventData, type ServerEventName } from '@hudong/protocol';
import type { MemberOwner } from '../rooms/Member.js';
import { RoomDirectory } from '../rooms/RoomDirectory.js';
import { CloseCode } from '../signal/CloseCode.js';
import type { SessionTransport } from './Session.js';
import { SessionRegistry } from './SessionRegistry.js';

const GRACE_MS = 30_000;

/** A connection stand-in recording what the session sends, in order, with its close. */
class FakeTransport implements SessionTransport {
  closed = false;
  readonly log: string[] = [];
  readonly frames: { event: string; data: Record<string, unknown> }[] = [];
  closeCode: number | undefined;

  constructor(
    readonly name: string,
    private readonly timeline: string[],
  ) {}

  send(text: string | Buffer): void {
    const frame = JSON.parse(String(text));
    this.frames.push(frame);
    this.timeline.push(`${this.name} ← ${frame.event}`);
  }

  close(code: number): void {
    this.closed = true;
    this.closeCode = code;
    this.timeline.push(`${this.name} closed ${code}`);
  }
}

/** Someone else in the room, to observe ENTER/EXIT. */
function observer(timeline: string[]): MemberOwner & { events: [string, unknown][] } {
  const events: [string, unknown][] = [];
  return {
    identifier: 'watcher',
    tinyId: '1',
    terminal: 'test',
    events,
    send<E extends ServerEventName>(event: E, data: ServerEventData<E>) {
      events.push([event, data]);
      timeline.push(`watcher ← ${event} ${(data as { event?: number }).event ?? ''}`.trim());
    },
    sendEncoded(frame: Buffer) {
      const { event, data } = JSON.parse(String(frame)) as { event: ServerEventName; data: ServerEventData<ServerEventName> };
      this.send(event, data);
    },
  };
}

const identity = { identifier: 'alice', tinyId: '42', terminal: 'test' };
const enterParams = { roomId: 7, roomType: 'multi' as const, createRoom: true, authBits: 0xff, role: '', privilegeKey: undefined };

describe('SessionRegistry', () => {
  let timeline: string[];
  let registry: SessionRegistry;
  let rooms: RoomDirectory;

  beforeEach(() => {
    mock.timers.reset();
    timeline = [];
    registry = new SessionRegistry(GRACE_MS);
    registry.on('ended', (s, reason) => timeline.push(`${s.identifier} ended ${reason}`));
    rooms = new RoomDirectory({ maxRooms: 10, maxMembers: 10, maxMembersPerRoom: 10 });
  });

  function loginInRoom(transport: FakeTransport) {
    const { session } = registry.login(identity, transport);
    session.join(rooms.enter(session, enterParams));
    return session;
  }

  it('replaces: old client told, closed 4001, EXIT for the room — all before login returns', () => {
    const watcher = observer(timeline);
    rooms.enter(watcher, enterParams);
    const oldTransport = new FakeTransport('old', timeline);
    const old = loginInRoom(oldTransport);
    timeline.length = 0;

    const { session, resumed } = registry.login(identity, new FakeTransport('new', timeline));
    timeline.push('login returned');

    assert.equal(resumed, false);
    assert.notEqual(session, old);
    assert.notEqual(session.token, old.token);
    assert.equal(old.ended, true);
    assert.equal(registry.get('alice'), session);
    assert.deepEqual(timeline, [
      'old ← session.replaced',
      `old closed ${CloseCode.SESSION_REPLACED}`,
      `watcher ← room.endpoints ${EndpointEvent.EXIT}`,
      'alice ended replaced',
      'login returned',
    ]);
    const replaced = oldTransport.frames[0]!;
    assert.deepEqual(replaced.data, {
      error: { code: 10008, detail: { code: 'SESSION_REPLACED', message: '"alice" logged in on another connection' } },
    });
    assert.equal(rooms.memberCount, 1);
  });

  it('a wrong resume token replaces too', () => {
    const first = registry.login(identity, new FakeTransport('a', timeline)).session;
    const second = registry.login(identity, new FakeTransport('b', timeline), 'not-the-token');
    assert.equal(second.resumed, false);
    assert.equal(first.ended, true);
  });

  it('resumes within the grace period: same session, membership kept, nobody sees EXIT/ENTER', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    const watcher = observer(timeline);
    rooms.enter(watcher, enterParams);
    const first = new FakeTransport('first', timeline);
    const session = loginInRoom(first);
    const eventsBefore = watcher.events.length;

    first.closed = true;
    session.transportLost(first);
    assert.equal(session.connected, false);
    mock.timers.tick(GRACE_MS - 1);

    const again = registry.login(identity, new FakeTransport('second', timeline), session.token);
    assert.equal(again.resumed, true);
    assert.equal(again.session, session);
    assert.equal(session.member?.room.roomId, 7);
    mock.timers.tick(GRACE_MS * 2);
    assert.equal(session.ended, false, 'the grace timer was cancelled by the resume');
    assert.equal(watcher.events.length, eventsBefore, 'no EXIT/ENTER for a resume');
  });

  it('after the grace period the member leaves (EXIT) and the token no longer resumes', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    const watcher = observer(timeline);
    rooms.enter(watcher, enterParams);
    const first = new FakeTransport('first', timeline);
    const session = loginInRoom(first);
    session.transportLost(first);

    mock.timers.tick(GRACE_MS);
    assert.equal(session.ended, true);
    assert.equal(registry.get('alice'), undefined);
    assert.equal(registry.size, 0);
    assert.deepEqual(watcher.events.at(-1), ['room.endpoints', { event: EndpointEvent.EXIT, members: [{ identifier: 'alice', tinyId: '42' }] }]);
    assert.deepEqual(timeline.at(-1), 'alice ended expired');

    const fresh = registry.login(identity, new FakeTransport('later', timeline), session.token);
    assert.equal(fresh.resumed, false);
    assert.notEqual(fresh.session, session);
    assert.equal(fresh.session.member, null);
  });

  it('ignores the loss of a connection the session already moved away from', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    const first = new FakeTransport('first', timeline);
    const { session } = registry.login(identity, first);
    const second = new FakeTransport('second', timeline);
    registry.login(identity, second, session.token);
    assert.equal(first.closeCode, CloseCode.SESSION_REPLACED, 'the superseded connection is closed');
    session.transportLost(first);
    mock.timers.tick(GRACE_MS);
    assert.equal(session.ended, false);
    assert.equal(session.connected, true);
  });

  it('close() ends every session', () => {
    registry.login(identity, new FakeTransport('a', timeline));
    registry.login({ ...identity, identifier: 'bob' }, new FakeTransport('b', timeline));
    registry.close();
    assert.equal(registry.size, 0);
    assert.deepEqual(
      timeline.filter((l) => l.includes('ended')),
      ['alice ended shutdown', 'bob ended shutdown'],
    );
  });
});
