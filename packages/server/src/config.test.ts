// resolveConfig: the media socket option (iceUdpMux) — its default and its check.
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
