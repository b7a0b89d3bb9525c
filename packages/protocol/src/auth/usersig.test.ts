import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { deflateSync, inflateSync } from 'node:zlib';
import { MAX_USERSIG_CHARS, MAX_USERSIG_DOC_BYTES, signUserSig, verifyUserSig } from './usersig.js';
import { escapeBase64, unescapeBase64 } from './base64url.js';

const require = createRequire(import.meta.url);
const TLSSigAPIv2 = require('tls-sig-api-v2') as {
  Api: new (
    appId: number,
    key: string,
  ) => {
    genUserSig(id: string, expire: number): string;
    genPrivateMapKey(id: string, expire: number, roomId: number, map: number): string;
  };
};

const APP = 1400000001;
const KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
const expected = { sdkAppId: APP, secret: KEY, identifier: 'alice' };

test('a sig made by the tls-sig-api-v2 package is accepted', () => {
  const sig = new TLSSigAPIv2.Api(APP, KEY).genUserSig('alice', 86400);
  const v = verifyUserSig(sig, expected);
  assert.equal(v.identifier, 'alice');
  assert.equal(v.sdkAppId, APP);
  assert.equal(v.expireSeconds, 86400);
});

test('our sig has the exact tls-sig-api-v2 document', () => {
  const now = 1_700_000_000;
  const ours = signUserSig({ ...expected, expireSeconds: 3600, now });
  const doc = JSON.parse(inflateSync(Buffer.from(unescapeBase64(ours), 'base64')).toString());
  assert.deepEqual(Object.keys(doc), ['TLS.ver', 'TLS.identifier', 'TLS.sdkappid', 'TLS.time', 'TLS.expire', 'TLS.sig']);
  assert.equal(doc['TLS.ver'], '2.0');
  // Recompute the HMAC independently, as the spec writes it.
  const { createHmac } = require('node:crypto') as typeof import('node:crypto');
  const content = `TLS.identifier:alice\nTLS.sdkappid:${APP}\nTLS.time:${now}\nTLS.expire:3600\n`;
  assert.equal(doc['TLS.sig'], createHmac('sha256', KEY).update(content).digest('base64'));
  assert.doesNotMatch(ours, /[+/=]/);
  assert.equal(verifyUserSig(ours, { ...expected, now: now + 10 }).time, now);
});

test('refusals name the failed check', () => {
  const good = signUserSig({ ...expected });
  assert.throws(() => verifyUserSig('not a sig', expected), { name: 'SigError', reason: 'USERSIG_MALFORMED' });
  assert.throws(() => verifyUserSig(good, { ...expected, secret: 'other key' }), { name: 'SigError', reason: 'USERSIG_BAD_SIGNATURE' });
  assert.throws(() => verifyUserSig(good, { ...expected, sdkAppId: APP + 1 }), { name: 'SigError', reason: 'USERSIG_WRONG_APP' });
  assert.throws(() => verifyUserSig(good, { ...expected, identifier: 'bob' }), { name: 'SigError', reason: 'USERSIG_WRONG_IDENTIFIER' });
  const old = signUserSig({ ...expected, expireSeconds: 60, now: 1_000_000 });
  assert.throws(() => verifyUserSig(old, expected), { name: 'SigError', reason: 'USERSIG_EXPIRED' });
  const pkgExpired = new TLSSigAPIv2.Api(APP, KEY).genUserSig('alice', 1);
  assert.throws(() => verifyUserSig(pkgExpired, { ...expected, now: Math.floor(Date.now() / 1000) + 5 }), {
    name: 'SigError',
    reason: 'USERSIG_EXPIRED',
  });
});

test('a tampered document with a copied signature is refused as forged', () => {
  const sig = signUserSig({ ...expected });
  const doc = JSON.parse(inflateSync(Buffer.from(unescapeBase64(sig), 'base64')).toString());
  doc['TLS.expire'] = 999_999_999;
  const forged = escapeBase64(deflateSync(Buffer.from(JSON.stringify(doc))).toString('base64'));
  assert.throws(() => verifyUserSig(forged, expected), { name: 'SigError', reason: 'USERSIG_BAD_SIGNATURE' });
  doc['TLS.ver'] = '1.0';
  const v1 = escapeBase64(deflateSync(Buffer.from(JSON.stringify(doc))).toString('base64'));
  assert.throws(() => verifyUserSig(v1, expected), { name: 'SigError', reason: 'USERSIG_VERSION_UNSUPPORTED' });
});

test('a sig longer than MAX_USERSIG_CHARS is refused before it is decoded', () => {
  const long = signUserSig({ ...expected }) + '*'.repeat(MAX_USERSIG_CHARS);
  assert.throws(() => verifyUserSig(long, expected), { name: 'SigError', reason: 'USERSIG_TOO_LARGE', message: /more than the 4096/ });
});

test('a deflate bomb is refused once it inflates past MAX_USERSIG_DOC_BYTES, not inflated whole', () => {
  // Valid JSON padded with 3 MB of spaces: about 3 KB deflated, under the character cap.
  const doc = `{"TLS.ver":"2.0","TLS.identifier":"alice","TLS.sdkappid":${APP}${' '.repeat(3_000_000)},"TLS.time":0,"TLS.expire":1,"TLS.sig":""}`;
  const bomb = escapeBase64(deflateSync(Buffer.from(doc), { level: 9 }).toString('base64'));
  assert.ok(bomb.length <= MAX_USERSIG_CHARS, `the bomb is ${bomb.length} characters`);
  assert.throws(() => verifyUserSig(bomb, expected), { name: 'SigError', reason: 'USERSIG_TOO_LARGE', message: /8192 bytes/ });
  // Just under the cap it is decoded as usual (and refused for what it says).
  const small = escapeBase64(deflateSync(Buffer.from(doc.replace(/ +/, ' '.repeat(MAX_USERSIG_DOC_BYTES - 200)))).toString('base64'));
  assert.throws(() => verifyUserSig(small, expected), { name: 'SigError', reason: 'USERSIG_EXPIRED' });
});

test('the cheap checks run before the HMAC: a forged sig that is also expired, other-app or other-identifier says so', () => {
  const forge = (fields: Record<string, unknown>) => {
    const doc = {
      'TLS.ver': '2.0',
      'TLS.identifier': 'alice',
      'TLS.sdkappid': APP,
      'TLS.time': Math.floor(Date.now() / 1000),
      'TLS.expire': 60,
      'TLS.sig': 'AAAA',
      ...fields,
    };
    return escapeBase64(deflateSync(Buffer.from(JSON.stringify(doc))).toString('base64'));
  };
  assert.throws(() => verifyUserSig(forge({}), expected), { reason: 'USERSIG_BAD_SIGNATURE' });
  assert.throws(() => verifyUserSig(forge({ 'TLS.time': 1_000_000 }), expected), { reason: 'USERSIG_EXPIRED' });
  assert.throws(() => verifyUserSig(forge({ 'TLS.sdkappid': APP + 1 }), expected), { reason: 'USERSIG_WRONG_APP' });
  assert.throws(() => verifyUserSig(forge({ 'TLS.identifier': 'mallory' }), expected), { reason: 'USERSIG_WRONG_IDENTIFIER' });
});
