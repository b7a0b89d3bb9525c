// The server API and webhooks of a two-node cluster (real `hudong serve --redis` processes, a real
// redis-server, a real HTTP receiver): node 2 answers for a room whose members are on node 1 (kick,
// PATCH, messages go to node 1 over NodeBus and its clients hear them), and every webhook event is
// delivered once by the cluster, each room's in order, exits after their entries under churn.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AuthBits, AVError, ErrorCode } from '@hudong/sdk';
import { ADMIN, api, assertRoomLife, churnTold, enterAs, story, WebhookReceiver, type ReceivedEvent } from '../helpers/api.js';
import { dispose, nextEvent, startedContext, uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { loggedIn, type RawClient } from '../helpers/raw-client.js';
import { waitUntil } from '../helpers/wait-until.js';

let receiver: WebhookReceiver;
let cluster: TestCluster;
let n1Url: string;
let n2Http: string;

before(async () => {
  receiver = await new WebhookReceiver().start();
  cluster = await startCluster(2, { config: { webhooks: [receiver.url], webhookRetryMs: 200, messageAckTimeoutMs: 3000 } });
  n1Url = cluster.nodes[0]!.wsUrl;
  n2Http = cluster.nodes[1]!.httpUrl;
});
after(async () => {
  await cluster?.stop();
  await receiver?.stop();
});

const storyOf = (events: ReceivedEvent[]) => story(events, { withNode: true });

test('node 2 answers for a room on node 1: list, members, PATCH, messages, kick, dismiss; /nodes lists both', async () => {
  const roomId = uniqueRoomId();
  const [aliceId, bobId] = [uniqueId('alice'), uniqueId('bob')];
  const alice = await startedContext(n1Url, aliceId);
  const bob = await startedContext(n1Url, bobId);
  try {
    const aliceRoom = await alice.enterRoom({ roomId });
    const bobRoom = await bob.enterRoom({ roomId, createRoom: false });

    const rooms = await api<{ roomId: number; memberCount: number; createdAt: number; roomType: string }[]>(n2Http, 'GET', '/rooms');
    const listed = rooms.body.find((r) => r.roomId === roomId);
    assert.equal(listed?.memberCount, 2, JSON.stringify(rooms.body));
    assert.equal(listed?.roomType, 'multi');
    assert.ok(Math.abs(listed!.createdAt - Date.now()) < 60_000);
    const detail = await api<{ memberCount: number; members: { identifier: string; node: string }[] }>(n2Http, 'GET', `/rooms/${roomId}?limit=1`);
    assert.equal(detail.body.memberCount, 2);
    assert.deepEqual(detail.body.members, [{ ...detail.body.members[0]!, identifier: aliceId, node: 'n1' }]);

    const bits = AuthBits.DEFAULT & ~AuthBits.SEND_AUDIO;
    const changed = nextEvent(bobRoom, 'privilegeChanged');
    assert.deepEqual(await api(n2Http, 'PATCH', `/rooms/${roomId}/members/${bobId}`, { body: { authBits: bits } }), {
      status: 200,
      body: { authBits: bits },
    });
    assert.deepEqual(await changed, [bits]);

    const toAll = Promise.all([nextEvent(aliceRoom, 'message'), nextEvent(bobRoom, 'message')]);
    assert.equal((await api(n2Http, 'POST', `/rooms/${roomId}/messages`, { body: { data: 'to all' } })).status, 200);
    for (const [from, data] of await toAll) assert.deepEqual([from, data], [ADMIN, 'to all']);
    const toBob = nextEvent(bobRoom, 'message');
    assert.equal((await api(n2Http, 'POST', `/rooms/${roomId}/messages`, { body: { data: 'to bob', to: bobId } })).status, 200);
    assert.deepEqual(await toBob, [ADMIN, 'to bob']);

    const kicked = nextEvent(bobRoom, 'disconnected');
    assert.equal((await api(n2Http, 'DELETE', `/rooms/${roomId}/members/${bobId}`)).status, 200);
    const [reason] = await kicked;
    assert.ok(reason instanceof AVError);
    assert.equal(reason.code, ErrorCode.AV_ERR_SERVER_ID_NOT_IN_ROOM);
    assert.equal(reason.detail?.code, 'KICKED');
    assert.equal((await api(n2Http, 'DELETE', `/rooms/${roomId}/members/${bobId}`)).status, 404);

    const dismissed = nextEvent(aliceRoom, 'disconnected');
    assert.deepEqual(await api(n2Http, 'DELETE', `/rooms/${roomId}`), { status: 200, body: { roomId, members: 1 } });
    const [why] = await dismissed;
    assert.equal(why.code, ErrorCode.AV_ERR_SERVER_ROOM_NOT_EXIST);
    assert.equal(why.detail?.code, 'ROOM_DISMISSED');
    await waitUntil('the room gone from the index', async () => (await api(n2Http, 'GET', `/rooms/${roomId}`)).status === 404);
    assert.ok(!(await api<{ roomId: number }[]>(n2Http, 'GET', '/rooms')).body.some((r) => r.roomId === roomId));

    const nodes = await api<{ nodeId: string }[]>(n2Http, 'GET', '/nodes');
    assert.deepEqual(nodes.body.map((n) => n.nodeId).sort(), ['n1', 'n2']);
    assert.equal((await api(n2Http, 'GET', '/rooms/4000000000')).status, 404);
    assert.equal((await api(n2Http, 'DELETE', '/rooms/4000000000')).status, 404);
  } finally {
    await dispose(alice, bob);
  }
});

test("webhooks of a room across both nodes: each event once, in the room's order, from the node it happened on", async () => {
  const roomId = uniqueRoomId();
  const [a, b] = [uniqueId('a'), uniqueId('b')];
  const { client: ca } = await loggedIn(cluster.nodes[0]!.wsUrl, a);
  const { client: cb } = await loggedIn(cluster.nodes[1]!.wsUrl, b);
  try {
    await enterAs(ca, roomId);
    await enterAs(cb, roomId, false);
    await cb.call('room.exit', {});
    await ca.call('room.exit', {});
    await waitUntil('room.destroyed', () => receiver.ofRoom(roomId).some((e) => e.event === 'room.destroyed'), 10_000);
    // Both nodes could deliver: only one does, once.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.deepEqual(storyOf(receiver.ofRoom(roomId)), [
      'room.created n1',
      `member.entered ${a} n1`,
      `member.entered ${b} n2`,
      `member.exited ${b} left n2`,
      `member.exited ${a} left n1`,
      'room.destroyed n1',
    ]);
    const ids = receiver.ofRoom(roomId).map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(receiver.badSignatures, []);
  } finally {
    ca.close();
    cb.close();
  }
});

