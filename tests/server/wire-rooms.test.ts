// Rooms over a bare WebSocket: enter and exit with their events and refusals, changeAuthority
// bounded by the privilege key, room-wide and acknowledged one-to-one messages, and invites.
import assert from 'node:assert/strict';
import { signPrivilegeKey } from '@hudong/protocol/auth';
import type { WireError } from '@hudong/protocol';
import { after, before, describe, it } from 'node:test';
import { InProcessServer, TEST_APP_ID, TEST_SECRET } from '../helpers/server.js';
import { loggedIn, type RawClient } from '../helpers/raw-client.js';

describe('rooms, messages and invites over the wire', () => {
  const srv = new InProcessServer({ config: { messageAckTimeoutMs: 300, roles: { Guest: 0xaa } } });
  const clients: RawClient[] = [];
  let roomId = 100;
  const login = async (identifier: string) => {
    const { client } = await loggedIn(srv.wsUrl, identifier);
    clients.push(client);
    return client;
  };
  const enter = (c: RawClient, id: number, extra: Record<string, unknown> = {}) =>
    c.request('room.enter', { roomId: id, roomType: 'multi', authBits: 0xff, createRoom: true, ...extra });
  const errorOf = (f: { error?: WireError }) => [f.error?.code, f.error?.detail?.code];

  before(() => srv.start());
  after(async () => {
    for (const c of clients) c.terminate();
    await srv.stop();
  });

  it('enter, ENTER/EXIT events, exit, NOT_IN_ROOM, room closes when empty', async () => {
    const id = ++roomId;
    const a = await login('r-alice');
    const b = await login('r-bob');
    assert.deepEqual((await enter(a, id)).result.members, []);
    const bobEnter = await enter(b, id, { controlRole: 'Guest' });
    assert.deepEqual(
      bobEnter.result.members.map((m) => m.identifier),
      ['r-alice'],
    );
    assert.equal(bobEnter.result.authBits, 0xaa, 'bounded by the role');
    const entered = await a.event('room.endpoints');
    assert.deepEqual([entered.data.event, entered.data.members[0]!.identifier, entered.data.members[0]!.role], [1, 'r-bob', 'Guest']);
    assert.deepEqual(errorOf(await enter(a, id)), [10008, 'ALREADY_IN_ROOM']);
    assert.deepEqual(errorOf(await enter(a, id + 1000)), [10008, 'IN_ANOTHER_ROOM']);
    assert.equal((await b.request('room.exit')).ok, true);
    assert.equal((await a.event('room.endpoints')).data.event, 2);
    assert.deepEqual(errorOf(await b.request('room.exit')), [10006, 'NOT_IN_ROOM']);
    assert.deepEqual(errorOf(await enter(b, id + 2000, { createRoom: false })), [10009, 'ROOM_NOT_FOUND']);
    await a.request('room.exit');
    assert.equal(srv.server.stats().rooms, 0);
  });

  it('changeAuthority: room.privilege for the member, bounded by the key it entered with', async () => {
    const id = ++roomId;
    const a = await login('k-alice');
    const key = signPrivilegeKey({ sdkAppId: TEST_APP_ID, secret: TEST_SECRET, identifier: 'k-alice', roomId: id, privilegeMap: 0x2b });
    assert.equal((await enter(a, id, { privilegeKey: key })).result.authBits, 0x2b);
    const down = await a.request('room.changeAuthority', { authBits: 0x0b });
    assert.deepEqual(down.result, { authBits: 0x0b });
    assert.deepEqual((await a.event('room.privilege')).data, { authBits: 0x0b });
    assert.deepEqual(errorOf(await a.request('room.changeAuthority', { authBits: 0xff })), [10003, 'AUTH_BITS_EXCEED_KEY']);
    const otherRoomKey = signPrivilegeKey({ sdkAppId: TEST_APP_ID, secret: TEST_SECRET, identifier: 'k-alice', roomId: 1, privilegeMap: 0xff });
    assert.deepEqual(errorOf(await a.request('room.changeAuthority', { authBits: 1, privilegeKey: otherRoomKey })), [10003, 'PRIVKEY_WRONG_ROOM']);
  });

  it('room-wide messages are answered when sent; one-to-one ones when acked, else DELIVERY_TIMEOUT', async () => {
    const id = ++roomId;
    const a = await login('m-alice');
    const b = await login('m-bob');
    await enter(a, id);
    await enter(b, id);
    assert.equal((await a.request('room.message', { data: 'hello all' })).ok, true);
    assert.deepEqual((await b.event('room.message')).data, { from: 'm-alice', data: 'hello all', binary: false });
    assert.equal(
      a.frames.some((f) => f.event === 'room.message'),
      false,
      'not echoed to the sender',
    );

    const pending = a.sendRequest('room.message', { data: 'aGk=', binary: true, to: 'm-bob' });
    const direct = await b.event('room.message');
    assert.deepEqual([direct.data.to, direct.data.binary, typeof direct.data.ackId], ['m-bob', true, 'number']);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(
      a.frames.some((f) => f.id === pending),
      false,
      'not answered before the ack',
    );
    b.ack(direct.data.ackId!);
    assert.equal((await a.response(pending)).ok, true);

    const timedOut = await a.request('room.message', { data: 'anyone?', to: 'm-bob' });
    assert.deepEqual(errorOf(timedOut), [10004, 'DELIVERY_TIMEOUT']);
    assert.deepEqual(errorOf(await a.request('room.message', { data: 'x', to: 'nobody' })), [10010, 'MEMBER_NOT_FOUND']);
    const line = srv.logs.find((l) => l.msg === 'request failed' && l.detail?.code === 'DELIVERY_TIMEOUT')!;
    assert.deepEqual([line.identifier, line.roomId, line.method], ['m-alice', id, 'room.message']);
  });

  it('invites: from inside the room (or into a room not made yet); answered when the invitee answers; every failure sub-code', async () => {
    const a = await login('i-alice');
    const b = await login('i-bob');
    const carol = await login('i-carol');
    assert.equal((await enter(carol, 78)).ok, true);
    const notIn = await a.request('invite.send', { to: 'i-bob', roomId: 78 });
    assert.deepEqual(errorOf(notIn), [10006, 'INVITER_NOT_IN_ROOM']);
    assert.match(notIn.error.detail.message, /room 78.*not in a room/);
    assert.equal((await enter(a, 77)).ok, true);
    assert.deepEqual(
      errorOf(await a.request('invite.send', { to: 'i-bob', roomId: 78 })),
      [10006, 'INVITER_NOT_IN_ROOM'],
      'another room than its own',
    );
    assert.equal(b.events.filter((e) => e.event === 'invite.received').length, 0);
    assert.deepEqual(errorOf(await a.request('invite.send', { to: 'i-nobody', roomId: 77 })), [10010, 'INVITEE_OFFLINE']);
    assert.deepEqual(errorOf(await a.request('invite.send', { to: 'i-alice', roomId: 77 })), [10002, 'INVITE_SELF']);

    const sent = a.sendRequest('invite.send', { to: 'i-bob', roomId: 77 });
    const received = await b.event('invite.received');
    assert.deepEqual([received.data.from, received.data.roomId], ['i-alice', 77]);
    assert.deepEqual(errorOf(await a.request('invite.send', { to: 'i-bob', roomId: 77 })), [10008, 'INVITE_PENDING']);
    assert.deepEqual(errorOf(await b.request('invite.accept', { inviteId: 'nope' })), [10010, 'INVITE_NOT_FOUND']);
    assert.deepEqual(errorOf(await a.request('invite.accept', { inviteId: received.data.inviteId })), [10003, 'INVITE_NOT_YOURS']);
    assert.equal(
      a.frames.some((f) => f.id === sent),
      false,
      'invite.send waits for the answer',
    );
    assert.deepEqual((await b.request('invite.accept', { inviteId: received.data.inviteId })).result, { from: 'i-alice', roomId: 77 });
    assert.deepEqual((await a.response(sent)).result, { inviteId: received.data.inviteId, accepted: true });
    assert.deepEqual(errorOf(await b.request('invite.refuse', { inviteId: received.data.inviteId })), [10008, 'INVITE_ANSWERED']);

    const refused = a.sendRequest('invite.send', { to: 'i-bob', roomId: 77 });
    const refusedInvite = (await b.event('invite.received')).data.inviteId;
    await b.request('invite.refuse', { inviteId: refusedInvite });
    assert.deepEqual((await a.response(refused)).result, { inviteId: refusedInvite, accepted: false });

    const expiring = a.sendRequest('invite.send', { to: 'i-bob', roomId: 77, timeoutMs: 1000 });
    const third = await b.event('invite.received');
    assert.deepEqual(errorOf(await a.response(expiring, 3000)), [10004, 'INVITE_EXPIRED']);
    const cancelled = await b.event('invite.cancelled');
    assert.deepEqual([cancelled.data.inviteId, cancelled.data.error.detail.code], [third.data.inviteId, 'INVITE_EXPIRED']);
    assert.deepEqual(errorOf(await b.request('invite.accept', { inviteId: third.data.inviteId })), [10004, 'INVITE_EXPIRED']);

    a.sendRequest('invite.send', { to: 'i-bob', roomId: 77 });
    const fourth = await b.event('invite.received');
    a.terminate();
    const gone = await b.event('invite.cancelled');
    assert.deepEqual([gone.data.inviteId, gone.data.error.code, gone.data.error.detail.code], [fourth.data.inviteId, 10010, 'INVITER_GONE']);
  });

  it('invites: a request asking for longer than maxInviteTimeoutMs gets that much; maxPendingInvitesPerInviter pending at most', async () => {
    const capped = await new InProcessServer({ config: { maxInviteTimeoutMs: 1000, maxPendingInvitesPerInviter: 2 } }).start();
    const ws = (identifier: string) => loggedIn(capped.wsUrl, identifier).then(({ client }) => (clients.push(client), client));
    try {
      const a = await ws('cap-alice');
      const invitees = [await ws('cap-1'), await ws('cap-2'), await ws('cap-3')];
      assert.equal((await enter(a, 90)).ok, true);
      const first = a.sendRequest('invite.send', { to: 'cap-1', roomId: 90, timeoutMs: 300_000 });
      const received = await invitees[0]!.event('invite.received');
      assert.ok(received.data.expiresAt <= Date.now() + 1000, 'expiresAt is 1 s away, not 5 min');
      a.sendRequest('invite.send', { to: 'cap-2', roomId: 90 });
      await invitees[1]!.event('invite.received');
      const third = await a.request('invite.send', { to: 'cap-3', roomId: 90 });
      assert.deepEqual(errorOf(third), [10005, 'TOO_MANY_INVITES']);
      assert.match(third.error.detail.message, /maxPendingInvitesPerInviter 2/);
      const expired = await a.response(first, 3000);
      assert.deepEqual(errorOf(expired), [10004, 'INVITE_EXPIRED']);
      assert.match(expired.error.detail.message, /within 1000 ms/);
    } finally {
      await capped.stop();
    }
  });
});
