// NodeBus over RedisLink against a real redis-server: messages to one node and to all, malformed ones
// dropped with a log line, several handlers on one SUBSCRIBE, and the subscriptions restored after
// Redis restarted — including one made while Redis was away (why RedisLink does not rely on ioredis'
// autoResubscribe).
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { after, before, describe, it } from 'node:test';
import { RedisProcess } from '../../../../tests/helpers/redis.js';
import { waitUntil } from '../../../../tests/helpers/wait-until.js';
import { ClusterKeys } from './ClusterKeys.js';
import type { ClusterMessageOf } from './messages.js';
import { NodeBus } from './NodeBus.js';
import { RedisLink } from './RedisLink.js';

const keys = new ClusterKeys(1400000001);
type Replace = ClusterMessageOf<'session.replace'>;
const replace = (identifier: string): Replace => ({ type: 'session.replace', identifier, sessionId: `s-${identifier}` });

interface Node {
  link: RedisLink;
  bus: NodeBus;
  received: [Replace, string][];
  logs: Record<string, unknown>[];
}

describe('NodeBus on RedisLink', () => {
  const redis = new RedisProcess();
  const nodes: Node[] = [];
  let n1: Node;
  let n2: Node;

  async function startNode(nodeId: string): Promise<Node> {
    const logs: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    const link = new RedisLink({ url: redis.url, logger, commandTimeoutMs: 1000 });
    await link.connect();
    const bus = new NodeBus({ link, keys, nodeId, logger });
    await bus.start();
    const node: Node = { link, bus, received: [], logs };
    bus.on('session.replace', (message, from) => node.received.push([message, from]));
    nodes.push(node);
    return node;
  }
  const numsub = async (channel: string) => Number((await redis.cli('PUBSUB', 'NUMSUB', channel)).split('\n')[1]);

  before(async () => {
    await redis.start();
    [n1, n2] = [await startNode('n1'), await startNode('n2')];
  });
  after(async () => {
    for (const { link } of nodes) link.close();
    await redis.stop();
  });

  it('sends to one node, broadcasts to the others (not back to the sender), with the sender named', async () => {
    assert.equal(await n1.bus.send('n2', replace('alice')), true, 'n2 was listening');
    assert.equal(await n1.bus.send('nobody', replace('ghost')), false, 'a node that is not there');
    await n1.bus.broadcast(replace('bob'));
    await waitUntil('n2 to get both', () => n2.received.length === 2, 2000, 10);
    assert.deepEqual(n2.received, [
      [replace('alice'), 'n1'],
      [replace('bob'), 'n1'],
    ]);
    assert.deepEqual(n1.received, [], 'a broadcast is for the others');
  });

  it('drops a malformed message with a log line and goes on', async () => {
    n2.received.length = 0;
    await n1.link.publish(keys.toNode('n2'), '{"from":"n1","message":{"type":"session.replace"}}');
    await n1.link.publish(keys.toNode('n2'), 'garbage');
    await n1.bus.send('n2', replace('carol'));
    await waitUntil('the valid message', () => n2.received.length === 1, 2000, 10);
    assert.deepEqual(n2.received, [[replace('carol'), 'n1']]);
    const dropped = n2.logs.filter((l) => l.msg === 'cluster message dropped');
    assert.equal(dropped.length, 2);
    assert.match(String(dropped[0]!.reason), /message\.identifier: .*; message\.sessionId: /);
    assert.equal(dropped[1]!.reason, 'not JSON');
  });

  it('shares one SUBSCRIBE among the handlers of a channel', async () => {
    const channel = `${keys.broadcast}:test`;
    const got: string[] = [];
    const first = (p: string) => got.push(`first ${p}`);
    const second = (p: string) => got.push(`second ${p}`);
    await n1.link.subscribe(channel, first);
    await n1.link.subscribe(channel, second);
    assert.equal(await numsub(channel), 1);
    await n2.link.publish(channel, 'x');
    await waitUntil('both handlers', () => got.length === 2, 2000, 10);
    await n1.link.unsubscribe(channel, first);
    assert.equal(await numsub(channel), 1, 'still subscribed for the second handler');
    await n2.link.publish(channel, 'y');
    await waitUntil('the second handler', () => got.length === 3, 2000, 10);
    assert.deepEqual(got, ['first x', 'second x', 'second y']);
    await n1.link.unsubscribe(channel, second);
    assert.equal(await numsub(channel), 0);
  });

  it('restores every subscription after Redis restarted, also one added while Redis was away', async () => {
    n2.received.length = 0;
    const events: string[] = [];
    n2.link.on('down', () => events.push('down')).on('up', () => events.push('up'));
    await redis.stop();
    await waitUntil('both links to notice', () => !n1.link.ready && !n2.link.ready, 5000, 20);
    const late: string[] = [];
    await n2.link.subscribe(`${keys.broadcast}:late`, (p) => late.push(p));

    await redis.start();
    await waitUntil('both links back', () => n1.link.ready && n2.link.ready, 5000, 20);
    await waitUntil(
      'the subscriptions restored',
      async () => (await numsub(keys.toNode('n2'))) === 1 && (await numsub(`${keys.broadcast}:late`)) === 1,
      3000,
      20,
    );
    assert.deepEqual(events, ['down', 'up']);
    await n1.bus.send('n2', replace('dave'));
    await n1.link.publish(`${keys.broadcast}:late`, 'hello');
    await waitUntil('both messages', () => n2.received.length === 1 && late.length === 1, 2000, 10);
    assert.deepEqual(n2.received, [[replace('dave'), 'n1']]);
    assert.deepEqual(late, ['hello']);
    const states = n2.logs.filter((l) => l.msg === 'redis down' || l.msg === 'redis up').map((l) => l.msg);
    assert.deepEqual(states, ['redis up', 'redis down', 'redis up'], 'each state change logged once');
  });
});
