import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameBudget } from './FrameBudget.js';

test('a frame budget: fan-outs within a second’s worth pass, larger ones wait for enough to accumulate', () => {
  let now = 0;
  const budget = new FrameBudget(1000, () => now);
  assert.equal(budget.take(600), true);
  assert.equal(budget.take(600), false, 'only 400 left');
  now += 200;
  assert.equal(budget.take(600), true, '400 + 200 refilled');
  now += 10_000;
  assert.equal(budget.take(5000), true, 'a fan-out larger than a second’s worth, after five seconds');
  assert.equal(budget.take(1), false);
  now += 4000;
  assert.equal(budget.take(5000), false, 'four seconds are not enough for it');
  now += 1000;
  assert.equal(budget.take(5000), true);
});

test('a frame budget takes a new rate from now on, keeping what accumulated before', () => {
  let now = 0;
  const budget = new FrameBudget(1000, () => now);
  assert.equal(budget.take(1000), true);
  now += 500; // 500 at the old rate
  budget.setRate(100);
  now += 1000; // + 100 at the new one
  assert.equal(budget.take(601), false);
  assert.equal(budget.take(600), true);
});
