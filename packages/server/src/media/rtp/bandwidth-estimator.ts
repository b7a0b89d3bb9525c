import { SeqUnwrapper } from './seq-math.js';

/** Bounds and start of {@link BandwidthEstimator}, in bit/s; every field is optional. */
export interface BandwidthEstimatorOptions {
  /** Estimate before any measurement. Default 1 500 000. */
  startBitrate?: number;
  /** Default 100 000. */
  minBitrate?: number;
  /** Default 2 500 000. */
  maxBitrate?: number;
}

const DEFAULTS: Required<BandwidthEstimatorOptions> = {
  startBitrate: 1_500_000,
  minBitrate: 100_000,
  maxBitrate: 2_500_000,
};
/** Evaluation period, and the REMB period. */
const INTERVAL_MS = 250;
/** Fewer expected packets than this give too coarse a loss fraction: the window is extended instead. */
const MIN_EXPECTED_PACKETS = 10;
const GROWTH_PER_SECOND = 1.08;
const LOW_LOSS = 0.02;
const HIGH_LOSS = 0.1;
/** Growth stops once the estimate is this far above what actually arrives (an app-limited sender). */
const MAX_ESTIMATE_OVER_INCOMING = 1.5;
/** A forward jump of more seqs than this is a stream restart, not loss. */
const MAX_GAP = 1000;
/** A fall of more than this fraction since the last REMB is reported at once. */
const URGENT_DROP = 0.1;

/**
 * Loss-based receive-side estimate of what one publisher connection can carry, to be sent as REMB
 * (libdatachannel sends no bandwidth feedback, and a libwebrtc publisher without it stays near
 * 30 kbps). Every {@link INTERVAL_MS} the loss over the window decides: below 2 % grow ~8 %/s
 * (only while the estimate is under 1.5× the incoming rate), 2–10 % hold, above 10 % cut by half
 * the loss fraction. Feed original media packets of all the connection's streams (not RTX).
 */
export class BandwidthEstimator {
  readonly #options: Required<BandwidthEstimatorOptions>;
  readonly #streams = new Map<number, { unwrapper: SeqUnwrapper; windowStart: number | undefined }>();
  #estimate: number;
  #windowStartMs: number | undefined;
  #received = 0;
  #bytes = 0;
  #lastRemb: { atMs: number; bitrate: number } | undefined;

  constructor(options: BandwidthEstimatorOptions = {}) {
    this.#options = { ...DEFAULTS, ...options };
    const { minBitrate, maxBitrate, startBitrate } = this.#options;
    if (!(minBitrate > 0 && minBitrate <= maxBitrate)) throw new RangeError('need 0 < minBitrate <= maxBitrate');
    this.#estimate = Math.min(maxBitrate, Math.max(minBitrate, startBitrate));
  }

  /** Current estimate in bit/s. */
  get estimate(): number {
    return this.#estimate;
  }

  /** Streams tracked: each SSRC seen, until {@link forget}. */
  get streamCount(): number {
    return this.#streams.size;
  }

  /** `ssrc` no longer arrives (replaced by another): its state goes, or a publisher churning SSRCs would grow it without end. */
  forget(ssrc: number): void {
    this.#streams.delete(ssrc);
  }

  /** Records a received packet of `size` bytes (whole RTP packet). */
  onPacket(ssrc: number, seq: number, size: number, nowMs: number): void {
    this.#evaluate(nowMs);
    this.#windowStartMs ??= nowMs;
    let stream = this.#streams.get(ssrc);
    if (!stream) this.#streams.set(ssrc, (stream = { unwrapper: new SeqUnwrapper(), windowStart: undefined }));
    const previous = stream.unwrapper.highest;
    const extended = stream.unwrapper.unwrap(seq);
    // The window expects every seq after the highest seen when it began (or from its first packet).
    if (stream.windowStart === undefined || (previous !== undefined && extended - previous > MAX_GAP)) {
      stream.windowStart = extended;
    }
    this.#received++;
    this.#bytes += size;
  }

  /**
   * The bitrate to send as REMB now, or `undefined`: every 250 ms, and at once when the estimate
   * fell more than 10 % below the last one sent. Call it after {@link onPacket} or from a timer.
   */
  rembDue(nowMs: number): number | undefined {
    this.#evaluate(nowMs);
    const last = this.#lastRemb;
    if (last && nowMs - last.atMs < INTERVAL_MS && this.#estimate >= last.bitrate * (1 - URGENT_DROP)) return undefined;
    const bitrate = Math.round(this.#estimate);
    this.#lastRemb = { atMs: nowMs, bitrate };
    return bitrate;
  }

  #evaluate(nowMs: number): void {
    const start = this.#windowStartMs;
    if (start === undefined || nowMs - start < INTERVAL_MS) return;
    let expected = 0;
    for (const stream of this.#streams.values()) {
      const highest = stream.unwrapper.highest;
      if (highest !== undefined && stream.windowStart !== undefined) expected += highest - stream.windowStart + 1;
    }
    if (expected < MIN_EXPECTED_PACKETS) return;
    const loss = Math.max(0, 1 - this.#received / expected);
    const incomingBitrate = (this.#bytes * 8 * 1000) / (nowMs - start);
    const { minBitrate, maxBitrate } = this.#options;
    let estimate = this.#estimate;
    if (loss > HIGH_LOSS) estimate *= 1 - loss * 0.5;
    else if (loss < LOW_LOSS && estimate < incomingBitrate * MAX_ESTIMATE_OVER_INCOMING) {
      estimate *= GROWTH_PER_SECOND ** ((nowMs - start) / 1000);
    }
    this.#estimate = Math.min(maxBitrate, Math.max(minBitrate, estimate));
    this.#startWindow(nowMs);
  }

  #startWindow(nowMs: number): void {
    this.#windowStartMs = nowMs;
    this.#received = 0;
    this.#bytes = 0;
    for (const stream of this.#streams.values()) {
      const highest = stream.unwrapper.highest;
      stream.windowStart = highest === undefined ? undefined : highest + 1;
    }
  }
}
