import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Logger } from '../logger.js';
import { pairKey, type WebhookEvent } from './WebhookEvent.js';

/** How one receiver is fed (the `webhook…` options of config.ts). */
export interface WebhookLimits {
  /** Events waiting for this receiver at most; past it new events are dropped. */
  queueLimit: number;
  /** First retry delay; doubled each time, at most MAX_RETRY_DELAY_MS. */
  retryMs: number;
  /** An event is retried until it has failed for this long, then dropped. */
  retryForMs: number;
  /** One POST may take this long. */
  timeoutMs: number;
  /** Rooms whose events are in flight at once (one event per room at a time keeps each room's order). */
  concurrency: number;
}

/** What happened to events, for /metrics. */
export interface WebhookStats {
  delivered: number;
  /** Failed attempts (non-2xx, unreachable, timed out), retried or not. */
  failedAttempts: number;
  droppedQueueFull: number;
  droppedRetriesExhausted: number;
  /** Dropped because the event that opened it was dropped (an exit whose entry was). */
  droppedUnpaired: number;
  /** Waiting now, over all receivers. */
  queued: number;
}

export function emptyStats(): WebhookStats {
  return { delivered: 0, failedAttempts: 0, droppedQueueFull: 0, droppedRetriesExhausted: 0, droppedUnpaired: 0, queued: 0 };
}

const MAX_RETRY_DELAY_MS = 30_000;

interface Pending {
  event: WebhookEvent;
  settled: (() => void) | undefined;
  body: string;
  signature: string;
  firstFailure?: number;
  failures: number;
}

/**
 * One webhook URL: its own queue, so that one receiver that is down slows nobody else. Events of a
 * room go one at a time, in order; rooms go in parallel up to `concurrency`. A room's head event is
 * retried with backoff until it has failed for `retryForMs`, then dropped. The queue holds at most
 * `queueLimit` events: a new event past it is dropped. The room's later closing events follow
 * their dropped opener (no `member.exited` without its `member.entered`).
 */
export class WebhookReceiver {
  readonly url: string;
  readonly #url: URL;
  readonly #request: typeof httpRequest;
  readonly #agent: HttpAgent;
  readonly #limits: WebhookLimits;
  readonly #stats: WebhookStats;
  readonly #logger: Logger;
  readonly #rooms = new Map<number, Pending[]>();
  /** Rooms whose head can go now. */
  readonly #ready: number[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Opening keys whose event was dropped: their closing event is dropped too. */
  readonly #droppedOpeners = new Set<string>();
  #inFlight = 0;
  #size = 0;
  #closed = false;
  /** When the queue last overflowed, to log it once per episode. */
  #overflowing = false;

  constructor(url: string, limits: WebhookLimits, stats: WebhookStats, logger: Logger) {
    this.url = url;
    this.#url = new URL(url);
    const secure = this.#url.protocol === 'https:';
    this.#request = secure ? httpsRequest : httpRequest;
    this.#agent = new (secure ? HttpsAgent : HttpAgent)({ keepAlive: true, maxSockets: limits.concurrency });
    this.#limits = limits;
    this.#stats = stats;
    this.#logger = logger;
  }

  get size(): number {
    return this.#size;
  }

  /** `settled` is called once this receiver is done with the event: taken, or dropped. */
  enqueue(event: WebhookEvent, body: string, signature: string, settled?: () => void): void {
    if (this.#closed) return;
    const { opens, closes } = pairKey(event);
    if (closes && this.#droppedOpeners.delete(closes)) {
      this.#stats.droppedUnpaired++;
      settled?.();
      return;
    }
    if (this.#size >= this.#limits.queueLimit) {
      this.#stats.droppedQueueFull++;
      settled?.();
      if (opens) this.#droppedOpeners.add(opens);
      if (!this.#overflowing) this.#logger.warn({ url: this.url, queueLimit: this.#limits.queueLimit }, 'webhook queue full: new events are dropped');
      this.#overflowing = true;
      return;
    }
    this.#overflowing = false;
    let queue = this.#rooms.get(event.roomId);
    if (!queue) {
      this.#rooms.set(event.roomId, (queue = []));
      this.#ready.push(event.roomId);
    }
    queue.push({ event, settled, body, signature, failures: 0 });
    this.#size++;
    this.#stats.queued++;
    this.#pump();
  }

  /** Stops: what is queued is not delivered (logged with its count). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    if (this.#size > 0) this.#logger.warn({ url: this.url, events: this.#size }, 'webhook events not delivered: the node is closing');
    this.#stats.queued -= this.#size;
    this.#size = 0;
    this.#rooms.clear();
    this.#agent.destroy();
  }

  #pump(): void {
    while (!this.#closed && this.#inFlight < this.#limits.concurrency && this.#ready.length > 0) {
      void this.#sendHead(this.#ready.shift()!);
    }
  }

  async #sendHead(roomId: number): Promise<void> {
    const queue = this.#rooms.get(roomId)!;
    const head = queue[0]!;
    this.#inFlight++;
    const failure = await this.#post(head);
    this.#inFlight--;
    if (this.#closed) return;
    if (failure === null) {
      this.#stats.delivered++;
      this.#take(roomId, queue);
    } else {
      this.#stats.failedAttempts++;
      head.failures++;
      head.firstFailure ??= Date.now();
      const failingFor = Date.now() - head.firstFailure;
      if (failingFor >= this.#limits.retryForMs) {
        this.#stats.droppedRetriesExhausted++;
        const { opens } = pairKey(head.event);
        if (opens) this.#droppedOpeners.add(opens);
        this.#logger.warn(
          { url: this.url, id: head.event.id, event: head.event.event, roomId, failures: head.failures, failure },
          'webhook event dropped: retries exhausted',
        );
        this.#take(roomId, queue);
      } else {
        const delay = Math.min(this.#limits.retryMs * 2 ** (head.failures - 1), MAX_RETRY_DELAY_MS);
        this.#logger.debug({ url: this.url, id: head.event.id, failures: head.failures, delay, failure }, 'webhook delivery failed, retrying');
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.#ready.push(roomId);
          this.#pump();
        }, delay);
        this.#timers.add(timer);
        return;
      }
    }
    this.#pump();
  }

  /** Takes the head off; the next event of the room (its closers of dropped openers skipped) gets ready. */
  #take(roomId: number, queue: Pending[]): void {
    queue.shift()!.settled?.();
    this.#size--;
    this.#stats.queued--;
    while (queue.length > 0) {
      const { closes } = pairKey(queue[0]!.event);
      if (!(closes && this.#droppedOpeners.delete(closes))) break;
      queue.shift()!.settled?.();
      this.#size--;
      this.#stats.queued--;
      this.#stats.droppedUnpaired++;
    }
    if (queue.length === 0) this.#rooms.delete(roomId);
    else this.#ready.push(roomId);
  }

  /** null when the receiver took it (2xx), else why not. */
  #post(pending: Pending): Promise<string | null> {
    // node:http with a keep-alive agent: about a quarter of fetch's CPU per event (docs/operator.md).
    return new Promise((resolve) => {
      const req = this.#request(
        this.#url,
        {
          method: 'POST',
          agent: this.#agent,
          timeout: this.#limits.timeoutMs,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(pending.body),
            'x-hudong-signature': pending.signature,
            'x-hudong-event-id': pending.event.id,
          },
        },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          res.on('end', () => resolve(status >= 200 && status < 300 ? null : `HTTP ${status}`));
          res.on('error', (err) => resolve(err.message));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#limits.timeoutMs} ms`)));
      req.on('error', (err) => resolve(err.message));
      req.end(pending.body);
    });
  }
}
