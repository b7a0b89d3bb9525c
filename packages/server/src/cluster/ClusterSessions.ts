import { createHash } from 'node:crypto';
import { redisStoreError } from '../identity/store-error.js';
import type { Logger } from '../logger.js';
import type { Session } from '../session/Session.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import type { ClusterKeys } from './ClusterKeys.js';
import { LuaScript } from './LuaScript.js';
import type { ClusterMessageOf } from './messages.js';
import type { NodeBus } from './NodeBus.js';
import type { NodeRegistry } from './NodeRegistry.js';
import type { RedisLink } from './RedisLink.js';

// The value of session:{identifier} is the JSON `{nodeId, sessionId}` of its holder (HeldBy).
// KEYS of each script: session:{identifier}, node-sessions:{this node}.

/** Takes the key, returning the previous holder; the identifier joins this node's set. ARGV: value, identifier. */
const CLAIM = new LuaScript(`
local previous = redis.call('SET', KEYS[1], ARGV[1], 'GET')
redis.call('SADD', KEYS[2], ARGV[2])
return previous
`);

/**
 * Deletes the key only if it still holds this session; the identifier leaves this node's set unless the
 * key names another session of this node. ARGV: value, identifier, nodeId.
 */
const RELEASE = new LuaScript(`
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
  return 1
end
if not current or cjson.decode(current).nodeId ~= ARGV[3] then redis.call('SREM', KEYS[2], ARGV[2]) end
return 0
`);

/** After Redis came back: writes the key again unless someone took it meanwhile, whose value is then returned. ARGV: value, identifier. */
const REASSERT = new LuaScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('SADD', KEYS[2], ARGV[2])
  return false
