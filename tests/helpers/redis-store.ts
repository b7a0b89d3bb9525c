// A RedisIdentityStore on a link of its own to a test Redis: what the store's tests beside its source
// (packages/server/src/identity) open. They test the server's sources, not its build, as unit tests do.
import { ClusterKeys } from '../../packages/server/src/cluster/ClusterKeys.js';
import { RedisLink } from '../../packages/server/src/cluster/RedisLink.js';
import { RedisIdentityStore } from '../../packages/server/src/identity/RedisIdentityStore.js';
import { createDefaultLogger } from '../../packages/server/src/logger.js';
import type { RedisProcess } from './redis.js';

export interface OpenedRedisStore {
  store: RedisIdentityStore;
  /** The store's link; the test closes it (the store leaves it open, as in the server). */
  link: RedisLink;
}

/** Connects a new link to `redis` and opens a store of `sdkAppId` on it; `flush` empties Redis first. */
export async function openRedisStore(
  redis: RedisProcess,
  { sdkAppId, timeoutMs = 500, flush = false }: { sdkAppId: number; timeoutMs?: number; flush?: boolean },
) {
  const link = new RedisLink({ url: redis.url, logger: createDefaultLogger('silent'), commandTimeoutMs: timeoutMs });
  await link.connect();
  if (flush) await link.commands.flushall();
  const store = new RedisIdentityStore({ link, keys: new ClusterKeys(sdkAppId), sdkAppId, timeoutMs });
  return { store, link } satisfies OpenedRedisStore;
}
