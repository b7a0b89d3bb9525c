// The server API (API.md section 6) against a real `hudong serve` process: every endpoint and its
// errors, kick / dismiss / PATCH authBits as Node SDK clients see them, and `hudong api` on top.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AuthBits, AVError, EndpointEvent, ErrorCode } from '@hudong/sdk';
import { ADMIN, api } from '../helpers/api.js';
import { dispose, nextEvent, startedContext, uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { endpointEvent, hostAndViewer } from '../helpers/media.js';
import { loggedIn, type RawClient } from '../helpers/raw-client.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { waitUntil } from '../helpers/wait-until.js';
import { HUDONG_BIN, ServerProcess, TEST_APP_ID, TEST_SECRET, userSigFor } from '../helpers/server.js';

const run = promisify(execFile);
let server: ServerProcess;

before(async () => {
  server = await new ServerProcess({ nodeId: 'solo' }).start();
});
after(async () => {
  await server?.stop();
});

interface ErrorBody {
  code: number;
  codeName: string;
  message: string;
  detail: { code: string; message: string };
}

function assertError(answer: { status: number; body: unknown }, status: number, code: number, subCode: string): void {
  const body = answer.body as ErrorBody;
  assert.equal(answer.status, status, JSON.stringify(body));
  assert.equal(body.code, code);
  assert.match(body.codeName, /^AV_ERR_SERVER_/);
  assert.ok(body.message.length > 0);
  assert.equal(body.detail.code, subCode);
  assert.ok(body.detail.message.length > 0);
}

/** A room with raw-protocol members `ids` (no media). */
async function rawRoom(ids: string[], roomId = uniqueRoomId()) {
  const clients: RawClient[] = [];
  for (const id of ids) {
    const { client } = await loggedIn(server.wsUrl, id);
    await client.call('room.enter', { roomId, roomType: 'multi', authBits: AuthBits.DEFAULT, createRoom: true });
    clients.push(client);
  }
  return { roomId, clients, close: () => clients.forEach((c) => c.close()) };
}

test("auth: no sig, another identifier's sig and another key's sig are 401 10003 with the cause", async () => {
  assertError(await api(server.httpUrl, 'GET', '/rooms', { sig: null }), 401, 10003, 'ADMIN_SIG_MISSING');
  assertError(await api(server.httpUrl, 'GET', '/rooms', { sig: userSigFor('alice') }), 401, 10003, 'USERSIG_WRONG_IDENTIFIER');
  assertError(await api(server.httpUrl, 'GET', '/rooms', { sig: userSigFor(ADMIN, { secret: 'another-key' }) }), 401, 10003, 'USERSIG_BAD_SIGNATURE');
  assertError(
    await api(server.httpUrl, 'GET', '/rooms', { sig: userSigFor(ADMIN, { expireSeconds: 1, now: 1_000_000 }) }),
    401,
    10003,
    'USERSIG_EXPIRED',
  );
  assert.equal((await api(server.httpUrl, 'GET', '/rooms')).status, 200);
});

test('GET /rooms and GET /rooms/:id: counts, creation time, members paged with senders first', async () => {
  const roomId = uniqueRoomId();
  const quietIds = [uniqueId('q1'), uniqueId('q2')];
  const quiet = await rawRoom(quietIds, roomId);
  const sender = uniqueId('sender');
  const ctx = await startedContext(server.wsUrl, sender);
  try {
    await ctx.devices.enableCamera(true);
    await ctx.enterRoom({ roomId, createRoom: false });
    await quiet.clients[0]!.waitFor((f) => f.event === 'room.endpoints' && f.data.event === EndpointEvent.HAS_CAMERA_VIDEO, 15_000);
    const list = await api<{ roomId: number; roomType: string; memberCount: number; createdAt: number }[]>(server.httpUrl, 'GET', '/rooms');
    assert.equal(list.status, 200);
    const entry = list.body.find((r) => r.roomId === roomId);
    assert.ok(entry, JSON.stringify(list.body));
    assert.equal(entry.roomType, 'multi');
    assert.equal(entry.memberCount, 3);
    assert.ok(Math.abs(entry.createdAt - Date.now()) < 60_000);

    type Detail = {
      roomId: number;
      memberCount: number;
      members: { identifier: string; tinyId: string; role: string; authBits: number; hasCameraVideo: boolean; node: string }[];
    };
    const page1 = await api<Detail>(server.httpUrl, 'GET', `/rooms/${roomId}?offset=0&limit=2`);
    assert.equal(page1.status, 200);
    assert.equal(page1.body.memberCount, 3);
    assert.equal(page1.body.members.length, 2);
    assert.equal(page1.body.members[0]!.identifier, sender);
    assert.equal(page1.body.members[0]!.hasCameraVideo, true, 'the sender comes first');
    assert.equal(page1.body.members[0]!.node, 'solo');
    assert.equal(page1.body.members[0]!.authBits, AuthBits.DEFAULT);
    assert.match(page1.body.members[0]!.tinyId, /^\d+$/);
    const page2 = await api<Detail>(server.httpUrl, 'GET', `/rooms/${roomId}?offset=2&limit=2`);
    assert.equal(page2.body.members.length, 1);
    // The quiet members follow in the order they entered.
    assert.deepEqual([page1.body.members[1]!.identifier, page2.body.members[0]!.identifier], quietIds);
    assertError(await api(server.httpUrl, 'GET', `/rooms/${roomId}?limit=0`), 400, 10002, 'BAD_PARAMS');
    assertError(await api(server.httpUrl, 'GET', `/rooms/${roomId}?offset=-1`), 400, 10002, 'BAD_PARAMS');
  } finally {
    quiet.close();
    await dispose(ctx);
  }
});

test('errors: 404 room, 404 member, 400 bad ids and bodies, unknown paths', async () => {
  const { roomId, close } = await rawRoom([uniqueId('m')]);
  try {
    assertError(await api(server.httpUrl, 'GET', '/rooms/4000000000'), 404, 10009, 'ROOM_NOT_FOUND');
    assertError(await api(server.httpUrl, 'DELETE', '/rooms/4000000000'), 404, 10009, 'ROOM_NOT_FOUND');
    assertError(await api(server.httpUrl, 'DELETE', `/rooms/${roomId}/members/nobody`), 404, 10010, 'MEMBER_NOT_FOUND');
    assertError(await api(server.httpUrl, 'PATCH', `/rooms/${roomId}/members/nobody`, { body: { authBits: 3 } }), 404, 10010, 'MEMBER_NOT_FOUND');
    assertError(
      await api(server.httpUrl, 'POST', `/rooms/${roomId}/messages`, { body: { data: 'x', to: 'nobody' } }),
      404,
      10010,
      'MEMBER_NOT_FOUND',
    );
    assertError(await api(server.httpUrl, 'POST', '/rooms/4000000000/messages', { body: { data: 'x' } }), 404, 10009, 'ROOM_NOT_FOUND');
    assertError(await api(server.httpUrl, 'GET', '/rooms/abc'), 400, 10002, 'BAD_PARAMS');
    assertError(await api(server.httpUrl, 'GET', '/rooms/0'), 400, 10002, 'BAD_PARAMS');
    assertError(await api(server.httpUrl, 'PATCH', `/rooms/${roomId}/members/x`, { body: { authBits: 'all' } }), 400, 10002, 'BAD_PARAMS');
    assertError(await api(server.httpUrl, 'PATCH', `/rooms/${roomId}/members/x`, { body: { authBits: 0x100 } }), 400, 10002, 'BAD_PARAMS');
    assertError(await api(server.httpUrl, 'PATCH', `/rooms/${roomId}/members/x`, { body: {} }), 400, 10002, 'BAD_PARAMS');
    assertError(await api(server.httpUrl, 'POST', `/rooms/${roomId}/messages`, { rawBody: '{not json' }), 400, 10002, 'NOT_JSON');
    assertError(await api(server.httpUrl, 'POST', `/rooms/${roomId}/messages`, { body: { data: 42 } }), 400, 10002, 'BAD_PARAMS');
    assertError(await api(server.httpUrl, 'GET', '/nowhere'), 404, 10007, 'UNKNOWN_ENDPOINT');
    assertError(await api(server.httpUrl, 'PUT', '/rooms'), 404, 10007, 'UNKNOWN_ENDPOINT');
  } finally {
    close();
  }
});

test("kick: the member's room emits disconnected 10006 KICKED and is exited; the others see EXIT", async () => {
  const roomId = uniqueRoomId();
  const [aliceId, bobId] = [uniqueId('alice'), uniqueId('bob')];
  const alice = await startedContext(server.wsUrl, aliceId);
  const bob = await startedContext(server.wsUrl, bobId);
  try {
    const aliceRoom = await alice.enterRoom({ roomId });
    const bobRoom = await bob.enterRoom({ roomId, createRoom: false });
    await endpointEvent(aliceRoom, bobId, EndpointEvent.ENTER, () => aliceRoom.endpoints.has(bobId));
    const disconnected = nextEvent(bobRoom, 'disconnected');
    const exit = endpointEvent(aliceRoom, bobId, EndpointEvent.EXIT);
    const answer = await api(server.httpUrl, 'DELETE', `/rooms/${roomId}/members/${encodeURIComponent(bobId)}`);
    assert.equal(answer.status, 200);
    const [reason] = await disconnected;
    assert.ok(reason instanceof AVError);
    assert.equal(reason.code, ErrorCode.AV_ERR_SERVER_ID_NOT_IN_ROOM);
    assert.equal(reason.detail?.code, 'KICKED');
    assert.equal(bobRoom.state, 'exited');
    assert.equal(bob.room, null);
    await exit;
    assert.equal(aliceRoom.state, 'entered');
    assertError(await api(server.httpUrl, 'DELETE', `/rooms/${roomId}/members/${encodeURIComponent(bobId)}`), 404, 10010, 'MEMBER_NOT_FOUND');
    // Kicked is not banned: it may enter again.
    await bob.enterRoom({ roomId, createRoom: false });
  } finally {
    await dispose(alice, bob);
  }
});

test("a kick while the member's connection is down reaches it when it resumes: disconnected 10006 KICKED, not a re-entry", async () => {
  const proxy = await new TcpProxy(server.port).start();
  const roomId = uniqueRoomId();
  const awayId = uniqueId('away');
  const away = await startedContext(proxy.wsUrl, awayId);
  const stay = await startedContext(server.wsUrl, uniqueId('stay'));
  try {
    const awayRoom = await away.enterRoom({ roomId });
    await stay.enterRoom({ roomId, createRoom: false });
    const disconnected = nextEvent(awayRoom, 'disconnected', 20_000);
    proxy.refuse(true);
    proxy.cut();
    await server.waitForLog((l) => l.msg === 'session detached' && l.identifier === awayId, 10_000);
    assert.equal((await api(server.httpUrl, 'DELETE', `/rooms/${roomId}/members/${awayId}`)).status, 200);
    proxy.refuse(false);
    const [reason] = await disconnected;
    assert.equal(reason.code, ErrorCode.AV_ERR_SERVER_ID_NOT_IN_ROOM);
    assert.equal(reason.detail?.code, 'KICKED');
    assert.equal(awayRoom.state, 'exited');
    await waitUntil('the context back online', () => away.connectionState === 'connected', 10_000);
    const members = await api<{ members: { identifier: string }[] }>(server.httpUrl, 'GET', `/rooms/${roomId}`);
    assert.ok(!members.body.members.some((m) => m.identifier === awayId), 'it did not enter again');
  } finally {
    await dispose(away, stay);
    await proxy.close();
  }
});

test("dismiss: every member's room emits disconnected 10009 ROOM_DISMISSED; the room is gone", async () => {
  const roomId = uniqueRoomId();
  const alice = await startedContext(server.wsUrl, uniqueId('alice'));
  const bob = await startedContext(server.wsUrl, uniqueId('bob'));
  try {
    const rooms = [await alice.enterRoom({ roomId }), await bob.enterRoom({ roomId, createRoom: false })];
    const reasons = rooms.map((room) => nextEvent(room, 'disconnected'));
    const answer = await api<{ roomId: number; members: number }>(server.httpUrl, 'DELETE', `/rooms/${roomId}`);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { roomId, members: 2 });
    for (const [reason] of await Promise.all(reasons)) {
      assert.equal(reason.code, ErrorCode.AV_ERR_SERVER_ROOM_NOT_EXIST);
      assert.equal(reason.detail?.code, 'ROOM_DISMISSED');
    }
    assert.deepEqual(
      rooms.map((r) => r.state),
      ['exited', 'exited'],
    );
    assertError(await api(server.httpUrl, 'GET', `/rooms/${roomId}`), 404, 10009, 'ROOM_NOT_FOUND');
  } finally {
    await dispose(alice, bob);
  }
});