end
return redis.call('GET', KEYS[1])
`);

/** A lost node's leftover: deletes the key if that node still holds it. KEYS: session:{identifier}. ARGV: lost nodeId. */
const DROP_IF_HELD_BY = new LuaScript(`
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current).nodeId == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`);

/** How long the node that won `cleanup:{lostNodeId}` keeps it: the others skip that loss meanwhile. */
const CLEANUP_CLAIM_MS = 60_000;
/** Scripts sent at once when walking many sessions (cleanup, reassert). */
const BATCH = 1000;

interface HeldBy {
  nodeId: string;
  sessionId: string;
}

interface Held {
  session: Session;
  sessionId: string;
  /** The key's value while this node holds it. */
  value: string;
}

export interface ClusterSessionsOptions {
  link: RedisLink;
  keys: ClusterKeys;
  bus: NodeBus;
  registry: NodeRegistry;
  /** This node's local sessions: their end releases the key. */
  sessions: SessionRegistry;
  nodeId: string;
  logger: Logger;
  /** The link's command timeout, named in 10004 STORE_BUSY. */
  timeoutMs: number;
}

/**
 * One session per identifier across the cluster. SessionRegistry stays the local registry (and still
 * replaces a session of this node itself); this records in Redis which node holds each identifier's
 * session, and ends a session here when a login on another node took it over — as a same-node login
 * does: `session.replaced` 10008, close 4001, EXIT for the room.
 */
export class ClusterSessions {
  readonly #options: ClusterSessionsOptions;
  /** The sessions this node holds in Redis, by identifier. */
  readonly #held = new Map<string, Held>();
  /** Redis work in flight (releases, cleanups, write-backs): close() lets it finish. */
  readonly #pending = new Set<Promise<void>>();
  readonly #onReplace = (message: ClusterMessageOf<'session.replace'>, from: string) => this.#replace(message, from);
  readonly #onEnded = (session: Session) => this.#release(session);
  readonly #onNodeLost = (nodeId: string) => this.#track(this.#cleanUpAfter(nodeId));
  readonly #onUp = () => this.#track(this.#reassert());

  constructor(options: ClusterSessionsOptions) {
    this.#options = { ...options };
  }

  start(): void {
    const { bus, sessions, registry, link } = this.#options;
    bus.on('session.replace', this.#onReplace);
    sessions.on('ended', this.#onEnded);
    registry.on('nodeLost', this.#onNodeLost);
    // Also when the others took this node for lost (silent for 3 heartbeats) and forgot its sessions.
    registry.on('registeredAgain', this.#onUp);
    link.on('up', this.#onUp);
  }

  /**
   * Records `session` (just logged in here) as its identifier's one session; a session another node
   * held is ended there. A resumed session keeps the claim of its first login. Throws ServerError
   * 10001 / 10004 when Redis fails.
   */
  async claim(session: Session): Promise<void> {
    const { link, keys, nodeId, bus, timeoutMs } = this.#options;
    const sessionId = sessionIdOf(session);
    const value = JSON.stringify({ nodeId, sessionId } satisfies HeldBy);
    // Held before Redis answers: should the session end meanwhile, its release (queued after this claim
    // on the same connection) must find it.
    this.#held.set(session.identifier, { session, sessionId, value });
    try {
      const previous = parseHeldBy(
        await CLAIM.run(link.commands, [keys.session(session.identifier), keys.nodeSessions(nodeId)], [value, session.identifier]),
      );
      if (!previous || previous.nodeId === nodeId) return;
      // Sent whether or not that node looks live from here: a stale view would miss a node that just
      // came back, and a message to a dead node's channel costs one PUBLISH and reaches nobody.
      await bus.send(previous.nodeId, { type: 'session.replace', identifier: session.identifier, sessionId: previous.sessionId });
    } catch (err) {
      throw redisStoreError(err, timeoutMs);
    }
  }

  /** The node holding `identifier`'s session, or null when it has none. Throws ServerError 10001 / 10004 when Redis fails. */
  async holderOf(identifier: string): Promise<string | null> {
    const { link, keys, timeoutMs } = this.#options;
    try {
      return parseHeldBy(await link.commands.get(keys.session(identifier)))?.nodeId ?? null;
    } catch (err) {
      throw redisStoreError(err, timeoutMs);
    }
  }

  /** Stops reacting to the cluster and lets the Redis work in flight finish. */
  async close(): Promise<void> {
    const { bus, sessions, registry, link } = this.#options;
    bus.off('session.replace', this.#onReplace);
    sessions.off('ended', this.#onEnded);
    registry.off('nodeLost', this.#onNodeLost);
    registry.off('registeredAgain', this.#onUp);
    link.off('up', this.#onUp);
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  #replace({ identifier, sessionId }: ClusterMessageOf<'session.replace'>, from: string): void {
    const held = this.#held.get(identifier);
    // Not held, or held by a newer session than the one the other node replaced: nothing to end.
    if (!held || held.sessionId !== sessionId) return;
    this.#options.logger.info({ identifier, tinyId: held.session.tinyId, by: from }, 'session replaced by a login on another node');
    held.session.replace();
  }

  #release(session: Session): void {
    const held = this.#held.get(session.identifier);
    if (held?.session !== session) return;
    this.#held.delete(session.identifier);
    const { link, keys, nodeId, logger } = this.#options;
    const released = RELEASE.run(
      link.commands,
      [keys.session(session.identifier), keys.nodeSessions(nodeId)],
      [held.value, session.identifier, nodeId],
    );
    this.#track(
      released.then(
        () => undefined,
        (err: Error) => logger.warn({ identifier: session.identifier, error: err.message }, 'could not release the session in Redis'),
      ),
    );
  }

  /** One surviving node (whoever claims `cleanup:{lost}` first) forgets the lost node's sessions. */
  async #cleanUpAfter(lostNodeId: string): Promise<void> {
    const { link, keys, nodeId, logger } = this.#options;
    try {
      const won = await link.commands.set(keys.cleanup(lostNodeId), nodeId, 'PX', CLEANUP_CLAIM_MS, 'NX');
      if (won !== 'OK') return;
      const identifiers = await link.commands.smembers(keys.nodeSessions(lostNodeId));
      let dropped = 0;
      for (let i = 0; i < identifiers.length; i += BATCH) {
        const batch = identifiers.slice(i, i + BATCH);
        const results = await Promise.all(batch.map((id) => DROP_IF_HELD_BY.run(link.commands, [keys.session(id)], [lostNodeId])));
        dropped += results.filter((r) => r === 1).length;
      }
      await link.commands.del(keys.nodeSessions(lostNodeId));
      logger.info({ lostNodeId, sessions: dropped }, "forgot a lost node's sessions");
    } catch (err) {
      logger.warn({ lostNodeId, error: (err as Error).message }, "could not forget a lost node's sessions");
    }
  }

  /**
   * Redis came back, perhaps without its data, and a `session.replace` sent meanwhile was lost: writes
   * every held key again, and ends here the sessions that a login elsewhere took over in the meantime.
   */
  async #reassert(): Promise<void> {
    const { link, keys, nodeId, logger } = this.#options;
    const held = [...this.#held.values()];
    try {
      for (let i = 0; i < held.length; i += BATCH) {
        const batch = held.slice(i, i + BATCH);
        const answers = await Promise.all(
          batch.map((h) =>
            REASSERT.run(link.commands, [keys.session(h.session.identifier), keys.nodeSessions(nodeId)], [h.value, h.session.identifier]),
          ),
        );
        batch.forEach((h, j) => {
          const taken = parseHeldBy(answers[j]);
          if (!taken || (taken.nodeId === nodeId && taken.sessionId === h.sessionId)) return;
          if (this.#held.get(h.session.identifier) !== h) return;
          logger.info(
            { identifier: h.session.identifier, tinyId: h.session.tinyId, by: taken.nodeId },
            'session replaced by a login on another node',
          );
          h.session.replace();
        });
      }
    } catch (err) {
      // The next 'up' tries again.
      logger.warn({ sessions: held.length, error: (err as Error).message }, 'could not write the sessions to Redis again');
    }
  }

  #track(work: Promise<void>): void {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }
}

/** The session's name in Redis: a hash of its resume token, never the token itself (the token is the client's credential). */
function sessionIdOf(session: Session): string {
  return createHash('sha256').update(session.token).digest('base64url').slice(0, 22);
}

function parseHeldBy(value: unknown): HeldBy | null {
  if (typeof value !== 'string') return null;
  try {
    const parsed = JSON.parse(value) as Partial<HeldBy>;
    return typeof parsed.nodeId === 'string' && typeof parsed.sessionId === 'string' ? { nodeId: parsed.nodeId, sessionId: parsed.sessionId } : null;
  } catch {
    return null;
  }
}
