// resolveConfig: the media socket option (iceUdpMux), the cluster options and those of the server API and webhooks — their defaults and checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SERVER_DEFAULTS, resolveConfig } from './config.js';

const base = { secret: 'config-test-secret', demoDir: '/nonexistent' };

test('iceUdpMux defaults to one UDP socket for every media transport; false is kept', () => {
  assert.equal(SERVER_DEFAULTS.iceUdpMux, true);
  assert.equal(resolveConfig(base).iceUdpMux, true);
  assert.equal(resolveConfig({ ...base, iceUdpMux: false }).iceUdpMux, false);
});

test('iceUdpMux must be a boolean (a config file saying "false" is refused, not taken as true)', () => {
  assert.throws(() => resolveConfig({ ...base, iceUdpMux: 'false' as unknown as boolean }), { name: 'TypeError', message: /iceUdpMux/ });
});

test('a single node unless redisUrl is given; the cluster heartbeat defaults to 1 s', () => {
  assert.equal(resolveConfig(base).redisUrl, undefined);
  assert.equal(resolveConfig(base).clusterHeartbeatMs, 1000);
  assert.equal(resolveConfig({ ...base, redisUrl: 'redis://10.0.0.5:6379/2' }).redisUrl, 'redis://10.0.0.5:6379/2');
  assert.equal(resolveConfig({ ...base, redisUrl: 'rediss://cache.example:6380' }).redisUrl, 'rediss://cache.example:6380');
});

test('redisUrl must be a redis:// URL, and the refusal does not echo it (it may carry a password)', () => {
  for (const redisUrl of ['10.0.0.5:6379', 'http://user:hunter2@cache:6379', 'redis://', '']) {
    assert.throws(
      () => resolveConfig({ ...base, redisUrl }),
      (err: Error) => err.name === 'TypeError' && /redisUrl/.test(err.message) && !err.message.includes('hunter2'),
      redisUrl,
    );
  }
  assert.throws(() => resolveConfig({ ...base, clusterHeartbeatMs: 10 }), { name: 'TypeError', message: /clusterHeartbeatMs/ });
  assert.throws(() => resolveConfig({ ...base, nodeId: '' }), { name: 'TypeError', message: /nodeId/ });
});

test('the server API and webhook options: defaults, and what is refused', () => {
  const config = resolveConfig(base);
  assert.equal(config.adminIdentifier, 'administrator');
  assert.deepEqual(config.webhooks, []);
  assert.equal(config.webhookRetryForMs, 60_000);
  assert.deepEqual(resolveConfig({ ...base, webhooks: ['https://hooks.example/x'] }).webhooks, ['https://hooks.example/x']);
  assert.throws(() => resolveConfig({ ...base, webhooks: ['ftp://x'] }), { name: 'TypeError', message: /webhooks/ });
  assert.throws(() => resolveConfig({ ...base, webhooks: 'http://x' as unknown as string[] }), { name: 'TypeError', message: /webhooks/ });
  assert.throws(() => resolveConfig({ ...base, adminIdentifier: 'two words' }), { name: 'TypeError', message: /adminIdentifier/ });
  // The contract retries for at least 60 s.
  assert.throws(() => resolveConfig({ ...base, webhookRetryForMs: 59_999 }), { name: 'TypeError', message: /webhookRetryForMs/ });
  assert.throws(() => resolveConfig({ ...base, webhookQueueLimit: 0 }), { name: 'TypeError', message: /webhookQueueLimit/ });
});
