// resolveConfig: the media socket option (iceUdpMux) and the cluster options — their defaults and checks.
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

test('the media limits: defaults, ranges, and a packet store of a power of two', () => {
  const config = resolveConfig(base);
  assert.deepEqual([config.maxViewsPerMember, config.retransmissionPackets, config.maxRtpPacketBytes, config.mediaFdReserve], [64, 1024, 1500, 64]);
  assert.equal(resolveConfig({ ...base, mediaFdReserve: 0 }).mediaFdReserve, 0, '0 turns the check off');
  assert.throws(() => resolveConfig({ ...base, retransmissionPackets: 1000 }), {
    name: 'TypeError',
    message: /retransmissionPackets must be a power of two/,
  });
  assert.throws(() => resolveConfig({ ...base, maxViewsPerMember: 0 }), { name: 'TypeError', message: /maxViewsPerMember/ });
  assert.throws(() => resolveConfig({ ...base, maxRtpPacketBytes: 100 }), { name: 'TypeError', message: /maxRtpPacketBytes/ });
});
