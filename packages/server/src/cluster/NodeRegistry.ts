import type { Logger } from '../logger.js';
import { SafeEmitter } from '../util/SafeEmitter.js';
import type { ClusterKeys } from './ClusterKeys.js';
import { LuaScript } from './LuaScript.js';
import { MAX_RECONNECT_DELAY_MS, type RedisLink } from './RedisLink.js';

/**
 * One heartbeat, on Redis' clock so that the nodes' clocks need not agree: writes the node's hash
 * (fields from ARGV[4…]) with heartbeatAt, its TTL, its score in `nodes`; drops the nodes whose last
 * heartbeat is older than the TTL; returns `{existed, live node ids}`. With ARGV[3] = 'join' a
 * registration that exists already is left alone: the answer is then `{-1, its url, ms since its
 * heartbeat}` (another live process has this node id).
 * KEYS: node:{nodeId}, nodes. ARGV: ttlMs, nodeId, 'join' | 'beat', field, value, …
 */
const HEARTBEAT = new LuaScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local existed = redis.call('EXISTS', KEYS[1])
if ARGV[3] == 'join' and existed == 1 then
  local at = tonumber(redis.call('HGET', KEYS[1], 'heartbeatAt') or now)
  return { -1, redis.call('HGET', KEYS[1], 'url') or '', now - at }
