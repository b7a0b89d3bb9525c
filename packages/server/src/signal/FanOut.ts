import { warnFailed } from '../util/guard.js';

/** What an outbox waiting for its turn must do then. */
export interface Flushable {
  /** Writes what is queued; must not throw (a connection guards its socket writes). */
  flush(): void;
}

export interface FanOutOptions {
  /**
   * How long one turn of the fan-out may write before it lets the event loop read and answer the
   * requests that arrived meanwhile; the rest is written in the next turn. At least one outbox is
   * written per turn. @default 1 (ms: ~50 socket writes)
   */
  sliceMs?: number;
  /** The clock (ms), for tests. @default performance.now */
  now?: () => number;
}

/**
 * Writes the waiting outboxes, the longest-waiting first, at the end of each event-loop round
 * (`setImmediate`): after every request read in that round has been answered. So a request is
 * answered without waiting for the fan-out its round caused.
 *
 * A fan-out is a socket write per recipient (~20 µs each): an ENTER to a room of 100, or a count push
 * to 10,000, is far longer than answering a request. Written in one go, it would hold every request
 * that arrives meanwhile. So a turn writes for `sliceMs` at most and yields: the requests read in
 * between are answered ahead of the rest of the fan-out, which goes on in the next turn, in order.
 */
export class FanOut {
  /** The process's scheduler: the events of every connection are written in the same turns. */
  static readonly shared = new FanOut();

  /** Insertion-ordered: the outbox that has waited longest is flushed first. */
  readonly #waiting = new Set<Flushable>();
  readonly #sliceMs: number;
  readonly #now: () => number;
  #scheduled = false;

  constructor(options: FanOutOptions = {}) {
    this.#sliceMs = options.sliceMs ?? 1;
    this.#now = options.now ?? (() => performance.now());
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
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#turn());
  }

  #turn(): void {
    this.#scheduled = false;
    const until = this.#now() + this.#sliceMs;
    // Each leaves the set before it writes (flush() calls done() too), so one that throws is not
    // written again; entries added meanwhile (a room's flush queues its members' outboxes) are
    // visited in this turn as well.
    for (const outbox of this.#waiting) {
      this.#waiting.delete(outbox);
      try {
        outbox.flush();
      } catch (err) {
        // A bug of ours: the others are still written.
        warnFailed('a fan-out flush', err);
      }
      if (this.#waiting.size > 0 && this.#now() >= until) return this.#schedule();
    }
  }
}
