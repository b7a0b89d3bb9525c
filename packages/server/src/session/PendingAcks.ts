import type { ServerError } from '../errors.js';

interface Waiter {
  resolve(): void;
  reject(err: ServerError): void;
  timer: NodeJS.Timeout;
}

/** Events sent with an `ackId`, waiting for the client's `{type:'ack', id}`. */
export class PendingAcks {
  #nextId = 1;
  readonly #waiters = new Map<number, Waiter>();

  /** A fresh ackId and the promise that settles on its ack, or with `onTimeout()` after `timeoutMs`. */
  expect(timeoutMs: number, onTimeout: () => ServerError): { ackId: number; acked: Promise<void> } {
    const ackId = this.#nextId++;
    const acked = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(ackId);
        reject(onTimeout());
      }, timeoutMs);
      this.#waiters.set(ackId, { resolve, reject, timer });
    });
    return { ackId, acked };
  }

  /** False for an unknown (late, duplicate or invented) ackId, which is simply ignored. */
  acknowledge(ackId: number): boolean {
    const waiter = this.#waiters.get(ackId);
    if (!waiter) return false;
    this.#waiters.delete(ackId);
    clearTimeout(waiter.timer);
    waiter.resolve();
    return true;
  }

  rejectAll(err: ServerError): void {
    for (const waiter of this.#waiters.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(err);
    }
    this.#waiters.clear();
  }
}
