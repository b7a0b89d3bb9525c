// The cluster's foundation with real `hudong serve --redis` processes on a real redis-server: tinyIds
// and lookups the same on every node, a login on one node replacing the session on another (10008 as
// on one node), nodes listed in /healthz and a SIGKILLed one lost once by each survivor, a Redis that
// restarted without its data rejoined by itself, and the refusals at start (no Redis, node id taken).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ClusterKeys } from '../../packages/server/src/cluster/ClusterKeys.js';
import { loggedIn, RawClient } from '../helpers/raw-client.js';
import { RedisProcess } from '../helpers/redis.js';
import { ServerProcess, TEST_APP_ID, type LogLine } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait-until.js';

const HEARTBEAT_MS = 250;
const keys = new ClusterKeys(TEST_APP_ID);

interface Health {
  node: string;
  cluster?: { nodeId: string; nodes: string[]; redis: 'up' | 'down' };
}

async function health(node: ServerProcess): Promise<Health> {
  return (await (await fetch(`${node.httpUrl}/healthz`)).json()) as Health;
}

/** The node's `hudong_sessions` gauge: the sessions it holds. */
async function sessionCount(node: ServerProcess): Promise<number> {
  const text = await (await fetch(`${node.httpUrl}/metrics`)).text();
  return Number(/^hudong_sessions (\d+)$/m.exec(text)?.[1]);
}

const nodeLostLines = (node: ServerProcess, lost: string) => node.logsWith((l: LogLine) => l.msg === 'node lost' && l.nodeId === lost);

