// RedisIdentityStore against a real redis-server: the allocation under a race between two nodes, the
// probe past a taken tinyId (with its decimal +1 in Lua), one HMGET per batch lookup, and Redis
// stopped or hung → 10001 STORE_FAILED / 10004 STORE_BUSY, then working again without a reopen.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { RedisProcess } from '../../../../tests/helpers/redis.js';
import { openRedisStore } from '../../../../tests/helpers/redis-store.js';
import { waitUntil } from '../../../../tests/helpers/wait-until.js';
import { ClusterKeys } from '../cluster/ClusterKeys.js';
import type { RedisLink } from '../cluster/RedisLink.js';
import { ServerError } from '../errors.js';
import { ALLOCATE_TINY_ID_LUA } from './RedisIdentityStore.js';
import { deriveTinyId } from './tinyId.js';

const SDK_APP_ID = 1400000001;
const keys = new ClusterKeys(SDK_APP_ID);
const redis = new RedisProcess();
const links: RedisLink[] = [];

const open = async (timeoutMs = 500) => {
  const opened = await openRedisStore(redis, { sdkAppId: SDK_APP_ID, timeoutMs });
  links.push(opened.link);
  return opened;
};

function assertStoreError(err: unknown, code: number, subCode: string, mentions: RegExp): true {
  assert.ok(err instanceof ServerError, `expected a ServerError, got ${String(err)}`);
  assert.deepEqual([err.code, err.detail.code], [code, subCode]);
  assert.match(err.detail.message, mentions);
  return true;
}

describe('RedisIdentityStore', () => {
  before(() => redis.start());
  beforeEach(() => redis.cli('FLUSHALL'));
  after(async () => {
    for (const link of links) link.close();
    redis.resume();
    await redis.stop();
  });

  it('two nodes resolving the same 200 new identifiers at once get the same tinyIds', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const identifiers = Array.from({ length: 200 }, (_, i) => `racer-${i}`);
    const [fromA, fromB] = await Promise.all([
      Promise.all(identifiers.map((id) => a.store.resolve(id))),
      Promise.all(identifiers.map((id) => b.store.resolve(id))),
    ]);
    assert.deepEqual(fromA, fromB);
    assert.equal(new Set(fromA).size, 200, 'every identifier has its own tinyId');
    assert.deepEqual(
      fromA,
      identifiers.map((id) => deriveTinyId(SDK_APP_ID, id).toString()),
    );
    assert.deepEqual(await b.store.toIdentifiers(fromA), identifiers);
    assert.equal(await redis.cli('HLEN', keys.tinyByTiny), '200', 'one entry per identifier, none allocated twice');
  });

  it('stays one tinyId per identifier when 200 identifiers whose candidates all collide race from two nodes', async () => {
    // Derived candidates never collide in practice, so the script is given one candidate for all: only an
    // atomic check-and-take gives 200 distinct tinyIds, the same from both connections.
    const [a, b] = await Promise.all([open(), open()]);
    const identifiers = Array.from({ length: 200 }, (_, i) => `collider-${i}`);
    const allocate = (link: RedisLink, id: string) => link.commands.eval(ALLOCATE_TINY_ID_LUA, 2, keys.tinyById, keys.tinyByTiny, id, '1000');
    const [fromA, fromB] = await Promise.all([
      Promise.all(identifiers.map((id) => allocate(a.link, id))),
      Promise.all(identifiers.map((id) => allocate(b.link, id))),
    ]);
    assert.deepEqual(fromA, fromB);
    assert.deepEqual(
      [...(fromA as string[])].sort((x, y) => Number(x) - Number(y)),
      Array.from({ length: 200 }, (_, i) => String(1000 + i)),
    );
    assert.deepEqual(await a.store.toIdentifiers(fromA as string[]), identifiers);
  });

  it('probes past a tinyId another identifier holds, as the other stores do', async () => {
    const { store } = await open();
    const derived = deriveTinyId(SDK_APP_ID, 'alice');
    await redis.cli('HSET', keys.tinyByTiny, derived.toString(), 'squatter', (derived + 1n).toString(), 'other');
    assert.equal(await store.resolve('alice'), (derived + 2n).toString());
    assert.deepEqual(await store.toIdentifiers([(derived + 2n).toString()]), ['alice']);
  });

  it('adds one to a decimal tinyId in Lua, carrying and wrapping within 63 bits', async () => {
    const { link } = await open();
    const allocate = async (candidate: string, taken: string[]) => {
      await redis.cli('DEL', keys.tinyById, keys.tinyByTiny);
      if (taken.length > 0) await redis.cli('HSET', keys.tinyByTiny, ...taken.flatMap((t) => [t, `holder-of-${t}`]));
      return link.commands.eval(ALLOCATE_TINY_ID_LUA, 2, keys.tinyById, keys.tinyByTiny, 'newcomer', candidate);
    };
    assert.equal(await allocate('41', []), '41');
    assert.equal(await allocate('41', ['41']), '42');
    assert.equal(await allocate('199', ['199']), '200');
    assert.equal(await allocate('999', ['999', '1000']), '1001');
    assert.equal(await allocate('9223372036854775807', ['9223372036854775807']), '0', '2^63 - 1 wraps to 0');
  });

  it('answers a batch lookup with one HMGET', async () => {
    const { store } = await open();
    const identifiers = Array.from({ length: 50 }, (_, i) => `batch-${i}`);
    const tinyIds = await Promise.all(identifiers.map((id) => store.resolve(id)));
    await redis.cli('CONFIG', 'RESETSTAT');
    assert.deepEqual(await store.toTinyIds([...identifiers, 'unknown']), [...tinyIds, null]);
    assert.deepEqual(await store.toIdentifiers([...tinyIds, '12345']), [...identifiers, null]);
    const stats = await redis.cli('INFO', 'commandstats');
    assert.match(stats, /cmdstat_hmget:calls=2,/);
    assert.doesNotMatch(stats, /cmdstat_hget:/);
  });

  it('10001 STORE_FAILED while Redis is down, 10004 STORE_BUSY while it hangs; works again once it is back', async () => {
    const { store, link } = await open(300);
    const alice = await store.resolve('alice');

    redis.pause();
    try {
      await assert.rejects(store.resolve('alice'), (err) => assertStoreError(err, 10004, 'STORE_BUSY', /did not answer within 300 ms/));
      await assert.rejects(store.toTinyIds(['alice']), (err) => assertStoreError(err, 10004, 'STORE_BUSY', /300 ms/));
    } finally {
      redis.resume();
    }
    assert.equal(await store.resolve('alice'), alice, 'the same connection answers again');

    await redis.stop();
    await waitUntil('the link to notice', () => !link.ready, 5000, 20);
    await assert.rejects(store.resolve('alice'), (err) => assertStoreError(err, 10001, 'STORE_FAILED', /unreachable/));
    await assert.rejects(store.toIdentifiers([alice]), (err) => assertStoreError(err, 10001, 'STORE_FAILED', /unreachable/));

    await redis.start();
    await waitUntil('the link to reconnect', () => link.ready, 5000, 20);
    // The restarted Redis kept nothing: alice is allocated again, to the same derived tinyId.
    assert.deepEqual(await store.toTinyIds(['alice']), [null]);
    assert.equal(await store.resolve('alice'), alice);
  });
});
