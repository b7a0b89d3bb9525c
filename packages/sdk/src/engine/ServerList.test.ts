import assert from 'node:assert/strict';
import test from 'node:test';
import { ServerList } from './ServerList.js';

test('a server list stays on its node until an attempt there fails, then goes round in order', () => {
  const list = new ServerList(['ws://a/ws', 'ws://b/ws', 'ws://c/ws']);
  assert.equal(list.current, 'ws://a/ws');
  assert.equal(list.current, 'ws://a/ws', 'reading it does not move it');
  list.failed();
  assert.equal(list.current, 'ws://b/ws');
  list.failed();
  list.failed();
  assert.equal(list.current, 'ws://a/ws', 'round again after the last one');
});

test('a list of one always gives that one; an empty list is refused', () => {
  const list = new ServerList(['ws://a/ws']);
  list.failed();
  assert.equal(list.current, 'ws://a/ws');
  assert.throws(() => new ServerList([]), RangeError);
});
