import { TokenBucket, type Clock } from './TokenBucket.js';

/** What to do with one incoming frame. */
export type RateVerdict = 'ok' | 'limited' | 'close';

/**
 * Per-connection frame rate policy: a token bucket, and a connection that stays over it for
 * `closeAfter` more frames is given up on.
 */
export class RateLimiter {
  readonly #bucket: TokenBucket;
  readonly #closeAfter: number;
  #overLimit = 0;

  constructor(options: { ratePerSecond: number; burst: number; closeAfter: number; now?: Clock }) {
    this.#bucket = new TokenBucket(options.ratePerSecond, options.burst, options.now);
    this.#closeAfter = options.closeAfter;
  }

  admit(): RateVerdict {
    // Only a client that backed off until its whole burst came back counts as under the limit again;
    // a lone refilled token in the middle of a flood must not reset the count.
    if (this.#bucket.full) this.#overLimit = 0;
    if (this.#bucket.take()) return 'ok';
    this.#overLimit++;
    return this.#overLimit > this.#closeAfter ? 'close' : 'limited';
  }
}
