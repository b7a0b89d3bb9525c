// Issue 11: "Redis restart: a join after it succeeds". Two nodes; Redis restarts without its data;
// the nodes rejoin by themselves, and a room opened afterwards spans them again: created on node 2,
// joined from node 1 with createRoom:false, each member told of the other. A room that was live
// before is written back by its nodes: a newcomer finds it whole. The same write-back after a node was
// silent long enough (SIGSTOP) for the other to take it for lost and take its members out.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { loggedIn, type RawClient } from '../helpers/raw-client.js';
import { uniqueId, uniqueRoomId } from '../helpers/clients.js';
import type { ServerProcess } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait-until.js';

const ENTER = 1;
const EXIT = 2;

type EndpointsFrame = { type: 'event'; event: 'room.endpoints'; data: { event: number; members: { identifier: string }[] } };
const endpoints = (event: number, identifier: string) => (f: { type: string; event?: string; data?: unknown }) =>
  f.type === 'event' &&
  f.event === 'room.endpoints' &&
  (f as EndpointsFrame).data.event === event &&
  (f as EndpointsFrame).data.members.some((m) => m.identifier === identifier);

describe('rooms after a Redis restart', () => {
  let cluster: TestCluster;
  const clients: RawClient[] = [];
  before(async () => {
    cluster = await startCluster(2);
  });
  after(async () => {
    for (const c of clients) c.terminate();
    await cluster.stop();
  });

  const login = async (node: ServerProcess, identifier: string) => {
    const { client } = await loggedIn(node.wsUrl, identifier, {}, { keepAliveMs: 2000, autoAck: true });
    clients.push(client);
    return client;
  };
  const bothListed = async () => {
    const listed = async (node: ServerProcess) =>
      ((await (await fetch(`${node.httpUrl}/healthz`)).json()) as { cluster: { nodes: string[]; redis: string } }).cluster;
    await waitUntil('both nodes listed again, Redis up', async () =>
      (await Promise.all(cluster.nodes.map(listed))).every((c) => c.redis === 'up' && c.nodes.length === 2),
    );
  };
  /** A room with a member on each node; `newcomer` of node 1 then joins it with createRoom:false and must find both. */
  const liveRoom = async () => {
    const [n1, n2] = cluster.nodes as [ServerProcess, ServerProcess];
    const roomId = uniqueRoomId();
    const [aId, bId] = [uniqueId('on-n1'), uniqueId('on-n2')];
    const a = await login(n1, aId);
    const b = await login(n2, bId);
    await a.call('room.enter', { roomId, roomType: 'multi', authBits: 0xff, createRoom: true });
    await b.call('room.enter', { roomId, roomType: 'multi', authBits: 0xff, createRoom: false });
    await a.waitFor(endpoints(ENTER, bId));
    const joinsWhole = async () => {
      const newcomerId = uniqueId('newcomer');
      const newcomer = await login(n1, newcomerId);
      const snapshot = await newcomer.call('room.enter', { roomId, roomType: 'multi', authBits: 0xff, createRoom: false });
      assert.deepEqual(snapshot.members.map((m) => m.identifier).sort(), [aId, bId].sort(), 'the newcomer finds both earlier members');
      assert.equal(snapshot.memberCount, 3);
      await b.waitFor(endpoints(ENTER, newcomerId), 10_000);
    };
    return { roomId, a, b, aId, bId, joinsWhole };
  };

  it('a room opened after Redis lost its data spans both nodes again', async () => {
    const [n1, n2] = cluster.nodes as [ServerProcess, ServerProcess];
    await cluster.redis.restart();
    await bothListed();
    const roomId = uniqueRoomId();
    const [creatorId, joinerId] = [uniqueId('creator'), uniqueId('joiner')];
    const creator = await login(n2, creatorId);
    const joiner = await login(n1, joinerId);
    await creator.call('room.enter', { roomId, roomType: 'multi', authBits: 0xff, createRoom: true });
    const snapshot = await joiner.call('room.enter', { roomId, roomType: 'multi', authBits: 0xff, createRoom: false });
    assert.deepEqual(
      snapshot.members.map((m) => m.identifier),
      [creatorId],
      "the joiner on node 1 finds the room of node 2's member",
    );
    assert.equal(snapshot.memberCount, 2);
    const told = await creator.waitFor((f) => f.type === 'event' && f.event === 'room.endpoints' && (f.data as { event: number }).event === ENTER);
    assert.deepEqual(
      (told as { data: { members: { identifier: string }[] } }).data.members.map((m) => m.identifier),
      [joinerId],
    );
  });

  it('a room that was live when Redis lost its data is written back: a newcomer finds both members', async () => {
    const room = await liveRoom();
    await cluster.redis.restart();
    await bothListed();
    await waitUntil('both members written back to Redis', async () => {
      const held = await cluster.redis.cli('HKEYS', `hudong:1400000001:room:${room.roomId}:members`).catch(() => '');
      return held.split('\n').filter(Boolean).length === 2;
    });
    await room.joinsWhole();
    // The members still reach each other.
    await room.a.call('room.message', { data: 'after the restart' });
    await room.b.waitFor((f) => f.type === 'event' && f.event === 'room.message' && (f.data as { data: string }).data === 'after the restart');
  });

  it('a node silent long enough to be taken for lost writes its members back when it wakes', async () => {
    const room = await liveRoom();
    const n2 = cluster.nodes[1]!;
    process.kill(n2.pid!, 'SIGSTOP');
    try {
      // Node 1 takes node 2 for lost (3 heartbeats) and takes its member out: member a sees it leave.
      await room.a.waitFor(endpoints(EXIT, room.bId), 10_000);
    } finally {
      process.kill(n2.pid!, 'SIGCONT');
    }
    // Node 2 wakes, registers again and writes its member back: a sees it come back, nothing else.
    await room.a.waitFor(endpoints(ENTER, room.bId), 10_000);
    await room.joinsWhole();
  });
});
