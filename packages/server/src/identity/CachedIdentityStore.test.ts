import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CachedIdentityStore } from './CachedIdentityStore.js';
import type { IdentityStore } from './IdentityStore.js';
import { MemoryIdentityStore } from './MemoryIdentityStore.js';

/** A MemoryIdentityStore that records the ids each lookup asked it for. */
function countingStore() {
  const inner = new MemoryIdentityStore(1400000001);
  const asked: string[][] = [];
  const store: IdentityStore = {
    resolve: (id) => inner.resolve(id),
    toTinyIds: (ids) => (asked.push([...ids]), inner.toTinyIds(ids)),
    toIdentifiers: (tinyIds) => (asked.push([...tinyIds]), inner.toIdentifiers(tinyIds)),
    close: () => inner.close(),
  };
  return { inner, store, asked };
}

test('lookups of known pairs are answered from memory, both ways; unknown ids are asked again', async () => {
  const { inner, store, asked } = countingStore();
  const cached = new CachedIdentityStore(store, 10);
  const alice = await cached.resolve('alice');
  const bob = await inner.resolve('bob');
  assert.deepEqual(await cached.toTinyIds(['alice', 'bob', 'nobody', 'bob']), [alice, bob, null, bob]);
  assert.deepEqual(asked, [['bob', 'nobody']], 'alice was known from her login; bob asked once');
  assert.deepEqual(await cached.toIdentifiers([bob, alice]), ['bob', 'alice']);
  assert.deepEqual(await cached.toTinyIds(['nobody']), [null]);
  assert.deepEqual(asked, [['bob', 'nobody'], ['nobody']], 'a null is not kept: the id may be allocated later');
});

test('holds at most its capacity, dropping the least recently used pair', async () => {
  const { inner, store, asked } = countingStore();
  const cached = new CachedIdentityStore(store, 2);
  const [a, b, c] = [await inner.resolve('a'), await inner.resolve('b'), await inner.resolve('c')];
  await cached.toTinyIds(['a', 'b']);
  await cached.toIdentifiers([a]); // a is now the most recently used
  await cached.toTinyIds(['c']); // b leaves
  asked.length = 0;
  assert.deepEqual(await cached.toTinyIds(['a', 'c']), [a, c]);
  assert.deepEqual(asked, []);
  assert.deepEqual(await cached.toIdentifiers([b]), ['b']);
  assert.deepEqual(asked, [[b]]);
});

test('a batch larger than the capacity is answered whole', async () => {
  const { inner, store } = countingStore();
  const cached = new CachedIdentityStore(store, 1);
  const tinyIds = [await inner.resolve('a'), await inner.resolve('b'), await inner.resolve('c')];
  assert.deepEqual(await cached.toTinyIds(['a', 'b', 'c']), tinyIds);
  assert.deepEqual(await cached.toIdentifiers(tinyIds), ['a', 'b', 'c']);
});
