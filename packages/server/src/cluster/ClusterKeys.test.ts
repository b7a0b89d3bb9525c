import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterKeys } from './ClusterKeys.js';

const keys = new ClusterKeys(1400000001);

test('every key and channel starts with hudong:{sdkAppId}: so that apps sharing a Redis never meet', () => {
  const names = [
    keys.node('n1'),
    keys.nodes,
    keys.nodeSessions('n1'),
    keys.tinyById,
    keys.tinyByTiny,
    keys.session('alice'),
    keys.cleanup('n1'),
    keys.toNode('n1'),
    keys.broadcast,
  ];
  for (const name of names) assert.ok(name.startsWith('hudong:1400000001:'), name);
  const other = new ClusterKeys(1400000002);
  assert.notEqual(other.session('alice'), keys.session('alice'));
  assert.notEqual(other.tinyById, keys.tinyById);
});

test('names are the documented ones (docs/cluster.md)', () => {
  assert.deepEqual(
    [keys.node('host:1'), keys.nodes, keys.nodeSessions('host:1'), keys.session('alice'), keys.cleanup('host:1'), keys.toNode('host:1')],
    [
      'hudong:1400000001:node:host:1',
      'hudong:1400000001:nodes',
      'hudong:1400000001:node-sessions:host:1',
      'hudong:1400000001:session:alice',
      'hudong:1400000001:cleanup:host:1',
      'hudong:1400000001:to:host:1',
    ],
  );
  assert.deepEqual(
    [keys.tinyById, keys.tinyByTiny, keys.broadcast],
    ['hudong:1400000001:tiny:byId', 'hudong:1400000001:tiny:byTiny', 'hudong:1400000001:nodes'],
  );
});

test("a node's registration and its session set stay apart whatever the node id", () => {
  // node:{id} and node-sessions:{id} differ in their first segment, so no node id makes them collide.
  assert.notEqual(keys.node('a'), keys.nodeSessions('a'));
  assert.notEqual(keys.node('sessions:a'), keys.nodeSessions('a'));
});
