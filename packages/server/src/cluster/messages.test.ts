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
