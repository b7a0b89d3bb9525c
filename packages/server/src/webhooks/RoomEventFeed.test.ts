import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MemberOwner } from '../rooms/Member.js';
import { RoomDirectory } from '../rooms/RoomDirectory.js';
import { RoomEventFeed } from './RoomEventFeed.js';
import type { WebhookEventInit } from './WebhookEvent.js';

const owner = (identifier: string): MemberOwner => ({ identifier, tinyId: '1', terminal: 'test', send() {}, sendEncoded() {} });
const entry = { roomId: 5, roomType: 'multi' as const, createRoom: true, authBits: 0xff, role: '', privilegeKey: undefined };

function setup() {
  const directory = new RoomDirectory({ maxRooms: 10, maxMembers: 10, maxMembersPerRoom: 10 });
  const events: string[] = [];
  new RoomEventFeed(directory, (e: WebhookEventInit) => events.push([e.event, e.identifier, e.srcType ?? e.reason].filter(Boolean).join(' ')));
  return { directory, events };
}

test('the last member leaving: its publish.stopped and member.exited come before room.destroyed', () => {
  const { directory, events } = setup();
  const a = directory.enter(owner('a'), entry);
  const b = directory.enter(owner('b'), entry);
  a.setSending('camera', true);
  a.setSending('audio', true);
  b.close('kicked');
  a.close();
  // What the media plane does after the member left: told already, not again.
  a.setSending('camera', false);
  assert.deepEqual(events, [
    'room.created',
    'member.entered a',
    'member.entered b',
    'publish.started a camera',
    'publish.started a audio',
    'member.exited b kicked',
    'publish.stopped a camera',
    'publish.stopped a audio',
    'member.exited a left',
    'room.destroyed',
  ]);
});

test("a closing room tells each member's exit with the reason it closed with, once, then room.destroyed", () => {
  const { directory, events } = setup();
  directory.enter(owner('a'), entry);
  const b = directory.enter(owner('b'), entry);
  b.setSending('screen', true);
  b.setSending('screen', true); // no change: no event
  directory.get(5)!.close('dismissed');
  assert.deepEqual(events.slice(3), [
    'publish.started b screen',
    'member.exited a dismissed',
    'publish.stopped b screen',
    'member.exited b dismissed',
    'room.destroyed',
  ]);
});
