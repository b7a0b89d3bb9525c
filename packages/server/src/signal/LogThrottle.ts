/**
 * One log line per kind of event, then a count: the first occurrence is logged in full, later ones are
 * only counted and reported as a number once `intervalMs` has passed (and at the end). A client that
 * floods refused frames must not flood the log as well.
 */
export class LogThrottle {
  readonly #intervalMs: number;
  #seen = false;
  #counted = 0;
  #since = 0;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  /** True for the first occurrence (log it in full); the others are counted. */
  admit(now: number): boolean {
    if (this.#seen) {
      this.#counted++;
      return false;
    }
    this.#seen = true;
    this.#since = now;
    return true;
  }

  /** The occurrences counted since the last report when `intervalMs` has passed since it (then forgotten), else 0. */
  due(now: number): number {
    return now - this.#since >= this.#intervalMs ? this.drain(now) : 0;
  }

  /** The occurrences counted since the last report (then forgotten). */
  drain(now: number): number {
    const counted = this.#counted;
    this.#counted = 0;
    this.#since = now;
    return counted;
  }
}
