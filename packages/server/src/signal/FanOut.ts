/** What an outbox waiting for its turn must do then. */
export interface Flushable {
  /** Writes what is queued; must not throw (a connection guards its socket writes). */
  flush(): void;
}

export interface FanOutOptions {
  /** How long one slice may write before the event loop reads sockets again (ms). @default 1 */
  sliceMs?: number;
  /** The share of the waiting outboxes one slice flushes however long that takes. @default 1/4 */
  minShare?: number;
  /** The clock, in ms (tests pass their own). @default performance.now */
  now?: () => number;
}

const DEFAULTS: Required<FanOutOptions> = { sliceMs: 1, minShare: 1 / 4, now: () => performance.now() };

/**
 * Flushes waiting outboxes, the longest-waiting first, in slices run from `setImmediate`: between
 * two slices the event loop reads sockets, so a request that arrives during a large fan-out is
 * answered after one slice (~1 ms of writes) instead of after all of it. Each slice still flushes
 * at least a quarter of the backlog: under overload the fan-out drains and slows the reads down,
 * as it did when it was written inline, instead of piling up.
 */
export class FanOut {
  /** The process's scheduler: every connection's events share the socket-writing time. */
  static readonly shared = new FanOut();

  readonly #options: Required<FanOutOptions>;
  /** Insertion-ordered: the outbox that has waited longest is flushed first. */
  readonly #waiting = new Set<Flushable>();
  #scheduled = false;

  constructor(options: FanOutOptions = {}) {
    this.#options = { ...DEFAULTS, ...options };
  }

  /** Outboxes with frames to write. */
  get backlog(): number {
    return this.#waiting.size;
  }

  /** `outbox` has frames now. */
  waiting(outbox: Flushable): void {
    this.#waiting.add(outbox);
    this.#schedule();
  }

  /** `outbox` has nothing left to write. */
  done(outbox: Flushable): void {
    this.#waiting.delete(outbox);
  }

  #schedule(): void {
    if (this.#scheduled || this.#waiting.size === 0) return;
    this.#scheduled = true;
    setImmediate(() => this.#slice());
  }

  #slice(): void {
    this.#scheduled = false;
    const { sliceMs, minShare, now } = this.#options;
    const until = now() + sliceMs;
    let atLeast = Math.ceil(this.#waiting.size * minShare);
    // flush() calls done(): deleting the entry being visited is safe while iterating a Set.
    for (const outbox of this.#waiting) {
      outbox.flush();
      if (--atLeast <= 0 && now() >= until) break;
    }
    this.#schedule();
  }
}
