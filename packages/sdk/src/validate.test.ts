import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AVError, AuthBits } from '@hudong/protocol';
import * as v from './validate.js';

function invalid(fn: () => unknown, argument: string, pattern?: RegExp): AVError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof AVError, `expected AVError 1004 for ${argument}`);
  assert.equal(caught.code, 1004);
  assert.equal(caught.codeName, 'AV_ERR_INVALID_ARGUMENT');
  assert.equal(caught.detail?.code, 'INVALID_ARGUMENT');
  assert.equal((caught.detail as unknown as { argument: string }).argument, argument);
  assert.ok(caught.detail!.message.startsWith(`${argument}: `), caught.detail!.message);
  if (pattern) assert.match(caught.detail!.message, pattern);
  return caught;
}

test('enter params: defaults filled, input copied', () => {
  const input = { roomId: 1234 };
  const p = v.enterParams(input, 'en');
  assert.deepEqual(p, {
    roomId: 1234,
    roomType: 'multi',
    authBits: AuthBits.DEFAULT,
    controlRole: '',
    createRoom: true,
    videoRecvMode: 'manual',
    timeoutMs: 30000,
  });
  assert.notEqual(p as unknown, input);
  assert.equal(v.enterParams({ roomId: 1, privilegeKey: 'k', roomType: 'pair', createRoom: false }, 'en').privilegeKey, 'k');
});

test('enter params: each bad argument is 1004 naming it', () => {
  invalid(() => v.enterParams({ roomId: 1, roomType: 'group' }, 'en'), 'roomType', /"group"/);
  invalid(() => v.enterParams({ roomType: 'multi' }, 'en'), 'roomId');
  invalid(() => v.enterParams({ roomId: 0 }, 'en'), 'roomId');
  invalid(() => v.enterParams({ roomId: 2 ** 32 }, 'en'), 'roomId');
  invalid(() => v.enterParams({ roomId: 1.5 }, 'en'), 'roomId');
  invalid(() => v.enterParams({ roomId: '12' }, 'en'), 'roomId');
  invalid(() => v.enterParams({ roomId: 1, authBits: 0x100 }, 'en'), 'authBits');
  invalid(() => v.enterParams({ roomId: 1, createRoom: 'yes' }, 'en'), 'createRoom');
  invalid(() => v.enterParams({ roomId: 1, videoRecvMode: 'auto' }, 'en'), 'videoRecvMode');
  invalid(() => v.enterParams({ roomId: 1, timeoutMs: 0 }, 'en'), 'timeoutMs');
  invalid(() => v.enterParams({ roomId: 1, privilegeKey: '' }, 'en'), 'privilegeKey');
  invalid(() => v.enterParams({ roomId: 1, controlRole: 'x'.repeat(65) }, 'en'), 'controlRole');
  invalid(() => v.enterParams(null, 'en'), 'params');
});

test('start params', () => {
  assert.deepEqual(v.startParams({ identifier: 'alice', userSig: 's' }, 'en'), { identifier: 'alice', userSig: 's', timeoutMs: 30000 });
  invalid(() => v.startParams({ identifier: 'a b', userSig: 's' }, 'en'), 'identifier');
  invalid(() => v.startParams({ identifier: '', userSig: 's' }, 'en'), 'identifier');
  invalid(() => v.startParams({ identifier: 'a', userSig: '' }, 'en'), 'userSig');
  invalid(() => v.startParams({ identifier: 'a', userSig: 's', timeoutMs: -1 }, 'en'), 'timeoutMs');
  invalid(() => v.startParams(undefined, 'en'), 'params');
});

