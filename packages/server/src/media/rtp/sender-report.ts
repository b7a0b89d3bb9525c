import { buildSenderReport } from './rtcp-builders.js';
import type { ReportBlock } from './rtcp.js';

/** Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;
const FRACTION_PER_S = 2 ** 32;

/** 64-bit NTP timestamp (32.32 fixed point seconds since 1900) for `ms` milliseconds since 1970. */
export function msToNtp(ms: number): bigint {
  const seconds = Math.floor(ms / 1000);
  // Seconds and fraction apart: ms × 2³² in one double would lose sub-millisecond precision.
  const fraction = Math.round(((ms - seconds * 1000) / 1000) * FRACTION_PER_S);
  return BigInt.asUintN(64, (BigInt(seconds + NTP_UNIX_OFFSET_S) << 32n) + BigInt(fraction));
}

/** Milliseconds since 1970 for a 64-bit NTP timestamp; inverse of {@link msToNtp}. */
export function ntpToMs(ntp: bigint): number {
  const seconds = Number(ntp >> 32n) - NTP_UNIX_OFFSET_S;
  return seconds * 1000 + (Number(ntp & 0xffffffffn) * 1000) / FRACTION_PER_S;
}

/** A publisher stream's clock as its last sender report states it, with when that SR arrived here. */
export interface SourceClock {
  /** NTP timestamp of the publisher's SR. */
  ntp: bigint;
  /** RTP timestamp of the publisher's SR (input timestamp space). */
  rtpTimestamp: number;
  /** Local time the SR arrived, on the same clock as the `nowMs` given to {@link SenderReportGenerator.build}. */
  receivedAtMs: number;
}

/**
 * Sender reports for one outgoing (subscriber) stream. libdatachannel sends none, yet receivers
 * need them to line up audio and video of one publisher: each SR pairs an NTP time with an RTP
 * timestamp. The pair is the publisher's last SR for the forwarded source, carried forward by the
 * local time elapsed since it arrived and moved into the output timestamp space by the
 * seq-rewriter's offset. Audio and video SRs thus share the publisher's NTP clock, which keeps
 * their relative timing exact.
 */
export class SenderReportGenerator {
  readonly #ssrc: number;
  readonly #clockRate: number;
  #packets = 0;
  #octets = 0;

  /** @param ssrc the outgoing stream's SSRC; @param clockRate its RTP clock rate in Hz. */
  constructor(ssrc: number, clockRate: number) {
    if (!(clockRate > 0)) throw new RangeError('clockRate must be positive');
    this.#ssrc = ssrc;
    this.#clockRate = clockRate;
  }

  /** Counts one sent RTP packet; `payloadLength` excludes header and padding (RFC 3550 §6.4.1). */
  onPacketSent(payloadLength: number): void {
    this.#packets = (this.#packets + 1) >>> 0;
    this.#octets = (this.#octets + payloadLength) >>> 0;
  }

  /**
   * An SR for the outgoing stream at `nowMs`.
   * @param source the publisher's last SR for the source currently forwarded.
   * @param timestampOffset output minus input RTP timestamp (`SeqRewriter.timestampOffset`).
   * @param reports report blocks to carry, if this leg also receives.
   */
  build(source: SourceClock, timestampOffset: number, nowMs: number, reports: readonly ReportBlock[] = []): Buffer {
    const elapsedMs = nowMs - source.receivedAtMs;
    const elapsedTicks = Math.round((elapsedMs * this.#clockRate) / 1000);
    return buildSenderReport({
      ssrc: this.#ssrc,
      ntp: msToNtp(ntpToMs(source.ntp) + elapsedMs),
      rtpTimestamp: (source.rtpTimestamp + elapsedTicks + timestampOffset) >>> 0,
      packetCount: this.#packets,
      octetCount: this.#octets,
      reports,
    });
  }
}
