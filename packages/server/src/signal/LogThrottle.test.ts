import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogThrottle } from './LogThrottle.js';

test('the first occurrence is logged in full, the next ones counted and reported once per interval', () => {
  const throttle = new LogThrottle(10_000);
  assert.equal(throttle.admit(0), true);
  assert.equal(throttle.due(0), 0);
  for (let t = 1; t <= 5; t++) assert.equal(throttle.admit(t * 1000), false);
  assert.equal(throttle.due(5000), 0, 'not before the interval');
  assert.equal(throttle.due(10_000), 5);
  assert.equal(throttle.due(20_000), 0, 'nothing counted since');
  throttle.admit(21_000);
  throttle.admit(22_000);
  assert.equal(throttle.due(25_000), 0, 'the interval starts again at the last report');
  assert.equal(throttle.drain(26_000), 2, 'what is left, at the end');
  assert.equal(throttle.drain(27_000), 0);
});