test('context options', () => {
  const o = v.contextOptions({ serverUrl: 'ws://h:7000/ws', sdkAppId: 1400000001 });
  assert.equal(o.lang, 'en');
  assert.equal(o.reconnectTimeoutMs, 30000);
  assert.equal(o.terminal, 'node');
  invalid(() => v.contextOptions({ serverUrl: 'http://h', sdkAppId: 1 }), 'options.serverUrl');
  assert.deepEqual(
    v.contextOptions({ serverUrl: ['ws://a/ws', 'wss://b/ws'], sdkAppId: 1 }).serverUrl,
    ['ws://a/ws', 'wss://b/ws'],
    'a list of nodes',
  );
  assert.deepEqual(v.contextOptions({ serverUrl: 'ws://a/ws', sdkAppId: 1 }).serverUrl, ['ws://a/ws'], 'one URL is a list of one');
  invalid(() => v.contextOptions({ serverUrl: [], sdkAppId: 1 }), 'options.serverUrl');
  invalid(() => v.contextOptions({ serverUrl: ['ws://a/ws', 'http://b'], sdkAppId: 1 }), 'options.serverUrl');
  invalid(() => v.contextOptions({ serverUrl: Array.from({ length: 17 }, (_, i) => `ws://n${i}/ws`), sdkAppId: 1 }), 'options.serverUrl');
  invalid(() => v.contextOptions({ serverUrl: 'ws://h', sdkAppId: 0 }), 'options.sdkAppId');
  invalid(() => v.contextOptions({ serverUrl: 'ws://h', sdkAppId: 1, lang: 'fr' }), 'options.lang');
  invalid(() => v.contextOptions({ serverUrl: 'ws://h', sdkAppId: 1, reconnectTimeoutMs: -5 }), 'options.reconnectTimeoutMs');
  invalid(() => v.contextOptions({ serverUrl: 'ws://h', sdkAppId: 1, logger: { info() {} } }), 'options.logger');
  const zh = invalid(() => v.contextOptions({ serverUrl: 'ws://h', sdkAppId: -1, lang: 'zh' }), 'options.sdkAppId');
  assert.equal(zh.lang, 'zh');
  assert.equal(v.contextOptions({ serverUrl: 'ws://h', sdkAppId: 1, webrtc: null }).webrtc, null, 'null: no WebRTC, signalling only');
  invalid(() => v.contextOptions({ serverUrl: 'ws://h', sdkAppId: 1, webrtc: {} }), 'options.webrtc');
});

test('view list: shape, sources, sizes, duplicates', () => {
  assert.deepEqual(v.viewList([{ identifier: 'bob', srcType: 'camera', size: 'big' }], 'en'), [
    { identifier: 'bob', srcType: 'camera', size: 'big' },
  ]);
  assert.deepEqual(v.viewList([{ identifier: 'bob', srcType: 'media', size: 'small' }], 'en')[0]!.srcType, 'media'); // 1006 later, not 1004
  invalid(() => v.viewList('bob', 'en'), 'list');
  invalid(() => v.viewList([{ identifier: 'bob', srcType: 'mic', size: 'big' }], 'en'), 'list[0].srcType');
  invalid(() => v.viewList([{ identifier: 'bob', srcType: 'camera', size: 'huge' }], 'en'), 'list[0].size');
  invalid(() => v.viewList([{ srcType: 'camera', size: 'big' }], 'en'), 'list[0].identifier');
  invalid(
    () =>
      v.viewList(
        [
          { identifier: 'bob', srcType: 'camera', size: 'big' },
          { identifier: 'bob', srcType: 'camera', size: 'small' },
        ],
        'en',
      ),
    'list[1]',
  );
});

test('messages: text, binary as base64, size bound by one frame', () => {
  assert.deepEqual(v.message('hi', { to: 'bob' }, 'en', 10000), { data: 'hi', binary: false, to: 'bob', timeoutMs: 10000 });
  assert.deepEqual(v.message(new Uint8Array([0, 255, 1]), undefined, 'en', 10000), { data: 'AP8B', binary: true, timeoutMs: 10000 });
  invalid(() => v.message(42, undefined, 'en', 1), 'data');
  invalid(() => v.message('x'.repeat(70000), undefined, 'en', 1), 'data');
  invalid(() => v.message('\u4e2d'.repeat(30000), undefined, 'en', 1), 'data', /bytes on the wire/);
  invalid(() => v.message('hi', { to: 'b o b' }, 'en', 1), 'options.to');
});

test('authority, invites, identity lookups', () => {
  assert.deepEqual(v.authority(AuthBits.AUDIENCE, undefined, 'en'), { authBits: AuthBits.AUDIENCE });
  invalid(() => v.authority(-1, undefined, 'en'), 'authBits');
  invalid(() => v.authority(1, 5, 'en'), 'privilegeKey');
  assert.deepEqual(v.inviteArgs('bob', { roomId: 9 }, 'en'), { to: 'bob', roomId: 9 });
  invalid(() => v.inviteArgs('bob', { roomId: 9, timeoutMs: 10 }, 'en'), 'options.timeoutMs');
  invalid(() => v.inviteArgs('bob', undefined, 'en'), 'options');
  invalid(() => v.inviteArgs('', { roomId: 9 }, 'en'), 'to');
  invalid(() => v.inviteId('', 'en'), 'inviteId');
  invalid(() => v.tinyId('abc', 'en'), 'tinyId');
  invalid(() => v.tinyId('18446744073709551616', 'en'), 'tinyId');
  assert.equal(v.tinyId('18446744073709551615', 'en'), '18446744073709551615');
});
