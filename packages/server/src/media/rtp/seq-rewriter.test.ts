import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeqRewriter } from './seq-rewriter.js';

const A = 0xaaaa;
const B = 0xbbbb;

test('the first source passes through unchanged', () => {
  const r = new SeqRewriter(90000);
  assert.equal(r.sourceSsrc, undefined);
  assert.deepEqual(r.rewrite(A, 100, 1000, 0), { seq: 100, timestamp: 1000 });
  assert.deepEqual(r.rewrite(A, 101, 4000, 33), { seq: 101, timestamp: 4000 });
  assert.equal(r.sourceSsrc, A);
  assert.equal(r.timestampOffset, 0);
});

test('a switch continues seq at last+1 and advances the timestamp by elapsed wall time', () => {
  const r = new SeqRewriter(90000);
  r.rewrite(A, 100, 1000, 0);
  r.rewrite(A, 101, 1000, 1);
  r.rewrite(A, 102, 4000, 10);
  // 100 ms after the last forwarded packet: 9000 ticks later than its timestamp.
  assert.deepEqual(r.rewrite(B, 5000, 777, 110), { seq: 103, timestamp: 13000 });
  assert.equal(r.sourceSsrc, B);
  assert.equal(r.timestampOffset, 13000 - 777);
  assert.deepEqual(r.rewrite(B, 5001, 777, 111), { seq: 104, timestamp: 13000 });
  assert.deepEqual(r.rewrite(B, 5002, 3777, 140), { seq: 105, timestamp: 16000 });
});

test('packets older than the switch point are dropped; newer reordered ones map', () => {
  const r = new SeqRewriter(90000);
  r.rewrite(A, 10, 0, 0);
  r.rewrite(B, 5000, 0, 50);
  assert.equal(r.rewrite(B, 4999, 0, 51), undefined);
  assert.equal(r.rewrite(B, 4000, 0, 51), undefined);
  assert.deepEqual(r.rewrite(B, 5003, 0, 52), { seq: 14, timestamp: 4500 });
  assert.deepEqual(r.rewrite(B, 5002, 0, 53), { seq: 13, timestamp: 4500 }, 'late packet');
  assert.deepEqual(r.rewrite(B, 5001, 0, 54), { seq: 12, timestamp: 4500 });
  assert.deepEqual(r.rewrite(B, 5004, 0, 55), { seq: 15, timestamp: 4500 });
});

test('a late packet does not move the switch anchor', () => {
  const r = new SeqRewriter(1000); // 1 tick per ms keeps the numbers readable
  r.rewrite(A, 1, 100, 0);
  r.rewrite(A, 3, 300, 10);
  r.rewrite(A, 2, 200, 20); // older: must not become "last"
  assert.deepEqual(r.rewrite(B, 50, 0, 30), { seq: 4, timestamp: 320 }, 'anchored on seq 3 / ts 300 at 10 ms');
});

test('input and output sequence numbers wrap at 16 bits', () => {
  const r = new SeqRewriter(90000);
  r.rewrite(A, 65534, 0, 0);
  assert.equal(r.rewrite(B, 65530, 0, 0)?.seq, 65535); // offset +5
  assert.deepEqual(
    [65531, 65532, 65533, 65535, 65534, 0, 1].map((s) => r.rewrite(B, s, 0, 0)?.seq),
    [0, 1, 2, 4, 3, 5, 6],
  );
  assert.equal(r.rewrite(B, 65529, 0, 0), undefined, 'before the switch point, across the wrap');
});

test('timestamps wrap at 32 bits, and a switch advances at least one tick', () => {
  const r = new SeqRewriter(90000);
  r.rewrite(A, 1, 0xffffffff, 0);
  assert.deepEqual(r.rewrite(B, 1, 0x1000, 0), { seq: 2, timestamp: 0 }, 'same instant: +1 tick, wrapped');
  assert.deepEqual(r.rewrite(B, 2, 0x1000 + 3000, 33), { seq: 3, timestamp: 3000 });
  const back = new SeqRewriter(90000);
  back.rewrite(A, 7, 0xfffffff0, 0);
  assert.deepEqual(back.rewrite(A, 8, 0x10, 1), { seq: 8, timestamp: 0x10 });
});

test('switching back to an earlier source re-anchors it', () => {
  const r = new SeqRewriter(1000);
  r.rewrite(A, 100, 0, 0);
  r.rewrite(B, 9000, 0, 10); // out 101, ts 10
  assert.deepEqual(r.rewrite(A, 500, 50, 20), { seq: 102, timestamp: 20 });
  assert.equal(r.rewrite(A, 150, 0, 21), undefined, 'A packet from before the second switch');
});

test('every call returns the same result object, rewritten: the per-packet path allocates nothing', () => {
  const r = new SeqRewriter(90000);
  const first = r.rewrite(A, 100, 1000, 0);
  assert.deepEqual(first, { seq: 100, timestamp: 1000 });
  const second = r.rewrite(A, 101, 4000, 33);
  assert.equal(second, first);
  assert.deepEqual(first, { seq: 101, timestamp: 4000 }, 'a result held across calls shows the latest packet');
  assert.equal(r.rewrite(B, 7, 0, 133), first, 'after a switch too');
  assert.deepEqual(first, { seq: 102, timestamp: 4000 + 9000 });
});

test('rejects a non-positive clock rate', () => {
  assert.throws(() => new SeqRewriter(0), RangeError);
});
