// Room life: members, events, auth changes, messages and invites between real clients.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AuthBits, EndpointEvent, type AVError } from '@hudong/sdk';
import { signPrivilegeKey } from '@hudong/protocol/auth';
import { ServerProcess, TEST_APP_ID, TEST_SECRET } from '../helpers/server.js';
import { dispose, nextEvent, rejectsWithServer, startedContext, uniqueId, uniqueRoomId } from '../helpers/clients.js';

let server: ServerProcess;
before(async () => {
  server = await new ServerProcess().start();
});
after(async () => {
  await server.stop();
});

test('members see each other enter and exit, with tinyId, role and terminal', async () => {
  const roomId = uniqueRoomId();
  const hostId = uniqueId('host');
  const guestId = uniqueId('guest');
  const host = await startedContext(server.wsUrl, hostId);
  const guest = await startedContext(server.wsUrl, guestId);
  try {
    const hostRoom = await host.enterRoom({ roomId, roomType: 'multi', createRoom: true, controlRole: 'LiveMaster' });
    assert.equal(hostRoom.state, 'entered');
    assert.equal(hostRoom.endpoints.size, 0);
    const entered = nextEvent(hostRoom, 'endpointsUpdate');
    const guestRoom = await guest.enterRoom({ roomId, roomType: 'multi', createRoom: false, controlRole: 'Guest', authBits: AuthBits.AUDIENCE });
    assert.deepEqual(await entered, [EndpointEvent.ENTER, [guestId]]);
    const seen = hostRoom.endpoints.get(guestId)!;
    assert.equal(seen.tinyId, guest.tinyId);
    assert.equal(seen.role, 'Guest');
    assert.equal(seen.hasCameraVideo, false);
    assert.equal(guestRoom.endpoints.get(hostId)?.role, 'LiveMaster');
    assert.match(guest.tinyId!, /^\d+$/);

    const exited = nextEvent(hostRoom, 'endpointsUpdate');
    await guest.exitRoom();
    assert.deepEqual(await exited, [EndpointEvent.EXIT, [guestId]]);
    assert.equal(hostRoom.endpoints.has(guestId), false);
    assert.equal(guestRoom.state, 'exited');
  } finally {
    await dispose(host, guest);
  }
});

test('tinyIds are stable across logins', async () => {
  const id = uniqueId('stable');
  const a = await startedContext(server.wsUrl, id);
  const first = a.tinyId;
  await dispose(a);
  const b = await startedContext(server.wsUrl, id);
  assert.equal(b.tinyId, first);
  await dispose(b);
});

test('room messages to everyone and to one member, text and binary', async () => {
  const roomId = uniqueRoomId();
  const ids = [uniqueId('a'), uniqueId('b'), uniqueId('c')];
  const ctxs = await Promise.all(ids.map((id) => startedContext(server.wsUrl, id)));
  try {
    const rooms = [];
    for (const [i, ctx] of ctxs.entries()) rooms.push(await ctx.enterRoom({ roomId, roomType: 'multi', createRoom: i === 0 }));
    const atB = nextEvent(rooms[1]!, 'message');
    const atC = nextEvent(rooms[2]!, 'message');
    await rooms[0]!.sendMessage('hello room');
    assert.deepEqual(await atB, [ids[0], 'hello room']);
    assert.deepEqual(await atC, [ids[0], 'hello room']);

    let cGotPrivate = false;
    rooms[2]!.on('message', () => (cGotPrivate = true));
    const privateAtB = nextEvent(rooms[1]!, 'message');
    await rooms[0]!.sendMessage(new Uint8Array([1, 2, 3, 255]), { to: ids[1] });
    const [from, data] = await privateAtB;
    assert.equal(from, ids[0]);
    assert.deepEqual(Array.from(data as Uint8Array), [1, 2, 3, 255]);
    assert.equal(cGotPrivate, false, 'one-to-one messages reach only their recipient');
  } finally {
    await dispose(...ctxs);
  }
});