test('churn across nodes: 60 members joining and leaving twice, racing over 3 rooms: exits after entries, each event once', async () => {
  const rooms = Array.from({ length: 3 }, () => uniqueRoomId());
  const ids = Array.from({ length: 60 }, (_, i) => uniqueId(`churn${i}`));
  const clients: RawClient[] = [];
  const round = async (id: string, i: number, node: number) => {
    const { client } = await loggedIn(cluster.nodes[node]!.wsUrl, id);
    clients.push(client);
    await enterAs(client, rooms[i % rooms.length]!);
    if (i % 2 === 0) await client.call('room.exit', {});
    else await client.call('logout', {});
  };
  try {
    await Promise.all(ids.map((id, i) => round(id, i, i % 2).then(() => round(id, i, (i + 1) % 2))));
    const events = await churnTold(receiver, rooms, 120, 30_000);
    assert.equal(events.filter((e) => e.event === 'member.entered').length, 120);
    for (const roomId of rooms)
      assertRoomLife(
        roomId,
        events.filter((e) => e.roomId === roomId),
      );
    const taken = events.map((e) => e.id);
    assert.equal(new Set(taken).size, taken.length, 'each event once per cluster');
  } finally {
    for (const c of clients) c.close();
  }
});

test("publish events come from the script that changed the member's flags, in the room's order", async () => {
  const roomId = uniqueRoomId();
  const hostId = uniqueId('host');
  const host = await startedContext(n1Url, hostId);
  try {
    await host.enterRoom({ roomId });
    await host.devices.enableCamera(true);
    await waitUntil('publish.started', () => receiver.ofRoom(roomId).some((e) => e.event === 'publish.started'), 15_000);
    await host.devices.enableCamera(false);
    await host.exitRoom();
    await waitUntil('room.destroyed', () => receiver.ofRoom(roomId).some((e) => e.event === 'room.destroyed'), 10_000);
    assert.deepEqual(storyOf(receiver.ofRoom(roomId)), [
      'room.created n1',
      `member.entered ${hostId} n1`,
      `publish.started ${hostId} camera n1`,
      `publish.stopped ${hostId} camera n1`,
      `member.exited ${hostId} left n1`,
      'room.destroyed n1',
    ]);
  } finally {
    await dispose(host);
  }
});

test('the delivering node SIGKILLed: the other takes over after its lease and delivers the events that follow', async () => {
  const delivers = (node: (typeof cluster.nodes)[number]) =>
    node.logs.filter((l) => String(l.msg).startsWith('webhook delivery: this node delivers')).length;
  const leader = cluster.nodes.find((n) => delivers(n) > 0)!;
  assert.ok(leader, 'one node delivers');
  assert.equal(cluster.nodes.filter((n) => delivers(n) > 0).length, 1, 'only one node delivers');
  const survivor = cluster.nodes.find((n) => n !== leader)!;
  await leader.kill();
  const roomId = uniqueRoomId();
  const id = uniqueId('after');
  const { client } = await loggedIn(survivor.wsUrl, id);
  try {
    await enterAs(client, roomId);
    await client.call('room.exit', {});
    await waitUntil('the survivor delivers', () => receiver.ofRoom(roomId).some((e) => e.event === 'room.destroyed'), 10_000);
    assert.equal(delivers(survivor), 1);
    const events = receiver.ofRoom(roomId);
    assert.deepEqual(
      events.map((e) => e.event),
      ['room.created', 'member.entered', 'member.exited', 'room.destroyed'],
    );
    assert.equal(new Set(events.map((e) => e.id)).size, events.length);
  } finally {
    client.close();
  }
});