end
local ttl = tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'heartbeatAt', string.format('%d', now), unpack(ARGV, 4))
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - ttl)
return { existed, redis.call('ZRANGE', KEYS[2], 0, -1) }
`);

/** What a node says about itself in its registration. */
export interface NodeDescription {
  url: string;
  wsUrl: string;
  rooms: number;
  members: number;
}

export interface NodeRegistryOptions {
  link: RedisLink;
  keys: ClusterKeys;
  nodeId: string;
  /** Heartbeat interval; a node silent for 3 of them is lost. */
  heartbeatMs: number;
  logger: Logger;
  /** Read at every heartbeat. */
  describe(): NodeDescription;
}

export interface NodeRegistryEvents {
  /** A node this one had not seen live started heartbeating. */
  nodeJoined: [nodeId: string];
  /** A node seen live stopped heartbeating for 3 intervals: fired once per loss, on every surviving node. */
  nodeLost: [nodeId: string];
  /**
   * This node's registration was gone and is written again: Redis lost its data, or this node was
   * silent for 3 intervals and the others took it for lost. What it holds must be written back.
   */
  registeredAgain: [];
}

/**
 * This node's registration in Redis, renewed every heartbeat, and the other nodes' liveness as seen
 * from here. A registration lives 3 heartbeats; after Redis lost its data (restart), the next heartbeat
 * of each node simply writes it again.
 *
 * Loss is decided from what this node itself saw live: a node it knew that is no longer in `nodes` is
 * lost. Right after Redis came back (or was found emptied), the others have not written their
 * heartbeat yet: for a while, absences do not count, so that a Redis restart loses nobody.
 */
export class NodeRegistry extends SafeEmitter<NodeRegistryEvents> {
  readonly #options: NodeRegistryOptions;
  readonly #ttlMs: number;
  readonly #startedAt = Date.now();
  /** Nodes seen live (this one included), to tell joins and losses. */
  readonly #known = new Set<string>();
  #live: readonly string[] = [];
  #settleUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | null = null;
  #stopped = false;
  readonly #onUp = () => {
    this.#settle();
    void this.#beat();
  };

  constructor(options: NodeRegistryOptions) {
    super();
    this.#options = { ...options };
    this.#ttlMs = 3 * options.heartbeatMs;
  }

  /**
   * The live node ids (this one included), sorted: those whose heartbeat was within the TTL at this
   * node's last heartbeat (at most one interval old; no round trip to Redis).
   */
  nodes(): readonly string[] {
    return this.#live;
  }

  /**
   * Registers this node and starts the heartbeat. Rejects without registering when a live process
   * already heartbeats under this node id.
   */
  async start(): Promise<void> {
    const { link, keys, nodeId } = this.#options;
    const answer = (await HEARTBEAT.run(link.commands, [keys.node(nodeId), keys.nodes], this.#args('join'))) as [number, unknown, unknown];
    if (answer[0] === -1) {
      const [, url, ageMs] = answer;
      throw new Error(
        `node id "${nodeId}" is already live in the cluster (url ${String(url)}, last heartbeat ${String(ageMs)} ms ago): ` +
          `give each node its own --node-id, or wait ${this.#ttlMs} ms after a crash of the previous process`,
      );
    }
    this.#see(answer[1] as string[], true);
    this.#options.logger.info({ nodeId, nodes: this.#live, heartbeatMs: this.#options.heartbeatMs }, 'joined the cluster');
    link.on('up', this.#onUp);
    this.#timer = setInterval(() => void this.#beat(), this.#options.heartbeatMs);
  }

  /** Stops the heartbeat and removes the registration, so that the others see this node gone at their next heartbeat. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    const { link, keys, nodeId, logger } = this.#options;
    link.off('up', this.#onUp);
    await this.#beating;
    try {
      await link.commands.multi().del(keys.node(nodeId)).zrem(keys.nodes, nodeId).exec();
    } catch (err) {
      // Redis away: the registration expires by itself within one TTL.
      logger.warn({ nodeId, error: (err as Error).message }, 'could not remove the node registration');
    }
  }

  /** One heartbeat at a time: a slow Redis must not pile them up. */
  #beat(): Promise<void> {
    if (this.#stopped || this.#beating) return this.#beating ?? Promise.resolve();
    this.#beating = this.#heartbeat().finally(() => (this.#beating = null));
    return this.#beating;
  }

  async #heartbeat(): Promise<void> {
    const { link, keys, nodeId, logger } = this.#options;
    let answer: [number, string[]];
    try {
      answer = (await HEARTBEAT.run(link.commands, [keys.node(nodeId), keys.nodes], this.#args('beat'))) as [number, string[]];
    } catch (err) {
      // While Redis is down every heartbeat fails; RedisLink logs the outage once.
      if (link.ready) logger.warn({ nodeId, error: (err as Error).message }, 'heartbeat failed');
      return;
    }
    if (this.#stopped) return;
    if (answer[0] === 0) {
      // Our registration was gone: Redis lost its data, or this node was silent for a whole TTL (and
      // may have been declared lost by the others). Either way the others re-register too.
      logger.warn({ nodeId }, 'node registration was gone from Redis; registered again');
      this.#settle();
      this.safeEmit('registeredAgain');
    }
    this.#see(answer[1], false);
  }

  #see(live: string[], initial: boolean): void {
    const { nodeId, logger } = this.#options;
    this.#live = [...live].sort();
    for (const id of live) {
      if (this.#known.has(id)) continue;
      this.#known.add(id);
      if (initial || id === nodeId) continue;
      logger.info({ nodeId: id }, 'node joined');
      this.safeEmit('nodeJoined', id);
    }
    if (Date.now() < this.#settleUntil) return;
    const present = new Set(live);
    for (const id of [...this.#known]) {
      if (present.has(id) || id === nodeId) continue;
      this.#known.delete(id);
      logger.info({ nodeId: id }, 'node lost');
      this.safeEmit('nodeLost', id);
    }
  }

  /** Absences do not count until every live node has reconnected (at most one retry delay) and heartbeated (within a TTL). */
  #settle(): void {
    this.#settleUntil = Date.now() + this.#ttlMs + MAX_RECONNECT_DELAY_MS;
  }

  #args(mode: 'join' | 'beat'): (string | number)[] {
    const { nodeId, describe } = this.#options;
    const { url, wsUrl, rooms, members } = describe();
    return [
      this.#ttlMs,
      nodeId,
      mode,
      'nodeId',
      nodeId,
      'url',
      url,
      'wsUrl',
      wsUrl,
      'startedAt',
      this.#startedAt,
      'rooms',
      rooms,
      'members',
      members,
    ];
  }
}
