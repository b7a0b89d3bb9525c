// resolveConfig: the media socket option (iceUdpMux), the cluster options and those of the server API and webhooks — their defaults and checks.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, test } from 'node:test';
import { SERVER_DEFAULTS, resolveConfig } from './config.js';

const base = { secret: 'config-test-secret-0123456789abcdef', demoDir: '/nonexistent' };

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

test('outside dev mode a secret has at least 32 characters; dev takes any', () => {
  assert.throws(() => resolveConfig({ ...base, secret: 'k' }), { name: 'TypeError', message: /at least 32 characters, it has 1/ });
  assert.throws(() => resolveConfig({ ...base, secret: 'x'.repeat(31) }), { name: 'TypeError', message: /secret/ });
  assert.equal(resolveConfig({ ...base, secret: 'x'.repeat(32) }).secret, 'x'.repeat(32));
  assert.equal(resolveConfig({ ...base, secret: 'k', dev: true }).secret, 'k');
});

test('dev mode listens on loopback only, unless devPublic says it is meant', () => {
  for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) assert.equal(resolveConfig({ ...base, dev: true, host }).host, host);
  for (const host of ['0.0.0.0', '::', '10.1.2.3']) {
    assert.throws(() => resolveConfig({ ...base, dev: true, host }), { name: 'TypeError', message: /dev mode on host .*--dev-public/ }, host);
    assert.equal(resolveConfig({ ...base, dev: true, devPublic: true, host }).host, host);
  }
  assert.equal(resolveConfig({ ...base, host: '0.0.0.0' }).host, '0.0.0.0', 'not in dev mode: any host');
});

test('allowedOrigins are kept as browsers send them; a non-origin is refused', () => {
  assert.equal(resolveConfig(base).allowedOrigins, undefined);
  assert.deepEqual(resolveConfig({ ...base, allowedOrigins: ['HTTPS://App.Example:443/', 'http://localhost:8080'] }).allowedOrigins, [
    'https://app.example',
    'http://localhost:8080',
  ]);
  assert.throws(() => resolveConfig({ ...base, allowedOrigins: ['app.example'] }), { name: 'TypeError', message: /allowedOrigins/ });
});

describe('the dev secret file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hudong-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'hudong-dev-secret');
  const devConfig = () => resolveConfig({ demoDir: '/nonexistent', dev: true, dataDir: dir });

  it('is made 0600 and adopted on the next start', () => {
    const first = devConfig().secret;
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(devConfig().secret, first);
  });

  it('is replaced when others could read it (its secret may be known)', () => {
    const before = devConfig().secret;
    chmodSync(file, 0o644);
    const renewed = devConfig().secret;
    assert.notEqual(renewed, before);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8'), renewed);
  });

  it('is refused when it is a link or another user owns it', () => {
    rmSync(file);
    symlinkSync(join(dir, 'elsewhere'), file);
    assert.throws(devConfig, { name: 'TypeError', message: /not a regular file/ });
    rmSync(file);
    if (process.getuid?.() !== 0) return; // only root can hand a file to another user
    writeFileSync(file, 'a'.repeat(64), { mode: 0o600 });
    chownSync(file, 65534, 65534);
    assert.throws(devConfig, { name: 'TypeError', message: /owned by uid 65534/ });
    rmSync(file);
  });
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

test('roles: the shipped LiveMaster / LiveGuest / Guest, added to (a same name replaces), bits alone still a role', () => {
  const roles = resolveConfig({
    ...base,
    roles: { Stage: 0x2a, LiveGuest: { video: { width: 320, height: 240, fps: 15, maxBitrateKbps: 300 } } },
  }).roles;
  assert.deepEqual(roles.LiveMaster, { authBits: undefined, settings: { video: { width: 640, height: 480, fps: 30, maxBitrateKbps: 1200 } } });
  assert.deepEqual(roles.Guest, { authBits: 0xaa, settings: {} });
  assert.deepEqual(roles.Stage, { authBits: 0x2a, settings: {} });
  assert.deepEqual(roles.LiveGuest?.settings, { video: { width: 320, height: 240, fps: 15, maxBitrateKbps: 300 } });
});

test('roles: a bad role is refused naming the role and field', () => {
  const bad: [unknown, RegExp][] = [
    [0x100, /roles\.R\.authBits/],
    [{ video: { width: 640, height: 480, fps: 30 } }, /roles\.R\.video.*maxBitrateKbps/],
    [{ audio: { maxBitrateKbps: 0 } }, /roles\.R\.audio/],
    [{ bitrate: 5 }, /roles\.R: unknown field bitrate/],
    ['LiveMaster', /roles\.R must be/],
  ];
  for (const [role, message] of bad) {
    assert.throws(() => resolveConfig({ ...base, roles: { R: role as number } }), { name: 'TypeError', message }, JSON.stringify(role));
  }
  assert.throws(() => resolveConfig({ ...base, roles: { '': 0xff } }), { name: 'TypeError', message: /1–64 characters/ });
});
