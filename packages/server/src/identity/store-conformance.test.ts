import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RedisProcess } from '../../../../tests/helpers/redis.js';
import { openRedisStore } from '../../../../tests/helpers/redis-store.js';
import type { RedisLink } from '../cluster/RedisLink.js';
import { CachedIdentityStore } from './CachedIdentityStore.js';
import type { IdentityStore } from './IdentityStore.js';
import { MemoryIdentityStore } from './MemoryIdentityStore.js';
import { SqliteIdentityStore } from './SqliteIdentityStore.js';
import { deriveTinyId } from './tinyId.js';

const SDK_APP_ID = 1400000001;
const dir = mkdtempSync(join(tmpdir(), 'hudong-store-'));
const redis = new RedisProcess();
const links: RedisLink[] = [];
before(() => redis.start());
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const link of links) link.close();
  await redis.stop();
});

let files = 0;
const implementations: Record<string, () => IdentityStore | Promise<IdentityStore>> = {
  MemoryIdentityStore: () => new MemoryIdentityStore(SDK_APP_ID),
  SqliteIdentityStore: () => new SqliteIdentityStore({ file: join(dir, `conformance-${files++}.db`), sdkAppId: SDK_APP_ID, timeoutMs: 500 }),
  // What the server runs: the lookups' cache in front of the store (a capacity of 1 makes it evict).
  CachedIdentityStore: () =>
    new CachedIdentityStore(new SqliteIdentityStore({ file: join(dir, `conformance-${files++}.db`), sdkAppId: SDK_APP_ID, timeoutMs: 500 }), 1),
  // A real redis-server, emptied for each store.
  RedisIdentityStore: async () => {
    const { store, link } = await openRedisStore(redis, { sdkAppId: SDK_APP_ID, flush: true });
    links.push(link);
    return store;
  },
};

// One suite, every implementation: the server must not behave differently with or without --data-dir.
for (const [name, make] of Object.entries(implementations)) {
  describe(`${name} (IdentityStore conformance)`, () => {
    it('gives the derived tinyId, the same every time', async () => {
      const store = await make();
      const first = await store.resolve('alice');
      assert.equal(first, deriveTinyId(SDK_APP_ID, 'alice').toString());
      assert.equal(await store.resolve('alice'), first);
      assert.notEqual(await store.resolve('bob'), first);
      await store.close();
    });

    it('maps both ways and answers null for unknowns without allocating', async () => {
      const store = await make();
      const alice = await store.resolve('alice');
      assert.deepEqual(await store.toTinyIds(['alice', 'nobody']), [alice, null]);
      assert.deepEqual(await store.toIdentifiers([alice, '12345']), ['alice', null]);
      assert.deepEqual(await store.toTinyIds(['nobody']), [null], 'a lookup must not have allocated');
      const bob = await store.resolve('bob');
      assert.deepEqual(await store.toTinyIds(['bob', 'nobody', 'alice', 'bob']), [bob, null, alice, bob], 'a batch keeps its order and repeats');
      assert.deepEqual(await store.toIdentifiers([alice, bob, alice]), ['alice', 'bob', 'alice']);
      await store.close();
    });

    it('closes idempotently', async () => {
      const store = await make();
      await store.close();
      await store.close();
    });
  });
}
