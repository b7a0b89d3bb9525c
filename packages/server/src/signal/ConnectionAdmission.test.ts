import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionAdmission, addressKey } from './ConnectionAdmission.js';

test('an IPv6 address counts by its /64, an IPv4-mapped one as the IPv4 address', () => {
  assert.equal(addressKey('2001:db8:0:12:aaaa::1'), '2001:db8:0:12::/64');
  assert.equal(addressKey('2001:0db8:0000:0012:ffff:ffff:ffff:ffff'), '2001:db8:0:12::/64');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(addressKey('10.1.2.3'), '10.1.2.3');
});

test('caps per address and per node, released connections make room again', () => {
  const admission = new ConnectionAdmission({ maxConnections: 3, maxConnectionsPerIp: 2, allowedOrigins: undefined });
  assert.equal(admission.check('10.0.0.1', undefined), null);
  admission.admitted('10.0.0.1');
  admission.admitted('10.0.0.1');
  const perIp = admission.check('::ffff:10.0.0.1', undefined);
  assert.deepEqual(
    [perIp?.status, perIp?.reason, perIp?.error.code, perIp?.error.detail.code],
    [429, 'max_connections_per_ip', 10005, 'IP_CONNECTION_LIMIT'],
  );
  assert.match(perIp!.error.detail.message, /maxConnectionsPerIp \(2\)/);
  assert.equal(admission.check('10.0.0.2', undefined), null);
  admission.admitted('10.0.0.2');
  const node = admission.check('10.0.0.3', undefined);
  assert.deepEqual([node?.status, node?.error.detail.code], [503, 'CONNECTION_LIMIT']);
  admission.released('10.0.0.1');
  assert.equal(admission.check('10.0.0.1', undefined), null);
});

test('with allowedOrigins, another Origin is refused and a missing one (not a browser) is not', () => {
  const admission = new ConnectionAdmission({ maxConnections: 10, maxConnectionsPerIp: 10, allowedOrigins: ['https://app.example'] });
  assert.equal(admission.check('10.0.0.1', 'https://app.example'), null);
  assert.equal(admission.check('10.0.0.1', 'HTTPS://APP.EXAMPLE'), null);
  assert.equal(admission.check('10.0.0.1', undefined), null);
  const refused = admission.check('10.0.0.1', 'https://evil.example');
  assert.deepEqual([refused?.status, refused?.error.code, refused?.error.detail.code], [403, 10003, 'ORIGIN_NOT_ALLOWED']);
  assert.equal(
    new ConnectionAdmission({ maxConnections: 10, maxConnectionsPerIp: 10, allowedOrigins: undefined }).check('10.0.0.1', 'https://evil.example'),
    null,
  );
});
