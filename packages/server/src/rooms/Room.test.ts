import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EndpointEvent, type ServerEventData, type ServerEventName } from '@hudong/protocol';
import type { MemberOwner } from './Member.js';
import { Room } from './Room.js';

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
