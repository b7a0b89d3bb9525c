/** Milliseconds from some fixed origin; injectable so tests need not sleep. */
export type Clock = () => number;

/** Classic token bucket: `capacity` tokens, refilled continuously at `ratePerSecond`. */
export class TokenBucket {
  #capacity: number;
  #perMs: number;
  readonly #now: Clock;
  #tokens: number;
  #last: number;

  constructor(ratePerSecond: number, capacity: number, now: Clock = () => performance.now()) {
    this.#capacity = capacity;
    this.#perMs = ratePerSecond / 1000;
    this.#now = now;
    this.#tokens = capacity;
    this.#last = now();
  }

  /** Takes one token; false when none is left. */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Changes the refill and the size from now on (tokens above the new size are dropped). */
  setRate(ratePerSecond: number, capacity: number): void {
    if (ratePerSecond === this.#perMs * 1000 && capacity === this.#capacity) return;
    this.#refill();
    this.#perMs = ratePerSecond / 1000;
    this.#capacity = capacity;
    this.#tokens = Math.min(this.#tokens, capacity);
  }

  /** True when the whole burst is available again. */
  get full(): boolean {
    this.#refill();
    return this.#tokens >= this.#capacity;
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#last) * this.#perMs);
    this.#last = now;
  }
}
