import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageOf } from './room-actions.js';

const m = (id: string, audio = false, camera = false) => ({ id, hasAudio: audio, hasCameraVideo: camera, hasScreenVideo: false });

test('pageOf: senders first, each group in entry order, then the page', () => {
  const members = [m('q1'), m('s1', true), m('q2'), m('s2', false, true), m('q3')];
  assert.deepEqual(
    pageOf(members, { offset: 0, limit: 10 }).map((x) => x.id),
    ['s1', 's2', 'q1', 'q2', 'q3'],
  );
  assert.deepEqual(
    pageOf(members, { offset: 1, limit: 2 }).map((x) => x.id),
    ['s2', 'q1'],
  );
  assert.deepEqual(pageOf(members, { offset: 5, limit: 2 }), []);
});
