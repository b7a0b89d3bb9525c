import { SeqUnwrapper } from './seq-math.js';

/** Tuning of {@link NackGenerator}; every field is optional. */
export interface NackGeneratorOptions {
  /** Wait after a gap is seen before the first NACK, so merely reordered packets are not requested. Default 10. */
  reorderMs?: number;
  /** Round-trip time to the publisher: the interval between retries of one seq. Default 100. */
  rttMs?: number;
  /** NACKs sent per missing seq before giving up. Default 10. */
  maxRetries?: number;
  /** Age after which a missing packet is useless to the receivers and is given up. Default 1000. */
  maxAgeMs?: number;
  /** Missing seqs tracked at most: a bigger jump restarts tracking, overflow drops the oldest. Default 500. */
  maxMissing?: number;
}

const DEFAULTS: Required<NackGeneratorOptions> = {
  reorderMs: 10,
  rttMs: 100,
  maxRetries: 10,
  maxAgeMs: 1000,
  maxMissing: 500,
};

interface Missing {
  detectedAtMs: number;
  nextAtMs: number;
  retries: number;
}

/**
 * Receiver-side loss recovery toward one publisher stream: libdatachannel sends no NACKs, so the
 * SFU notices gaps in the sequence numbers it receives and asks for them again (RFC 4585 generic
 * NACK). Feed every received seq with {@link onPacket} (retransmissions included, with their
 * original seq), then call {@link due} periodically and send a NACK for what it returns.
 */
export class NackGenerator {
  readonly #options: Required<NackGeneratorOptions>;
  readonly #unwrapper = new SeqUnwrapper();
  /** Missing packets by extended seq; insertion order is ascending, so the first entry is the oldest. */
  readonly #missing = new Map<number, Missing>();

  constructor(options: NackGeneratorOptions = {}) {
    this.#options = { ...DEFAULTS, ...options };
  }

  /** Updates the retry interval, e.g. from a measured RTT. */
  set rttMs(rttMs: number) {
    this.#options.rttMs = rttMs;
  }

  /** Number of sequence numbers currently awaited. */
  get missingCount(): number {
    return this.#missing.size;
  }

  /** Records the arrival of `seq`: clears it if it was missing, or registers the gap before it. */
  onPacket(seq: number, nowMs: number): void {
    const previous = this.#unwrapper.highest;
    const extended = this.#unwrapper.unwrap(seq);
    if (previous === undefined) return;
    if (extended <= previous) {
      this.#missing.delete(extended);
      return;
    }
    const gap = extended - previous - 1;
    if (gap > this.#options.maxMissing) {
      // A stream restart or a long outage: these packets are not worth asking for.
      this.#missing.clear();
      return;
    }
    const nextAtMs = nowMs + this.#options.reorderMs;
    for (let missing = previous + 1; missing < extended; missing++) {
      this.#missing.set(missing, { detectedAtMs: nowMs, nextAtMs, retries: 0 });
    }
    for (const oldest of this.#missing.keys()) {
      if (this.#missing.size <= this.#options.maxMissing) break;
      this.#missing.delete(oldest);
    }
  }

  /** Sequence numbers to NACK now, oldest first; each call counts as one attempt for each. */
  due(nowMs: number): number[] {
    const { rttMs, maxRetries, maxAgeMs } = this.#options;
    const seqs: number[] = [];
    for (const [extended, entry] of this.#missing) {
      if (nowMs - entry.detectedAtMs > maxAgeMs || (entry.retries >= maxRetries && entry.nextAtMs <= nowMs)) {
        this.#missing.delete(extended);
      } else if (entry.nextAtMs <= nowMs) {
        seqs.push(extended & 0xffff);
        entry.retries++;
        entry.nextAtMs = nowMs + rttMs;
      }
    }
    return seqs;
  }
}
