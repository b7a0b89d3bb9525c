import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { signUserSig } from './usersig.js';
import { decodePrivilegeBuffer, encodePrivilegeBuffer, signPrivilegeKey, verifyPrivilegeKey } from './privilege-key.js';

const require = createRequire(import.meta.url);
const TLSSigAPIv2 = require('tls-sig-api-v2') as {
  Api: new (
    appId: number,
    key: string,
  ) => {
    genPrivateMapKey(id: string, expire: number, roomId: number, map: number): string;
    genPrivateMapKeyWithStringRoomID(id: string, expire: number, room: string, map: number): string;
  };
};

const APP = 1400000001;
const KEY = 'privkey-secret';
const expected = { sdkAppId: APP, secret: KEY, identifier: 'carol', roomId: 1234 };

test('a privilege key made by tls-sig-api-v2 is accepted and bounds the bits', () => {
  const key = new TLSSigAPIv2.Api(APP, KEY).genPrivateMapKey('carol', 3600, 1234, 0x2a);
  const buf = verifyPrivilegeKey(key, expected);
  assert.equal(buf.privilegeMap, 0x2a);
  assert.equal(buf.roomId, 1234);
  assert.equal(buf.identifier, 'carol');
  assert.ok(Math.abs(buf.expireAt - (Date.now() / 1000 + 3600)) < 5);
});

test('string-room keys (version 1) from tls-sig-api-v2 decode', () => {
  const key = new TLSSigAPIv2.Api(APP, KEY).genPrivateMapKeyWithStringRoomID('carol', 3600, '1234', 0xff);
  const buf = verifyPrivilegeKey(key, expected);
  assert.equal(buf.version, 1);
  assert.equal(buf.roomStr, '1234');
  assert.throws(() => verifyPrivilegeKey(key, { ...expected, roomId: 99 }), { name: 'SigError', reason: 'PRIVKEY_WRONG_ROOM' });
});

test('our buffer layout is byte-identical to the package for the same inputs', () => {
  const ours = encodePrivilegeBuffer({ identifier: 'carol', sdkAppId: APP, roomId: 1234, expireAt: 0x01020304, privilegeMap: 0xff, accountType: 0 });
  assert.equal(
    ours.toString('hex'),
    '00' + '0005' + Buffer.from('carol').toString('hex') + APP.toString(16).padStart(8, '0') + '000004d2' + '01020304' + '000000ff' + '00000000',
  );
  assert.deepEqual(decodePrivilegeBuffer(ours), {
    version: 0,
    identifier: 'carol',
    sdkAppId: APP,
    roomId: 1234,
    expireAt: 0x01020304,
    privilegeMap: 0xff,
    accountType: 0,
  });
});

test('wrong room, wrong identifier, wrong app, expired, forged and plain sigs are refused by name', () => {
  const key = signPrivilegeKey({ ...expected, privilegeMap: 0x3f });
  assert.equal(verifyPrivilegeKey(key, expected).privilegeMap, 0x3f);
  assert.throws(() => verifyPrivilegeKey(key, { ...expected, roomId: 1 }), { name: 'SigError', reason: 'PRIVKEY_WRONG_ROOM' });
  assert.throws(() => verifyPrivilegeKey(key, { ...expected, identifier: 'dave' }), { name: 'SigError', reason: 'USERSIG_WRONG_IDENTIFIER' });
  assert.throws(() => verifyPrivilegeKey(key, { ...expected, sdkAppId: 7 }), { name: 'SigError', reason: 'USERSIG_WRONG_APP' });
  assert.throws(() => verifyPrivilegeKey(key, { ...expected, secret: 'x' }), { name: 'SigError', reason: 'USERSIG_BAD_SIGNATURE' });
  const old = signPrivilegeKey({ ...expected, privilegeMap: 0xff, expireSeconds: 10, now: 1_000_000 });
  assert.throws(() => verifyPrivilegeKey(old, { ...expected, now: 1_000_005 + 3600 }), { name: 'SigError', reason: 'USERSIG_EXPIRED' });
  assert.throws(() => verifyPrivilegeKey(signUserSig({ ...expected }), expected), { name: 'SigError', reason: 'PRIVKEY_MALFORMED' });
});
