import { warnFailed } from '../util/guard.js';

/** What an outbox waiting for its turn must do then. */
export interface Flushable {
  /** Writes what is queued; must not throw (a connection guards its socket writes). */
  flush(): void;
}

/**
 * Writes the waiting outboxes, the longest-waiting first, once per event-loop round
 * (`setImmediate`): after every request read in that round has been answered, and before the next
 * reads. So a request is answered without waiting for any fan-out, and a fan-out waits for at
 * most the rest of its round, never for requests that arrive later.
 */
export class FanOut {
  /** The process's scheduler: the events of every connection are written in the same turn. */
  static readonly shared = new FanOut();

  /** Insertion-ordered: the outbox that has waited longest is flushed first. */
  readonly #waiting = new Set<Flushable>();
  #scheduled = false;

  /** Outboxes with frames to write. */
  get backlog(): number {
    return this.#waiting.size;
  }

  /** `outbox` has frames now. */
  waiting(outbox: Flushable): void {
    this.#waiting.add(outbox);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flushAll());
  }

  /** `outbox` has nothing left to write. */
  done(outbox: Flushable): void {
    this.#waiting.delete(outbox);
  }

  #flushAll(): void {
    this.#scheduled = false;
    // flush() calls done(): deleting the entry being visited is safe while iterating a Set.
    for (const outbox of this.#waiting) {
      try {
        outbox.flush();
      } catch (err) {
        // A bug of ours: that one leaves the round (it would throw again), the others are still written.
        this.#waiting.delete(outbox);
        warnFailed('a fan-out flush', err);
      }
    }
  }
}
