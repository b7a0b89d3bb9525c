import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEvent, parseServerMessage, WireParseError } from './envelope.js';
import { TinyId } from './fields.js';

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof WireParseError, `a WireParseError, not ${String(err)}`);
    return `${err.reason}: ${err.message}`;
  }
  assert.fail('expected a WireParseError');
}

describe('parseServerMessage', () => {
  it('reads the three kinds of server frame', () => {
    assert.deepEqual(parseServerMessage('{"type":"event","event":"room.privilege","data":{"authBits":3}}'), {
      type: 'event',
      event: 'room.privilege',
      data: { authBits: 3 },
    });
    assert.deepEqual(parseServerMessage('{"type":"response","id":4,"ok":true,"result":{}}'), { type: 'response', id: 4, ok: true, result: {} });
    const error = { code: 10002, detail: { code: 'NOT_JSON', message: 'no' } };
    assert.deepEqual(parseServerMessage(JSON.stringify({ type: 'response', id: null, ok: false, error })), {
      type: 'response',
      id: null,
      ok: false,
      error,
    });
  });

  it('keeps only the envelope fields of an event or a successful response, as the schema does', () => {
    assert.deepEqual(parseServerMessage('{"type":"event","event":"room.memberCount","data":{"count":2},"extra":1}'), {
      type: 'event',
      event: 'room.memberCount',
      data: { count: 2 },
    });
    assert.deepEqual(parseServerMessage('{"type":"response","id":0,"ok":true,"result":null,"error":{}}'), {
      type: 'response',
      id: 0,
      ok: true,
      result: null,
    });
  });

  it('refuses an event or a response the schema refuses, with its words', () => {
    assert.match(
      reason(() => parseServerMessage('{"type":"event","event":"room.memberCount"}')),
      /^BAD_ENVELOPE: .*data: Invalid input/,
    );
    assert.match(
      reason(() => parseServerMessage('{"type":"event","event":7,"data":{}}')),
      /^BAD_ENVELOPE: .*event: Invalid input: expected string/,
    );
    assert.match(
      reason(() => parseServerMessage('{"type":"response","id":1,"ok":true}')),
      /^BAD_ENVELOPE: .*result: Invalid input/,
    );
    for (const id of ['-1', '1.5', '9007199254740992', '"1"']) {
      assert.match(
        reason(() => parseServerMessage(`{"type":"response","id":${id},"ok":true,"result":{}}`)),
        /^BAD_ENVELOPE: .*id: /,
        id,
      );
    }
  });

  it('refuses a broken envelope naming the field that is wrong', () => {
    assert.equal(
      reason(() => parseServerMessage('{"type":"nope"}')),
      "BAD_ENVELOPE: bad server message: type: Invalid discriminator value. Expected 'response' | 'event'",
    );
    assert.match(
      reason(() => parseServerMessage('{"type":"response","id":null,"ok":true,"result":1}')),
      /^BAD_ENVELOPE: .*id: Invalid input: expected number/,
    );
    assert.match(
      reason(() => parseServerMessage('{"type":"response","id":1,"ok":"yes"}')),
      /^BAD_ENVELOPE: .*ok: Invalid discriminator value/,
    );
    assert.match(
      reason(() => parseServerMessage('{"type":"response","id":1,"ok":false,"error":{"code":1}}')),
      /^BAD_ENVELOPE: .*error\.detail/,
    );
    assert.match(
      reason(() => parseServerMessage('[')),
      /^NOT_JSON: /,
    );
  });
});

describe('TinyId', () => {
  it('takes uint64 decimal strings up to 2^64 - 1', () => {
    for (const id of ['0', '7', '1441151880758558720', '9223372036854775807', '18446744073709551615']) assert.equal(TinyId.parse(id), id);
  });

  it('refuses what is not one, without throwing anything but the parse error', () => {
    for (const id of ['18446744073709551616', '99999999999999999999', '01', '-1', '1e3', 'abcdefghijabcdefghij', '', '123456789012345678901']) {
      assert.equal(TinyId.safeParse(id).success, false, id);
    }
  });

  it('is checked in member infos of events', () => {
    const members = [{ identifier: 'a', tinyId: '18446744073709551616' }];
    assert.match(
      reason(() => parseEvent('room.endpoints', { event: 2, members })),
      /^BAD_EVENT: room.endpoints: members\.0\.tinyId: tinyId exceeds uint64/,
    );
  });
});