test('PATCH authBits: privilegeChanged, and the camera publication that lost its SEND bit ends with 10003', async () => {
  const { host, viewer, hostId, hostRoom, viewerRoom } = await hostAndViewer(server.wsUrl, { camera: true });
  try {
    const bits = AuthBits.DEFAULT & ~AuthBits.SEND_CAMERA_VIDEO;
    const changed = nextEvent(hostRoom, 'privilegeChanged');
    const ended = nextEvent(host.devices, 'publicationEnded');
    const noVideo = endpointEvent(viewerRoom, hostId, EndpointEvent.NO_CAMERA_VIDEO);
    const answer = await api(server.httpUrl, 'PATCH', `/rooms/${hostRoom.roomId}/members/${encodeURIComponent(hostId)}`, {
      body: { authBits: bits },
    });
    assert.deepEqual(answer, { status: 200, body: { authBits: bits } });
    assert.deepEqual(await changed, [bits]);
    const [kind, reason] = await ended;
    assert.equal(kind, 'camera');
    assert.equal(reason.code, ErrorCode.AV_ERR_SERVER_NO_PERMISSION);
    assert.equal(reason.detail?.code, 'AUTH_SEND_CAMERA_VIDEO_MISSING');
    await noVideo;
    assert.equal(hostRoom.authBits, bits);
    const detail = await api<{ members: { identifier: string; authBits: number; hasCameraVideo: boolean }[] }>(
      server.httpUrl,
      'GET',
      `/rooms/${hostRoom.roomId}`,
    );
    const row = detail.body.members.find((m) => m.identifier === hostId)!;
    assert.equal(row.authBits, bits);
    assert.equal(row.hasCameraVideo, false);
  } finally {
    await dispose(host, viewer);
  }
});

