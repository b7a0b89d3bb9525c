import { SeqUnwrapper } from './seq-math.js';

/** Output sequence number and timestamp for one forwarded packet. */
export interface RewrittenSeq {
  seq: number;
  timestamp: number;
}

/**
 * Keeps one subscriber stream's sequence numbers and timestamps continuous while its source
 * changes (another simulcast layer, another publisher). The receiver sees one SSRC whose sequence
 * numbers never jump and whose timestamps advance with wall time across a switch, so its jitter
 * buffer and NACK logic are not confused.
 *
 * A switch happens when {@link rewrite} sees an SSRC other than the current source: that packet
 * becomes the switch point (output seq = last output + 1). The caller must therefore only pass
 * packets of the source it forwards, and start a new source on a keyframe.
 */
export class SeqRewriter {
  readonly #clockRate: number;
  #source: number | undefined;
  readonly #unwrapper = new SeqUnwrapper();
  /** Extended input seq of the current source's first forwarded packet. */
  #switchPoint = 0;
  #seqOffset = 0;
  #timestampOffset = 0;
  /** Output seq/timestamp of the newest packet forwarded, and when it was forwarded (numbers, not an object: this runs per packet and view). */
  #hasLast = false;
  #lastSeq = 0;
  #lastTimestamp = 0;
  #lastAtMs = 0;
  /** What {@link rewrite} returns, reused: the per-packet path allocates nothing. */
  readonly #out: RewrittenSeq = { seq: 0, timestamp: 0 };

  /** @param clockRate RTP clock rate of the stream in Hz (90000 for video, 48000 for Opus). */
  constructor(clockRate: number) {
    if (!(clockRate > 0)) throw new RangeError('clockRate must be positive');
    this.#clockRate = clockRate;
  }

  /** SSRC currently forwarded, or `undefined` before the first packet. */
  get sourceSsrc(): number | undefined {
    return this.#source;
  }

  /** Output timestamp minus the current source's input timestamp (mod 2³²), for sender reports. */
  get timestampOffset(): number {
    return this.#timestampOffset;
  }

  /**
   * Output seq and timestamp for an input packet, or `undefined` when it must be dropped because
   * it is older than the current source's switch point (its output seq would collide with packets
   * already sent for the previous source). The result is one object reused by every call: read it
   * before the next one.
   */
  rewrite(ssrc: number, seq: number, timestamp: number, nowMs: number): Readonly<RewrittenSeq> | undefined {
    const switching = ssrc !== this.#source;
    if (switching) this.#switchTo(ssrc, seq, timestamp, nowMs);
    const previousHighest = this.#unwrapper.highest;
    const extended = this.#unwrapper.unwrap(seq);
    if (switching) this.#switchPoint = extended;
    if (extended < this.#switchPoint) return undefined;
    const out = this.#out;
    out.seq = (seq + this.#seqOffset) & 0xffff;
    out.timestamp = (timestamp + this.#timestampOffset) >>> 0;
    if (previousHighest === undefined || extended > previousHighest) {
      this.#hasLast = true;
      this.#lastSeq = out.seq;
      this.#lastTimestamp = out.timestamp;
      this.#lastAtMs = nowMs;
    }
    return out;
  }

  #switchTo(ssrc: number, seq: number, timestamp: number, nowMs: number): void {
    this.#source = ssrc;
    this.#unwrapper.reset();
    if (!this.#hasLast) return; // the first source passes through unchanged
    this.#seqOffset = (this.#lastSeq + 1 - seq) & 0xffff;
    // Advance by the wall time since the last packet: at least one tick, so the new frame is newer.
    const ticks = Math.max(1, Math.round((Math.max(0, nowMs - this.#lastAtMs) * this.#clockRate) / 1000));
    this.#timestampOffset = (this.#lastTimestamp + ticks - timestamp) >>> 0;
  }
}
