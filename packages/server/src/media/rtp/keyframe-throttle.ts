/** A keyframe request to send now: as PLI, or as FIR carrying {@link firSeqNr}. */
export interface KeyframeRequest {
  /** FIR command sequence number (RFC 5104 §4.3.1.1): 8 bits, one more for each new request. */
  firSeqNr: number;
}

/**
 * Rate limit for keyframe requests (PLI/FIR) toward one publisher stream. Every subscriber that
 * joins, switches layer or loses a picture asks for a keyframe; each keyframe costs the publisher
 * a bitrate spike, and one keyframe satisfies every request made before it. So at most one request
 * goes out per `minIntervalMs`; a request in the quiet period is remembered and sent when the
 * period ends ({@link due}), unless a keyframe arrives first.
 */
export class KeyframeThrottle {
  readonly #minIntervalMs: number;
  #lastSentAtMs: number | undefined;
  #pending = false;
  #firSeqNr = 0;

  /** @param minIntervalMs shortest time between two requests; default 500. */
  constructor(minIntervalMs = 500) {
    this.#minIntervalMs = minIntervalMs;
  }

  /** Whether a request is waiting for the quiet period to end. */
  get pending(): boolean {
    return this.#pending;
  }

  /** Asks for a keyframe: the request to send now, or `undefined` when it was deferred. */
  request(nowMs: number): KeyframeRequest | undefined {
    if (this.#quiet(nowMs)) {
      this.#pending = true;
      return undefined;
    }
    return this.#issue(nowMs);
  }

  /** The deferred request, once the quiet period is over; call it from the caller's timer. */
  due(nowMs: number): KeyframeRequest | undefined {
    return this.#pending && !this.#quiet(nowMs) ? this.#issue(nowMs) : undefined;
  }

  /** A keyframe arrived from the publisher: it answers any deferred request. */
  onKeyframe(): void {
    this.#pending = false;
  }

  #quiet(nowMs: number): boolean {
    return this.#lastSentAtMs !== undefined && nowMs - this.#lastSentAtMs < this.#minIntervalMs;
  }

  #issue(nowMs: number): KeyframeRequest {
    this.#lastSentAtMs = nowMs;
    this.#pending = false;
    const firSeqNr = this.#firSeqNr;
    this.#firSeqNr = (firSeqNr + 1) & 0xff;
    return { firSeqNr };
  }
}
