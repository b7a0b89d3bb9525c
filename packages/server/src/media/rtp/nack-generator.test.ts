import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NackGenerator } from './nack-generator.js';

const feed = (g: NackGenerator, seqs: number[], nowMs: number) => seqs.forEach((s) => g.onPacket(s, nowMs));

test('a gap is requested after the reorder allowance, then every RTT', () => {
  const g = new NackGenerator({ reorderMs: 10, rttMs: 100 });
  feed(g, [1, 2, 5], 0);
  assert.equal(g.missingCount, 2);
  assert.deepEqual(g.due(5), [], 'still within the reorder allowance');
  assert.deepEqual(g.due(10), [3, 4]);
  assert.deepEqual(g.due(50), [], 'waits one RTT before retrying');
  assert.deepEqual(g.due(110), [3, 4]);
});

test('an arriving packet is no longer requested; reordered ones never are', () => {
  const g = new NackGenerator({ reorderMs: 10, rttMs: 100 });
  feed(g, [1, 4], 0);
  g.onPacket(2, 3); // merely reordered
  assert.deepEqual(g.due(10), [3]);
  g.onPacket(3, 40); // the retransmission
  assert.deepEqual(g.due(110), []);
  assert.equal(g.missingCount, 0);
  g.onPacket(3, 41); // duplicate: nothing happens
  assert.equal(g.missingCount, 0);
});

test('gives up after max retries', () => {
  const g = new NackGenerator({ reorderMs: 0, rttMs: 100, maxRetries: 2 });
  feed(g, [1, 3], 0);
  assert.deepEqual(g.due(0), [2]);
  assert.deepEqual(g.due(100), [2]);
  assert.deepEqual(g.due(200), []);
  assert.equal(g.missingCount, 0);
});

test('gives up after max age even with retries left', () => {
  const g = new NackGenerator({ reorderMs: 0, rttMs: 100, maxAgeMs: 150 });
  feed(g, [1, 3], 0);
  assert.deepEqual(g.due(0), [2]);
  assert.deepEqual(g.due(100), [2]);
  assert.deepEqual(g.due(200), []);
  assert.equal(g.missingCount, 0);
});

test('gaps across the 16-bit wrap', () => {
  const g = new NackGenerator({ reorderMs: 0 });
  feed(g, [65533, 65534, 1], 0);
  assert.deepEqual(g.due(0), [65535, 0]);
  g.onPacket(65535, 5);
  assert.deepEqual(g.due(100), [0]);
});

test('a huge jump resets instead of requesting everything', () => {
  const g = new NackGenerator({ reorderMs: 0, maxMissing: 100 });
  feed(g, [1, 3], 0);
  g.onPacket(1000, 1);
  assert.equal(g.missingCount, 0);
  assert.deepEqual(g.due(1), []);
  g.onPacket(1002, 2);
  assert.deepEqual(g.due(2), [1001], 'tracking continues from the new position');
});

test('the missing list is capped by dropping the oldest', () => {
  const g = new NackGenerator({ reorderMs: 0, maxMissing: 5 });
  feed(g, [1, 5, 9], 0);
  assert.equal(g.missingCount, 5);
  assert.deepEqual(g.due(0), [3, 4, 6, 7, 8]);
});

test('the RTT can be updated', () => {
  const g = new NackGenerator({ reorderMs: 0, rttMs: 100 });
  feed(g, [1, 3], 0);
  g.rttMs = 30;
  assert.deepEqual(g.due(0), [2]);
  assert.deepEqual(g.due(30), [2]);
});
