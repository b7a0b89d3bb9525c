import type { ClusterKeys } from '../cluster/ClusterKeys.js';
import { LuaScript } from '../cluster/LuaScript.js';
import type { RedisLink } from '../cluster/RedisLink.js';
import type { IdentityStore } from './IdentityStore.js';
import { redisStoreError } from './store-error.js';
import { deriveTinyId } from './tinyId.js';

/**
 * The allocation of identity/tinyId.ts, atomically in Redis: the identifier's tinyId if it has one,
 * else the derived candidate (ARGV[2], computed by deriveTinyId) or the next free one, +1 wrapping
 * within 63 bits. tinyIds are decimal strings (63 bits do not fit a Lua number), so +1 is done on
 * the digits. KEYS: tiny:byId, tiny:byTiny. ARGV: identifier, candidate.
 * @internal exported for the test of the wrap-around
 */
export const ALLOCATE_TINY_ID_LUA = `
local known = redis.call('HGET', KEYS[1], ARGV[1])
if known then return known end
local function increment(n)
  local digits = { string.byte(n, 1, -1) }
  local i = #digits
  while i > 0 and digits[i] == 57 do
    digits[i] = 48
    i = i - 1
  end
  local s
  if i == 0 then
    s = '1' .. string.char(unpack(digits))
  else
    digits[i] = digits[i] + 1
    s = string.char(unpack(digits))
  end
  if s == '9223372036854775808' then return '0' end
  return s
end
local candidate = ARGV[2]
while true do
  local owner = redis.call('HGET', KEYS[2], candidate)
  if not owner then break end
  candidate = increment(candidate)
end
redis.call('HSET', KEYS[1], ARGV[1], candidate)
redis.call('HSET', KEYS[2], candidate, ARGV[1])
return candidate
`;

const allocate = new LuaScript(ALLOCATE_TINY_ID_LUA);

export interface RedisIdentityStoreOptions {
  link: RedisLink;
  keys: ClusterKeys;
  sdkAppId: number;
  /** The link's command timeout, named in 10004 STORE_BUSY. */
  timeoutMs: number;
}

/**
 * identifier ↔ tinyId shared by every node of a cluster: hashes `tiny:byId` and `tiny:byTiny`. A
 * new identifier is allocated in one Lua script, so two nodes resolving it at once get one tinyId.
 * The link is the cluster's; closing the store leaves it open.
 */
export class RedisIdentityStore implements IdentityStore {
  readonly #options: RedisIdentityStoreOptions;
  #closed = false;

  constructor(options: RedisIdentityStoreOptions) {
    this.#options = { ...options };
  }

  async resolve(identifier: string): Promise<string> {
    const { link, keys, sdkAppId } = this.#options;
    // One round trip for known and new identifiers alike: the script answers a known one first.
    const candidate = deriveTinyId(sdkAppId, identifier).toString();
    return this.#run(async () => String(await allocate.run(link.commands, [keys.tinyById, keys.tinyByTiny], [identifier, candidate])));
  }

  async toTinyIds(identifiers: readonly string[]): Promise<(string | null)[]> {
    if (identifiers.length === 0) return [];
    return this.#run(() => this.#options.link.commands.hmget(this.#options.keys.tinyById, ...identifiers));
  }

  async toIdentifiers(tinyIds: readonly string[]): Promise<(string | null)[]> {
    if (tinyIds.length === 0) return [];
    return this.#run(() => this.#options.link.commands.hmget(this.#options.keys.tinyByTiny, ...tinyIds));
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async #run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      if (this.#closed) throw new Error('identity store is closed');
      return await fn();
    } catch (err) {
      throw redisStoreError(err, this.#options.timeoutMs);
    }
  }
}
