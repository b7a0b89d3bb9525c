import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffViews, type ViewSpec } from './view-diff.js';

const v = (identifier: string, srcType: 'camera' | 'screen', size: 'big' | 'small'): ViewSpec => ({ identifier, srcType, size });

test('the list is the full set: new entries added, changed sizes resized, missing ones removed', () => {
  const current = [v('bob', 'camera', 'big'), v('carol', 'camera', 'small'), v('dave', 'screen', 'big')];
  const wanted = [v('carol', 'camera', 'big'), v('erin', 'camera', 'small'), v('bob', 'camera', 'big'), v('bob', 'screen', 'big')];
  const d = diffViews(current, wanted);
  assert.deepEqual(d.add, [v('erin', 'camera', 'small'), v('bob', 'screen', 'big')]);
  assert.deepEqual(d.resize, [v('carol', 'camera', 'big')]);
  assert.deepEqual(d.remove, [v('dave', 'screen', 'big')]);
  assert.deepEqual(d.keep, [v('bob', 'camera', 'big')]);
});

test('an empty list removes everything; the same list changes nothing', () => {
  const current = [v('bob', 'camera', 'big'), v('bob', 'screen', 'small')];
  assert.deepEqual(diffViews(current, []), { add: [], resize: [], remove: current, keep: [] });
  assert.deepEqual(diffViews(current, current), { add: [], resize: [], remove: [], keep: current });
  assert.deepEqual(diffViews([], current).add, current);
});

test('camera and screen of one member are separate views', () => {
  const d = diffViews([v('bob', 'camera', 'big')], [v('bob', 'screen', 'big')]);
  assert.deepEqual(d.add, [v('bob', 'screen', 'big')]);
  assert.deepEqual(d.remove, [v('bob', 'camera', 'big')]);
});
