import type { ClusterKeys } from '../cluster/ClusterKeys.js';
import { LuaScript } from '../cluster/LuaScript.js';
import type { RedisLink } from '../cluster/RedisLink.js';
import type { Logger } from '../logger.js';
import type { WebhookEvent, WebhookEventInit } from './WebhookEvent.js';
import type { Webhooks } from './Webhooks.js';

/** How often the delivering node reads the stream (and the others try to become it). */
const POLL_MS = 250;
/** Stream entries read at once. */
const BATCH = 500;

/** Renews the lease if this node still holds it. ARGV: nodeId, lease ms. */
const RENEW = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);
/** Gives the lease up if this node holds it. ARGV: nodeId. */
const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`);

export interface ClusterWebhooksOptions {
  link: RedisLink;
  keys: ClusterKeys;
  nodeId: string;
  sdkAppId: number;
  webhooks: Webhooks;
  /** How long the delivering node's lease lasts without renewal: another node takes over after it. */
  leaseMs: number;
  logger: Logger;
}

/**
 * Webhooks of a cluster (docs/operator.md): the room scripts append every event to one Redis stream, in
 * the order of the room's changes; one node at a time (the holder of the `webhook:leader` lease) reads it
 * into its receivers' queues, so that each event is sent once per cluster and each room's in order. It
 * writes a checkpoint (the last event every receiver is done with) and trims the stream to it; the
 * next holder, when this one stops or is lost, starts after the checkpoint: events in flight then are
 * sent again (same `id`, for the receiver to drop).
 */
export class ClusterWebhooks {
  readonly #options: ClusterWebhooksOptions;
  #timer: NodeJS.Timeout | undefined;
  #leading = false;
  /** The last stream id read. */
  #lastRead = '0-0';
  /** Ids read and not yet done with, in stream order, and which of them are done. */
  readonly #inFlight: string[] = [];
  readonly #done = new Set<string>();
  #checkpoint = '0-0';
  #written = '0-0';
  #ticking = false;
  /** Bumped with each lease taken: what an earlier lease queued settles without touching this one's checkpoint. */
  #generation = 0;

  constructor(options: ClusterWebhooksOptions) {
    this.#options = { ...options };
  }

  start(): void {
    this.#timer = setInterval(() => void this.#tick(), POLL_MS);
  }

  /** Stops delivering; the lease is given up so that another node takes over at once. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    while (this.#ticking) await new Promise((resolve) => setTimeout(resolve, 10));
    if (!this.#leading) return;
    this.#leading = false;
    const { link, keys, nodeId } = this.#options;
    await this.#writeCheckpoint().catch(() => undefined);
    await RELEASE.run(link.commands, [keys.webhookLeader], [nodeId]).catch(() => undefined);
  }

  async #tick(): Promise<void> {
    if (this.#ticking || !this.#options.link.ready) return;
    this.#ticking = true;
    try {
      if (await this.#lead()) {
        await this.#read();
        await this.#writeCheckpoint();
      }
    } catch (err) {
      this.#options.logger.warn({ error: (err as Error).message }, 'webhook stream: Redis failed, trying again');
    } finally {
      this.#ticking = false;
    }
  }

  /** Takes or renews the lease; true while this node delivers. */
  async #lead(): Promise<boolean> {
    const { link, keys, nodeId, leaseMs, logger } = this.#options;
    if (this.#leading) {
      if ((await RENEW.run(link.commands, [keys.webhookLeader], [nodeId, leaseMs])) === 1) return true;
      this.#leading = false;
      logger.warn({ nodeId }, 'webhook delivery: lease lost (this node stalled?), another node delivers now');
      return false;
    }
    if ((await link.commands.set(keys.webhookLeader, nodeId, 'PX', leaseMs, 'NX')) !== 'OK') return false;
    this.#leading = true;
    this.#lastRead = this.#checkpoint = this.#written = (await link.commands.get(keys.webhookCheckpoint)) ?? '0-0';
    this.#inFlight.length = 0;
    this.#done.clear();
    this.#generation++;
    logger.info({ nodeId, after: this.#lastRead }, "webhook delivery: this node delivers the cluster's events");
    return true;
  }

  async #read(): Promise<void> {
    const { link, keys, webhooks, sdkAppId, logger } = this.#options;
    for (;;) {
      const answer = (await link.commands.xread('COUNT', BATCH, 'STREAMS', keys.webhookEvents, this.#lastRead)) as
        [string, [string, string[]][]][] | null;
      const entries = answer?.[0]?.[1] ?? [];
      for (const [id, fields] of entries) {
        this.#lastRead = id;
        const event = eventOf(id, fields, sdkAppId);
        if (!event) {
          logger.warn({ id }, 'webhook stream: an entry that is not an event, skipped');
          continue;
        }
        this.#inFlight.push(id);
        const generation = this.#generation;
        webhooks.deliver(event, () => generation === this.#generation && this.#settled(id));
      }
      if (entries.length < BATCH || !this.#leading) return;
    }
  }

  #settled(id: string): void {
    this.#done.add(id);
    while (this.#inFlight.length > 0 && this.#done.has(this.#inFlight[0]!)) {
      this.#checkpoint = this.#inFlight.shift()!;
      this.#done.delete(this.#checkpoint);
    }
  }

  async #writeCheckpoint(): Promise<void> {
    // Nothing outstanding: everything read is done.
    const checkpoint = this.#inFlight.length === 0 ? this.#lastRead : this.#checkpoint;
    if (checkpoint === this.#written) return;
    const { link, keys } = this.#options;
    await link.commands.set(keys.webhookCheckpoint, checkpoint);
    await link.commands.xtrim(keys.webhookEvents, 'MINID', checkpoint);
    this.#written = checkpoint;
  }
}

/** A stream entry (`e`: the scripts' JSON) as the event receivers get; its id is the stream id, its time the id's. */
function eventOf(id: string, fields: string[], sdkAppId: number): WebhookEvent | null {
  const at = fields.indexOf('e');
  if (at < 0 || at % 2 !== 0) return null;
  try {
    const told = JSON.parse(fields[at + 1]!) as WebhookEventInit & { node: string };
    if (typeof told.event !== 'string' || typeof told.roomId !== 'number') return null;
    return { id, event: told.event, timestamp: Number(id.split('-')[0]), sdkAppId, roomId: told.roomId, ...rest(told), node: told.node };
  } catch {
    return null;
  }
}

function rest({ identifier, srcType, reason }: WebhookEventInit): Partial<WebhookEventInit> {
  return { ...(identifier !== undefined && { identifier }), ...(srcType !== undefined && { srcType }), ...(reason !== undefined && { reason }) };
}
