import type { Clock } from './TokenBucket.js';

/**
 * Writes a fan-out may cost per second: `perSecond` frames refill continuously, and one fan-out
 * to `n` members takes `n`. A fan-out larger than a second's worth waits until that many have
 * accumulated (the budget holds up to the largest fan-out asked for), so a room of any size gets
 * one now and then, and the average stays within `perSecond`.
 */
export class FrameBudget {
  #perMs: number;
  #perSecond: number;
  readonly #now: Clock;
  #frames: number;
  #last: number;

  constructor(perSecond: number, now: Clock = () => performance.now()) {
    this.#perSecond = perSecond;
    this.#perMs = perSecond / 1000;
    this.#now = now;
    this.#frames = perSecond;
    this.#last = now();
  }

  /** Takes `count` frames; false (nothing taken) when fewer have accumulated. */
  take(count: number): boolean {
    this.#refill(count);
    if (this.#frames < count) return false;
    this.#frames -= count;
    return true;
  }

  /** Changes the refill from now on. */
  setRate(perSecond: number): void {
    if (perSecond === this.#perSecond) return;
    this.#refill(0);
    this.#perSecond = perSecond;
    this.#perMs = perSecond / 1000;
  }

  #refill(count: number): void {
    const now = this.#now();
    const ceiling = Math.max(this.#perSecond, count);
    this.#frames = Math.min(ceiling, this.#frames + (now - this.#last) * this.#perMs);
    this.#last = now;
  }
}
