/**
 * 16-bit RTP sequence arithmetic (RFC 3550 §A.1): sequence numbers wrap, so order and distance
 * are only meaningful within half the number space.
 */

/** Signed distance `a - b` between two 16-bit sequence numbers, in [-32768, 32767]. */
export function seqDelta(a: number, b: number): number {
  return ((((a - b) & 0xffff) + 0x8000) & 0xffff) - 0x8000;
}

/**
 * Turns 16-bit sequence numbers into an unbounded ("extended") count, so that gaps and order can
 * be compared with plain arithmetic across wraps. Each number is placed nearest to the highest
 * one seen so far, which is how receivers tell a reordered packet from a wrap.
 */
export class SeqUnwrapper {
  #highest: number | undefined;

  /** Highest extended number seen, or `undefined` before the first packet. */
  get highest(): number | undefined {
    return this.#highest;
  }

  /** Extended value of `seq`; advances the highest when `seq` is newer. */
  unwrap(seq: number): number {
    if (this.#highest === undefined) {
      // Start one cycle up so that packets reordered before the first one stay non-negative.
      this.#highest = 0x10000 + (seq & 0xffff);
      return this.#highest;
    }
    const extended = this.#highest + seqDelta(seq, this.#highest);
    if (extended > this.#highest) this.#highest = extended;
    return extended;
  }

  /** Forgets all history: the next number starts a new sequence. */
  reset(): void {
    this.#highest = undefined;
  }
}
