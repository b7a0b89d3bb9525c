import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger.js';
import { SafeEmitter } from '../util/SafeEmitter.js';

export interface RedisLinkOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  url: string;
  logger: Logger;
  /** A command unanswered after this long fails (a hung Redis must not hang logins). */
  commandTimeoutMs: number;
}

export interface RedisLinkEvents {
  /** Both connections are ready (again): the subscriptions are being restored. */
  up: [];
  /** A connection was lost; commands fail until `up`. */
  down: [];
}

type MessageHandler = (payload: string) => void;

/** The longest wait between two reconnection attempts: short, because a node without Redis can log nobody in. */
export const MAX_RECONNECT_DELAY_MS = 1000;
const reconnectDelayMs = (attempt: number) => Math.min(100 * attempt, MAX_RECONNECT_DELAY_MS);

/**
 * The node's two connections to Redis: `commands` for everything else, and one in subscriber mode
 * (a connection that subscribed can run nothing but pub/sub). ioredis reconnects both by itself.
 *
 * Commands fail fast while Redis is unreachable (`enableOfflineQueue: false`, no retries of a command
 * whose connection died): a queue would grow with every login and heartbeat for as long as Redis is
 * away, and a client is better told 10001 at once than answered minutes later.
 *
 * The channels' handlers live here, and every time the subscriber connection becomes ready it
 * subscribes to all of them. ioredis' own `autoResubscribe` is off because it restores only what the
 * previous connection had confirmed: a channel added while Redis was away would be lost.
 */
export class RedisLink extends SafeEmitter<RedisLinkEvents> {
  readonly commands: Redis;
  readonly #subscriber: Redis;
  readonly #url: string;
  readonly #logger: Logger;
  readonly #handlers = new Map<string, Set<MessageHandler>>();
  #ready = false;
  /** Between connect() and close(): a lost connection is then an outage to log. */
  #open = false;
  #lastError: Error | undefined;

  constructor(options: RedisLinkOptions) {
    super();
    this.#url = redactUrl(options.url);
    this.#logger = options.logger;
    // disconnectTimeout (untyped, but read by ioredis' connector): disconnect() arms a timer to destroy the
    // socket that never fires its 'close' when the socket is already dead (Redis unreachable), which
    // kept a node that failed to start alive for ioredis' default 2 s.
    const common: RedisOptions & { disconnectTimeout: number } = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: reconnectDelayMs,
      disconnectTimeout: 100,
    };
    this.commands = new Redis(options.url, { ...common, commandTimeout: options.commandTimeoutMs, connectionName: 'hudong' });
    this.#subscriber = new Redis(options.url, { ...common, autoResubscribe: false, connectionName: 'hudong-subscriber' });
    for (const connection of [this.commands, this.#subscriber]) {
      connection.on('error', (err: Error) => (this.#lastError = err));
      connection.on('close', () => this.#update());
    }
    this.#subscriber.on('ready', () => this.#resubscribe());
    this.commands.on('ready', () => this.#update());
    this.#subscriber.on('ready', () => this.#update());
    this.#subscriber.on('message', (channel: string, payload: string) => this.#deliver(channel, payload));
  }

  /** The URL without its password, for logs and errors. */
  get url(): string {
    return this.#url;
  }

  /** True while both connections are ready. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Opens both connections; rejects (and stops retrying) when Redis cannot be reached, with the URL in the message. */
  async connect(): Promise<void> {
    this.#open = true;
    try {
      await Promise.all([this.commands.connect(), this.#subscriber.connect()]);
    } catch (err) {
      this.close();
      // ioredis rejects with "Connection is closed."; the reason (ECONNREFUSED, ETIMEDOUT …) came as an 'error' event.
      const reason = (this.#lastError ?? (err as Error)).message;
      throw new Error(`cannot reach Redis at ${this.#url}: ${reason}`, { cause: err });
    }
  }

  /** Publishes on `channel`; resolves with the number of subscribers (nodes) that got it. */
  publish(channel: string, payload: string): Promise<number> {
    return this.commands.publish(channel, payload);
  }

  /**
   * Calls `handler` with every message on `channel`. Several handlers share one SUBSCRIBE. Rejects when
   * Redis refused it; the channel stays registered and is subscribed again on the next reconnection.
   */
  async subscribe(channel: string, handler: MessageHandler): Promise<void> {
    const handlers = this.#handlers.get(channel);
    if (handlers) {
      handlers.add(handler);
      return;
    }
    this.#handlers.set(channel, new Set([handler]));
    if (this.#subscriber.status === 'ready') await this.#subscriber.subscribe(channel);
  }

  /** Removes `handler`; the last one of a channel unsubscribes it. Never rejects: a lost connection unsubscribed everything anyway. */
  async unsubscribe(channel: string, handler: MessageHandler): Promise<void> {
    const handlers = this.#handlers.get(channel);
    if (!handlers?.delete(handler) || handlers.size > 0) return;
    this.#handlers.delete(channel);
    if (this.#subscriber.status === 'ready') await this.#subscriber.unsubscribe(channel).catch(() => undefined);
  }

  /** Drops both connections at once (await your last commands first); connect() opens them again. Idempotent. */
  close(): void {
    this.#open = false;
    this.commands.disconnect();
    this.#subscriber.disconnect();
  }

  #update(): void {
    const ready = this.#open && this.commands.status === 'ready' && this.#subscriber.status === 'ready';
    if (ready === this.#ready) return;
    this.#ready = ready;
    if (ready) {
      this.#logger.info({ redis: this.#url }, 'redis up');
      this.safeEmit('up');
    } else if (this.#open) {
      this.#logger.warn({ redis: this.#url, error: this.#lastError?.message }, 'redis down');
      this.safeEmit('down');
    }
  }

  #resubscribe(): void {
    const channels = [...this.#handlers.keys()];
    if (channels.length === 0) return;
    this.#subscriber.subscribe(...channels).catch((err: Error) => {
      // The connection dropped again: its next 'ready' subscribes them.
      this.#logger.warn({ redis: this.#url, error: err.message, channels: channels.length }, 'redis resubscribe failed');
    });
  }

  #deliver(channel: string, payload: string): void {
    for (const handler of [...(this.#handlers.get(channel) ?? [])]) {
      try {
        handler(payload);
      } catch (err) {
        this.#logger.error({ err, channel }, 'redis message handler threw');
      }
    }
  }
}

/** `redis://user:secret@host` → `redis://user:***@host`: the URL goes into logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
