import type { ReportBlock } from './rtcp.js';
import { SeqUnwrapper } from './seq-math.js';
import type { SourceClock } from './sender-report.js';

/**
 * Receive statistics of one incoming RTP stream (RFC 3550 A.3 and A.8), turned into the reception
 * report block the SFU sends its publisher. Without receiver reports a libwebrtc publisher has no
 * round-trip time and no loss figure from us: its NACK timing and loss-based rate control go blind.
 */
export class ReceptionStats {
  readonly ssrc: number;
  readonly #clockRate: number;
  readonly #unwrapper = new SeqUnwrapper();
  #base: number | undefined;
  #received = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  /** Interarrival jitter in timestamp units, as a float (reported truncated). */
  #jitter = 0;
  #lastArrival: number | undefined;
  #lastTimestamp = 0;

  constructor(ssrc: number, clockRate: number) {
    this.ssrc = ssrc;
    this.#clockRate = clockRate;
  }

  /** One arrived packet; `arrivalMs` on any monotonic clock. */
  onPacket(seq: number, rtpTimestamp: number, arrivalMs: number): void {
    const extended = this.#unwrapper.unwrap(seq);
    this.#base ??= extended;
    if (extended < this.#base) this.#base = extended; // reordered ahead of the first one
    this.#received++;
    const arrival = (arrivalMs * this.#clockRate) / 1000;
    if (this.#lastArrival !== undefined) {
      // Transit difference; the RTP timestamp delta is taken as signed 32-bit so it survives wraps.
      const d = Math.abs(arrival - this.#lastArrival - ((rtpTimestamp - this.#lastTimestamp) | 0));
      this.#jitter += (d - this.#jitter) / 16;
    }
    this.#lastArrival = arrival;
    this.#lastTimestamp = rtpTimestamp;
  }

  /**
   * The block for a report sent at `nowMs` (the clock `clock.receivedAtMs` is on); starts the next
   * interval for the fraction lost. Undefined before the first packet.
   */
  report(nowMs: number, clock: SourceClock | undefined): ReportBlock | undefined {
    const highest = this.#unwrapper.highest;
    if (highest === undefined || this.#base === undefined) return undefined;
    const expected = highest - this.#base + 1;
    const expectedInterval = expected - this.#expectedPrior;
    const receivedInterval = this.#received - this.#receivedPrior;
    this.#expectedPrior = expected;
    this.#receivedPrior = this.#received;
    const lostInterval = expectedInterval - receivedInterval;
    return {
      ssrc: this.ssrc,
      fractionLost: expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval),
      // 24-bit signed on the wire; duplicates can make it negative.
      packetsLost: Math.max(-0x800000, Math.min(0x7fffff, expected - this.#received)),
      // The unwrapper starts one cycle up; the wire wants cycles << 16 | seq, mod 2^32.
      highestSeq: (highest - 0x10000) >>> 0,
      jitter: Math.floor(this.#jitter),
      lastSr: clock ? Number((clock.ntp >> 16n) & 0xffffffffn) : 0,
      delaySinceLastSr: clock ? Math.max(0, Math.round(((nowMs - clock.receivedAtMs) * 65536) / 1000)) : 0,
    };
  }
}
