import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitAtMost } from './waitAtMost.js';

test('waitAtMost: true when the promise settles in time, false after the time, rejects with it', async () => {
  assert.equal(await waitAtMost(Promise.resolve('x'), 1000), true);
  const t0 = Date.now();
  assert.equal(await waitAtMost(new Promise(() => {}), 30), false);
  assert.ok(Date.now() - t0 >= 25);
  await assert.rejects(waitAtMost(Promise.reject(new Error('no')), 1000), /no/);
});
