// The benches' summaries: nearest-rank percentiles, so a reported p50/p90/p99 is always a measured sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, summarize } from '../../bench/lib/stats.js';

test('percentile is the nearest rank of sorted samples', () => {
  const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.deepEqual(
    [0, 10, 50, 51, 90, 99, 100].map((p) => percentile(ten, p)),
    [1, 1, 5, 6, 9, 10, 10],
  );
  assert.equal(percentile([42], 99), 42);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('summarize sorts a copy and reports count, extremes, percentiles and mean', () => {
  const samples = [30, 10, 20, 40];
  assert.deepEqual(summarize(samples), { count: 4, min: 10, p50: 20, p90: 40, p99: 40, max: 40, mean: 25 });
  assert.deepEqual(samples, [30, 10, 20, 40], 'the samples are left as they were');
  const thousand = Array.from({ length: 1000 }, (_, i) => 1000 - i);
  assert.deepEqual([summarize(thousand).p50, summarize(thousand).p99], [500, 990]);
  assert.equal(summarize([]).count, 0);
});
