// API.md section 5: `serverUrl` may list the nodes of a cluster. The SDK logs in on the first that
// answers, and when its node dies (SIGKILL) it moves to another node of the list, logs in again and
// re-enters its room there within reconnectTimeoutMs, without the room being lost; the same when its
// node drains (SIGTERM).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AVError } from '@hudong/sdk';
import { dispose, startedContext, uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import type { ServerProcess } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait-until.js';

describe('SDK with a list of cluster nodes', () => {
  let cluster: TestCluster;
  let n1: ServerProcess;
  let n2: ServerProcess;

  before(async () => {
    cluster = await startCluster(2);
    [n1, n2] = cluster.nodes as [ServerProcess, ServerProcess];
  });
  after(() => cluster.stop());

  it('starts on the first node that answers, skipping one that is down', async () => {
    const identifier = uniqueId('skip');
    const ctx = await startedContext(['ws://127.0.0.1:1/ws', n2.wsUrl], identifier);
    try {
      assert.equal(ctx.state, 'started');
      // The log line comes through the process's stdout, after the answer: waited for.
      await waitUntil('logged in on n2', () => n2.logsWith((l) => l.msg === 'logged in' && l.identifier === identifier).length === 1);
    } finally {
      await dispose(ctx);
    }
  });

  it('moves to the next node when its node is killed, and re-enters its room there', async () => {
    const identifier = uniqueId('mover');
    const roomId = uniqueRoomId();
    const ctx = await startedContext([n1.wsUrl, n2.wsUrl], identifier, { reconnectTimeoutMs: 15_000 });
    try {
      const room = await ctx.enterRoom({ roomId, roomType: 'multi', createRoom: true });
      let lost: AVError | undefined;
      room.on('disconnected', (e) => (lost = e));
      const states: string[] = [];
      ctx.on('connectionStateChanged', (s) => states.push(s));
      await n1.kill();
      await waitUntil('reconnected to n2', () => ctx.connectionState === 'connected' && states.length >= 2, 15_000);
      assert.deepEqual(states, ['reconnecting', 'connected']);
      assert.equal(lost, undefined, 'the room was not lost');
      assert.equal(room.state, 'entered');
      await waitUntil('logged in again on n2', () => n2.logsWith((l) => l.msg === 'logged in' && l.identifier === identifier).length === 1);
      await room.sendMessage('still here'); // answered by n2: the room is there
    } finally {
      await dispose(ctx);
      await n1.start();
    }
  });

  it('SIGTERM drains a node: it refuses new clients, its clients move to another node, then it exits', async () => {
    const identifier = uniqueId('drained');
    const roomId = uniqueRoomId();
    const ctx = await startedContext([n1.wsUrl, n2.wsUrl], identifier, { reconnectTimeoutMs: 15_000 });
    try {
      const room = await ctx.enterRoom({ roomId, roomType: 'multi', createRoom: true });
      let lost: AVError | undefined;
      room.on('disconnected', (e) => (lost = e));
      const startedAt = Date.now();
      const exited = n1.terminate();
      await waitUntil('draining', () => n1.logsWith((l) => l.msg === 'draining').length === 1);
      const health = await fetch(`${n1.httpUrl}/healthz`).catch(() => null);
      if (health) {
        // Still up while its client moves: a load balancer is told to send nobody new.
        assert.equal(health.status, 503);
        assert.equal(((await health.json()) as { status: string }).status, 'draining');
      }
      assert.equal(await exited, 0, 'exits by itself, status 0');
      const [drained] = await waitUntil('its drained line', () => {
        const lines = n1.logsWith((l) => l.msg === 'drained');
        return lines.length > 0 ? lines : null;
      });
      assert.equal(drained!.by, 'empty', 'its session moved before the deadline');
      assert.ok(Date.now() - startedAt < 10_000, 'drained within seconds');
      await waitUntil('connected on n2', () => ctx.connectionState === 'connected');
      assert.equal(lost, undefined);
      assert.equal(room.state, 'entered');
      await waitUntil('it moved to n2', () => n2.logsWith((l) => l.msg === 'logged in' && l.identifier === identifier).length === 1);
      await room.sendMessage('moved');
    } finally {
      await dispose(ctx);
      await n1.start();
    }
  });
});