test('changeAuthority: a co-host goes up with a privilege key and down again', async () => {
  const roomId = uniqueRoomId();
  const id = uniqueId('cohost');
  const ctx = await startedContext(server.wsUrl, id);
  try {
    const room = await ctx.enterRoom({ roomId, roomType: 'multi', createRoom: true, authBits: AuthBits.CREATE_ROOM | AuthBits.AUDIENCE });
    assert.equal(room.authBits, AuthBits.CREATE_ROOM | AuthBits.AUDIENCE);
    const changed = nextEvent(room, 'privilegeChanged');
    const key = signPrivilegeKey({ sdkAppId: TEST_APP_ID, secret: TEST_SECRET, identifier: id, roomId, privilegeMap: AuthBits.DEFAULT });
    await room.changeAuthority(AuthBits.DEFAULT, key);
    assert.deepEqual(await changed, [AuthBits.DEFAULT]);
    assert.equal(room.authBits, AuthBits.DEFAULT);

    const narrow = signPrivilegeKey({ sdkAppId: TEST_APP_ID, secret: TEST_SECRET, identifier: id, roomId, privilegeMap: AuthBits.AUDIENCE });
    await rejectsWithServer(room.changeAuthority(AuthBits.DEFAULT, narrow), 10003, 'AV_ERR_SERVER_NO_PERMISSION', 'AUTH_BITS_EXCEED_KEY');
    await room.changeAuthority(AuthBits.AUDIENCE, narrow);
    assert.equal(room.authBits, AuthBits.AUDIENCE);
  } finally {
    await dispose(ctx);
  }
});

test('a privilege key bounds the bits asked for on entry', async () => {
  const roomId = uniqueRoomId();
  const id = uniqueId('bounded');
  const ctx = await startedContext(server.wsUrl, id);
  try {
    const key = signPrivilegeKey({
      sdkAppId: TEST_APP_ID,
      secret: TEST_SECRET,
      identifier: id,
      roomId,
      privilegeMap: AuthBits.CREATE_ROOM | AuthBits.JOIN_ROOM | AuthBits.RECV_AUDIO,
    });
    const room = await ctx.enterRoom({ roomId, roomType: 'multi', createRoom: true, authBits: AuthBits.DEFAULT, privilegeKey: key });
    assert.equal(room.authBits, AuthBits.CREATE_ROOM | AuthBits.JOIN_ROOM | AuthBits.RECV_AUDIO);
  } finally {
    await dispose(ctx);
  }
});

for (const order of ['enter, then invite', 'invite into a room not made yet, then enter (a call)'] as const) {
  test(`invite → accept → both meet in a pair room: ${order}`, async () => {
    const aliceId = uniqueId('alice');
    const bobId = uniqueId('bob');
    const alice = await startedContext(server.wsUrl, aliceId);
    const bob = await startedContext(server.wsUrl, bobId);
    try {
      const roomId = uniqueRoomId();
      const accepted = new Promise<void>((resolve) =>
        bob.once('invited', (inv: { id: string }) => void bob.acceptInvite(inv.id).then(() => resolve())),
      );
      const enterFirst = order === 'enter, then invite';
      const aliceRoom = enterFirst ? await alice.enterRoom({ roomId, roomType: 'pair', createRoom: true }) : undefined;
      const invited = alice.invite(bobId, { roomId });
      await accepted;
      assert.equal((await invited).roomId, roomId);
      const room = aliceRoom ?? (await alice.enterRoom({ roomId, roomType: 'pair', createRoom: true }));
      const bobEntered = nextEvent(room, 'endpointsUpdate');
      await bob.enterRoom({ roomId, roomType: 'pair', createRoom: false });
      assert.deepEqual(await bobEntered, [EndpointEvent.ENTER, [bobId]]);
    } finally {
      await dispose(alice, bob);
    }
  });
}

test('the last member leaving closes the room', async () => {
  const roomId = uniqueRoomId();
  const a = await startedContext(server.wsUrl, uniqueId('last'));
  try {
    await a.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    await a.exitRoom();
    const err: AVError = await rejectsWithServer(
      a.enterRoom({ roomId, roomType: 'multi', createRoom: false }),
      10009,
      'AV_ERR_SERVER_ROOM_NOT_EXIST',
    );
    assert.ok(err.detail);
  } finally {
    await dispose(a);
  }
});
