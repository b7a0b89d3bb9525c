import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeqUnwrapper, seqDelta } from './seq-math.js';

test('seqDelta is signed and wrap-aware', () => {
  assert.equal(seqDelta(5, 3), 2);
  assert.equal(seqDelta(3, 5), -2);
  assert.equal(seqDelta(0, 65535), 1);
  assert.equal(seqDelta(65535, 0), -1);
  assert.equal(seqDelta(32767, 0), 32767);
  assert.equal(seqDelta(32768, 0), -32768);
});

test('SeqUnwrapper extends across a wrap and keeps reordered packets in place', () => {
  const u = new SeqUnwrapper();
  const first = u.unwrap(65534);
  assert.equal(u.unwrap(65535), first + 1);
  assert.equal(u.unwrap(1), first + 3);
  assert.equal(u.unwrap(0), first + 2, 'late packet before the wrap point');
  assert.equal(u.highest, first + 3);
  assert.equal(u.unwrap(65530), first - 4, 'packet older than the first one');
  assert.ok(first - 4 >= 0);
});

test('SeqUnwrapper.reset starts over', () => {
  const u = new SeqUnwrapper();
  u.unwrap(100);
  u.reset();
  assert.equal(u.highest, undefined);
  assert.equal(u.unwrap(40000), 0x10000 + 40000);
});