describe('cluster foundation: hudong serve --redis', () => {
  const redis = new RedisProcess();
  const servers: ServerProcess[] = [];
  const clients: RawClient[] = [];
  let n1: ServerProcess;
  let n2: ServerProcess;
  let n3: ServerProcess;

  const node = (nodeId: string, extra: Partial<ConstructorParameters<typeof ServerProcess>[0]> = {}) => {
    const server = new ServerProcess({ redisUrl: redis.url, nodeId, config: { clusterHeartbeatMs: HEARTBEAT_MS }, ...extra });
    servers.push(server);
    return server;
  };
  const login = async (server: ServerProcess, identifier: string) => {
    const r = await loggedIn(server.wsUrl, identifier, {}, { keepAliveMs: 2000 });
    clients.push(r.client);
    return r;
  };

  before(async () => {
    await redis.start();
    [n1, n2, n3] = await Promise.all([node('n1').start(), node('n2').start(), node('n3').start()]);
  });
  after(async () => {
    for (const client of clients) client.terminate();
    await Promise.all(servers.map((s) => s.stop()));
    await redis.stop();
  });

  it('gives one identifier the same tinyId on every node, and the lookups agree', async () => {
    const first = await login(n1, 'alice');
    first.client.terminate();
    const second = await login(n2, 'alice');
    assert.equal(second.login.tinyId, first.login.tinyId);
    assert.equal(second.login.node, 'n2');
    const newcomer = await login(n3, 'newcomer');

    for (const server of [n1, n2, n3]) {
      const { client } = await login(server, `asker-on-${server.options.nodeId}`);
      const { tinyIds } = await client.call('identity.toTinyIds', { identifiers: ['alice', 'newcomer', 'nobody'] });
      assert.deepEqual(tinyIds, [first.login.tinyId, newcomer.login.tinyId, null], `toTinyIds on ${server.options.nodeId}`);
      const { identifiers } = await client.call('identity.toIdentifiers', { tinyIds: [first.login.tinyId, newcomer.login.tinyId, '12345'] });
      assert.deepEqual(identifiers, ['alice', 'newcomer', null], `toIdentifiers on ${server.options.nodeId}`);
    }
  });

  it('a login on node 2 replaces the session on node 1 as a same-node login does: session.replaced 10008, close 4001, EXIT', async () => {
    const { client: bob } = await login(n1, 'bob');
    const { client: dave } = await login(n1, 'dave');
    await bob.call('room.enter', { roomId: 1, roomType: 'multi', authBits: 0xff, createRoom: true });
    await dave.call('room.enter', { roomId: 1, roomType: 'multi', authBits: 0xff, createRoom: true });
    assert.equal((await bob.event('room.endpoints')).data.event, 1, 'bob saw dave enter');
    const before = await sessionCount(n1);

    const { login: result } = await login(n2, 'bob');
    assert.equal(result.resumed, false);
    const replaced = await bob.event('session.replaced');
    assert.deepEqual([replaced.data.error.code, replaced.data.error.detail.code], [10008, 'SESSION_REPLACED']);
    assert.equal((await bob.closed).code, 4001);
    const exit = await dave.event('room.endpoints');
    assert.equal(exit.data.event, 2);
    assert.deepEqual(
      exit.data.members.map((m) => m.identifier),
      ['bob'],
    );
    await waitUntil('node 1 to drop the session', async () => (await sessionCount(n1)) === before - 1, 3000, 50);
    const line = await n1.waitForLog((l) => l.msg === 'session replaced by a login on another node' && l.identifier === 'bob');
    assert.equal(line.by, 'n2');
    assert.equal(dave.isOpen, true, 'the others on node 1 are undisturbed');
  });

  it('lists every node in /healthz; a node killed with SIGKILL leaves the lists within 3 heartbeats + 1 s, lost once on each survivor', async () => {
    for (const server of [n1, n2, n3]) {
      await waitUntil(`${server.options.nodeId} to list 3 nodes`, async () => (await health(server)).cluster?.nodes.length === 3, 3000, 50);
      assert.deepEqual(await health(server), {
        status: 'ok',
        node: server.options.nodeId,
        rooms: server === n1 ? 1 : 0,
        members: server === n1 ? 1 : 0,
        cluster: { nodeId: server.options.nodeId, nodes: ['n1', 'n2', 'n3'], redis: 'up' },
      });
    }
    await login(n3, 'carol');
    assert.equal(await redis.cli('EXISTS', keys.session('carol')), '1');
    const heldByN3 = await sessionCount(n3);

    await n3.kill();
    const killedAt = Date.now();
    await waitUntil(
      'n3 to leave both lists',
      async () => {
        const lists = await Promise.all([n1, n2].map(async (s) => (await health(s)).cluster!.nodes));
        return lists.every((nodes) => nodes.join() === 'n1,n2');
      },
      5000,
      25,
    );
    const elapsed = Date.now() - killedAt;
    assert.ok(elapsed <= 3 * HEARTBEAT_MS + 1000, `n3 left the lists ${elapsed} ms after its death`);

    for (const survivor of [n1, n2]) await survivor.waitForLog((l) => l.msg === 'node lost' && l.nodeId === 'n3');
    await sleep(4 * HEARTBEAT_MS);
    assert.deepEqual([nodeLostLines(n1, 'n3').length, nodeLostLines(n2, 'n3').length], [1, 1], 'nodeLost fires once on each survivor');
    const cleanups = [n1, n2].flatMap((s) => s.logsWith((l) => l.msg === "forgot a lost node's sessions" && l.lostNodeId === 'n3'));
    assert.equal(cleanups.length, 1, 'one survivor cleans up');
    assert.equal(cleanups[0]!.sessions, heldByN3, 'every session n3 held');
    assert.equal(await redis.cli('EXISTS', keys.session('carol')), '0', "the lost node's session key is gone");
  });

  it('rejoins a Redis restarted without its data, with no node lost: logins work, sessions stay one per identifier', async () => {
    const { client: erin } = await login(n1, 'erin');
    const lostBefore = [n1, n2].map((s) => s.logsWith((l) => l.msg === 'node lost').length);

    // The nodes write their keys again within a second of the restart, so Redis is not looked at empty:
    // a key no node writes shows that the data is gone.
    await redis.cli('SET', 'hudong-test:probe', '1');
    await redis.restart();
    assert.equal(await redis.cli('EXISTS', 'hudong-test:probe'), '0', 'the restarted Redis lost its data');
    await waitUntil(
      'both nodes in both lists again',
      async () => {
        const views = await Promise.all([n1, n2].map(health));
        return views.every((h) => h.cluster?.redis === 'up' && h.cluster.nodes.join() === 'n1,n2');
      },
      5000,
      50,
    );
    // The session erin holds on n1 is written again by n1 itself.
    await waitUntil('n1 to write its sessions again', async () => (await redis.cli('EXISTS', keys.session('erin'))) === '1', 5000, 50);

    const { login: frank } = await login(n2, 'frank');
    assert.match(frank.tinyId, /^\d+$/);
    await login(n2, 'erin');
    const replaced = await erin.event('session.replaced');
    assert.equal(replaced.data.error.code, 10008);

    await sleep(4 * HEARTBEAT_MS);
    assert.deepEqual(
      [n1, n2].map((s) => s.logsWith((l) => l.msg === 'node lost').length),
      lostBefore,
      'the restart made nobody lost',
    );
  });

  it('refuses to start without a reachable Redis, naming its URL; --redis wins over HUDONG_REDIS_URL; nodes joining and leaving are seen', async () => {
    await assert.rejects(node('unreachable', { redisUrl: 'redis://127.0.0.1:1' }).start(), (err: Error) => {
      assert.match(err.message, /exited with 1 .*hudong serve: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/s);
      assert.doesNotMatch(err.message, /\n\s+at /, 'the cause, without a stack trace');
      return true;
    });
    await assert.rejects(
      node('from-env', { redisUrl: undefined, env: { HUDONG_REDIS_URL: 'redis://127.0.0.1:1' } }).start(),
      /exited with 1 .*cannot reach Redis at redis:\/\/127\.0\.0\.1:1/s,
    );
    const flagWins = await node('flag-wins', { env: { HUDONG_REDIS_URL: 'redis://127.0.0.1:1' } }).start();
    assert.equal((await health(flagWins)).cluster?.nodeId, 'flag-wins');
    await n1.waitForLog((l) => l.msg === 'node joined' && l.nodeId === 'flag-wins');
    await flagWins.stop();
    // A stopped node removes its registration: the others see it gone at their next heartbeat, not after 3.
    const stoppedAt = Date.now();
    await n1.waitForLog((l) => l.msg === 'node lost' && l.nodeId === 'flag-wins');
    assert.ok(Date.now() - stoppedAt < 2 * HEARTBEAT_MS + 500, `lost ${Date.now() - stoppedAt} ms after it stopped`);
  });

  it('refuses a second live node with the same node id', async () => {
    await assert.rejects(node('n1').start(), /exited with 1 .*node id "n1" is already live/s);
    assert.equal((await health(n1)).cluster?.nodeId, 'n1', 'the first n1 runs on');
  });
});