test('POST messages: to the room and to one member, from the admin identifier', async () => {
  const roomId = uniqueRoomId();
  const alice = await startedContext(server.wsUrl, uniqueId('alice'));
  const bobId = uniqueId('bob');
  const bob = await startedContext(server.wsUrl, bobId);
  try {
    const aliceRoom = await alice.enterRoom({ roomId });
    const bobRoom = await bob.enterRoom({ roomId, createRoom: false });
    const toAll = Promise.all([nextEvent(aliceRoom, 'message'), nextEvent(bobRoom, 'message')]);
    assert.deepEqual(await api(server.httpUrl, 'POST', `/rooms/${roomId}/messages`, { body: { data: 'hello all' } }), { status: 200, body: {} });
    for (const [from, data] of await toAll) assert.deepEqual([from, data], [ADMIN, 'hello all']);
    const aliceGot: string[] = [];
    aliceRoom.on('message', (_from, data) => aliceGot.push(String(data)));
    const toBob = nextEvent(bobRoom, 'message');
    assert.equal((await api(server.httpUrl, 'POST', `/rooms/${roomId}/messages`, { body: { data: 'just bob', to: bobId } })).status, 200);
    assert.deepEqual(await toBob, [ADMIN, 'just bob']);
    assert.deepEqual(aliceGot, []);
  } finally {
    await dispose(alice, bob);
  }
});

