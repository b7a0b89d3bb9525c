import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyframeThrottle } from './keyframe-throttle.js';

test('the first request goes out at once; others within the interval are deferred', () => {
  const t = new KeyframeThrottle(500);
  assert.deepEqual(t.request(1000), { firSeqNr: 0 });
  assert.equal(t.request(1100), undefined);
  assert.equal(t.request(1200), undefined);
  assert.equal(t.pending, true);
  assert.equal(t.due(1499), undefined);
  assert.deepEqual(t.due(1500), { firSeqNr: 1 }, 'one request for both deferred ones');
  assert.equal(t.pending, false);
  assert.equal(t.due(2100), undefined, 'nothing left');
});

test('without a deferred request, due stays silent', () => {
  const t = new KeyframeThrottle(500);
  assert.equal(t.due(0), undefined);
  t.request(0);
  assert.equal(t.due(10_000), undefined);
});

test('a request after the quiet period goes out at once', () => {
  const t = new KeyframeThrottle(500);
  t.request(0);
  assert.deepEqual(t.request(500), { firSeqNr: 1 });
  assert.equal(t.request(999), undefined);
});

test('a keyframe arriving during the quiet period cancels the deferred request', () => {
  const t = new KeyframeThrottle(500);
  t.request(0);
  t.request(100);
  t.onKeyframe();
  assert.equal(t.pending, false);
  assert.equal(t.due(600), undefined);
});

test('FIR sequence numbers wrap at 8 bits', () => {
  const t = new KeyframeThrottle(1);
  let last;
  for (let i = 0; i <= 256; i++) last = t.request(i * 10);
  assert.deepEqual(last, { firSeqNr: 0 });
});

test('default interval is 500 ms', () => {
  const t = new KeyframeThrottle();
  t.request(0);
  assert.equal(t.request(499), undefined);
  assert.deepEqual(t.due(500), { firSeqNr: 1 });
});
