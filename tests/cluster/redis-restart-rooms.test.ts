// Issue 11: "Redis restart: a join after it succeeds". Two nodes; Redis restarts without its data;
// the nodes rejoin by themselves, and a room opened afterwards spans them again: created on node 2,
// joined from node 1 with createRoom:false, each member told of the other.
// (Rooms that existed before the restart are not written back to Redis: docs/cluster.md says so.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { loggedIn, type RawClient } from '../helpers/raw-client.js';
import { uniqueId, uniqueRoomId } from '../helpers/clients.js';
import type { ServerProcess } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait-until.js';

const ENTER = 1;

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

  it('a room opened after Redis lost its data spans both nodes again', async () => {
    const [n1, n2] = cluster.nodes as [ServerProcess, ServerProcess];
    const login = async (node: ServerProcess, identifier: string) => {
      const { client } = await loggedIn(node.wsUrl, identifier, {}, { keepAliveMs: 2000, autoAck: true });
      clients.push(client);
      return client;
    };
    await cluster.redis.restart();
    const nodesListed = async (node: ServerProcess) =>
      ((await (await fetch(`${node.httpUrl}/healthz`)).json()) as { cluster: { nodes: string[]; redis: string } }).cluster;
    await waitUntil('both nodes listed again, Redis up', async () =>
      (await Promise.all([n1, n2].map(nodesListed))).every((c) => c.redis === 'up' && c.nodes.length === 2),
    );
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
});