test('GET /nodes: this node alone, with its counts and load', async () => {
  const { close } = await rawRoom([uniqueId('m')]);
  try {
    const answer = await api<{ nodeId: string; rooms: number; members: number; load: number }[]>(server.httpUrl, 'GET', '/nodes');
    assert.equal(answer.status, 200);
    assert.equal(answer.body.length, 1);
    const [node] = answer.body;
    assert.equal(node!.nodeId, 'solo');
    assert.ok(node!.rooms >= 1 && node!.members >= 1);
    assert.ok(node!.load >= 0 && node!.load <= 1);
  } finally {
    close();
  }
});

test('hudong api: tables for an operator, --json for scripts, kick and dismiss', async () => {
  const ids = [uniqueId('cli-a'), uniqueId('cli-b')];
  const { roomId, clients, close } = await rawRoom(ids);
  const env = { ...process.env, HUDONG_SECRET: TEST_SECRET, HUDONG_SDK_APP_ID: String(TEST_APP_ID) };
  const hudong = (...args: string[]) => run(process.execPath, [HUDONG_BIN, 'api', ...args, '--url', server.httpUrl], { env });
  try {
    const rooms = (await hudong('rooms')).stdout;
    assert.match(rooms, /^roomId\s+roomType\s+memberCount\s+createdAt$/m);
    assert.match(rooms, new RegExp(`^${roomId}\\s+multi\\s+2\\s+\\d+$`, 'm'));
    const room = (await hudong('room', String(roomId))).stdout;
    assert.match(room, new RegExp(`^room ${roomId} \\(multi\\), 2 members`));
    for (const id of ids) assert.match(room, new RegExp(`^${id}\\s+\\d+\\s+\\S*\\s+0xff\\s+-\\s+solo$`, 'm'));
    const json = JSON.parse((await hudong('room', String(roomId), '--json')).stdout) as { members: unknown[] };
    assert.equal(json.members.length, 2);
    assert.match((await hudong('nodes')).stdout, /^solo\s+\d+\s+\d+\s+[\d.]+$/m);
    const removed = clients[1]!.event('room.removed');
    assert.match((await hudong('kick', String(roomId), ids[1]!)).stdout, /kicked/);
    assert.equal((await removed).data.error.detail.code, 'KICKED');
    assert.match((await hudong('dismiss', String(roomId))).stdout, /dismissed room .* \(1 members\)/);
    await assert.rejects(hudong('room', String(roomId)), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /404 10009 AV_ERR_SERVER_ROOM_NOT_EXIST \(ROOM_NOT_FOUND/);
      return true;
    });
    await assert.rejects(run(process.execPath, [HUDONG_BIN, 'api', 'rooms', '--url', server.httpUrl, '--secret', 'wrong']), /401 10003/);
  } finally {
    close();
  }
});
