import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnvelope } from './messages.js';

test('a valid envelope parses into the sender and a typed message', () => {
  const payload = JSON.stringify({ from: 'n2', message: { type: 'session.replace', identifier: 'bob', sessionId: 'abc' } });
  assert.deepEqual(parseEnvelope(payload), {
    ok: true,
    envelope: { from: 'n2', message: { type: 'session.replace', identifier: 'bob', sessionId: 'abc' } },
  });
});

test('anything else is refused with a reason, never thrown', () => {
  const cases: [string, RegExp][] = [
    ['not json {', /not JSON/],
    [JSON.stringify(null), /\(root\)/],
    [JSON.stringify({ message: { type: 'session.replace', identifier: 'bob', sessionId: 'abc' } }), /from/],
    [JSON.stringify({ from: 'n2', message: { type: 'room.teleport' } }), /message\.type/],
    [JSON.stringify({ from: 'n2', message: { type: 'session.replace', identifier: 'bob' } }), /message\.sessionId/],
    [JSON.stringify({ from: 'n2', message: { type: 'session.replace', identifier: '', sessionId: 'abc' } }), /message\.identifier/],
    [JSON.stringify({ from: 'n2', message: { type: 'session.replace', identifier: 7, sessionId: 'abc' } }), /message\.identifier/],
  ];
  for (const [payload, reason] of cases) {
    const parsed = parseEnvelope(payload);
    assert.equal(parsed.ok, false, payload);
    assert.match((parsed as { reason: string }).reason, reason, payload);
  }
});

test('a request and its reply parse, the reply with the wire error or null', () => {
  const request = { type: 'member.message', requestId: 'n1:1', roomId: 7, to: 'bob', from: 'alice', data: 'hi', binary: false };
  assert.deepEqual(parseEnvelope(JSON.stringify({ from: 'n1', message: request })), { ok: true, envelope: { from: 'n1', message: request } });
  const error = { code: 10004, detail: { code: 'DELIVERY_TIMEOUT', message: 'bob did not acknowledge' } };
  for (const reply of [
    { type: 'reply', requestId: 'n1:1', error },
    { type: 'reply', requestId: 'n1:1', error: null },
  ]) {
    assert.deepEqual(parseEnvelope(JSON.stringify({ from: 'n2', message: reply })), { ok: true, envelope: { from: 'n2', message: reply } });
  }
  const bad = parseEnvelope(JSON.stringify({ from: 'n2', message: { type: 'reply', requestId: 'n1:1', error: { code: 'x' } } }));
  assert.equal(bad.ok, false);
});

test('the invite messages parse; a deliver without its timeout or an answer without `accepted` does not', () => {
  const messages = [
    {
      type: 'invite.deliver',
      requestId: 'n1:2',
      inviteId: 'i1',
      from: 'alice',
      to: 'bob',
      roomId: 9,
      expiresAt: 1_700_000_000_000,
      timeoutMs: 30_000,
    },
    { type: 'invite.answer', requestId: 'n2:5', inviteId: 'i1', by: 'bob', accepted: true },
    { type: 'invite.end', inviteId: 'i1', error: { code: 10004, detail: { code: 'INVITE_EXPIRED', message: 'expired' } } },
    { type: 'invite.inviteeGone', inviteId: 'i1' },
  ];
  for (const message of messages)
    assert.deepEqual(parseEnvelope(JSON.stringify({ from: 'n1', message })), { ok: true, envelope: { from: 'n1', message } });
  const { timeoutMs: _, ...noTimeout } = messages[0]!;
  const { accepted: __, ...noAnswer } = messages[1]!;
  for (const message of [noTimeout, noAnswer])
    assert.equal(parseEnvelope(JSON.stringify({ from: 'n1', message })).ok, false, JSON.stringify(message));
});
