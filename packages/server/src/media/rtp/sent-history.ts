/** Bytes of RTP header every view rewrites (V…PT, seq, timestamp, SSRC); CSRCs and extensions stay. */
const HEADER = 12;
/** Payload bytes a VP8 view may rewrite (descriptor up to TL0PICIDX). */
const PAYLOAD_HEAD = 6;

/** Where the original of a sent packet is: the publication's store, by layer and original seq. */
export interface SentOriginal {
  layer: number;
  seq: number;
}

/**
 * The last `size` packets one view sent, by output sequence number, so that a NACKed one can be
 * rebuilt from the publication's store byte for byte as it first went out — rewritten seq,
 * timestamp, SSRC, payload type and, when asked, the rewritten start of the payload (VP8
 * PictureID/TL0PICIDX after a simulcast switch), which re-deriving from current state would get
 * wrong once the view has switched layers.
 */
export class SentHistory {
  readonly #mask: number;
  readonly #outSeq: Int32Array;
  readonly #inSeq: Uint16Array;
  readonly #layer: Uint8Array;
  readonly #payloadOffset: Uint16Array;
  readonly #headLength: Uint8Array;
  /** When each slot's packet was last resent (-Infinity: not yet). */
  readonly #resentAtMs: Float64Array;
  readonly #header: Buffer;
  readonly #payloadHead: Buffer | undefined;

  /** `size` a power of two; `keepPayloadHead` for views that rewrite payload bytes. */
  constructor(size: number, keepPayloadHead: boolean) {
    if (!(size > 0 && (size & (size - 1)) === 0)) throw new RangeError('size must be a power of two');
    this.#mask = size - 1;
    this.#outSeq = new Int32Array(size).fill(-1);
    this.#inSeq = new Uint16Array(size);
    this.#layer = new Uint8Array(size);
    this.#payloadOffset = new Uint16Array(size);
    this.#headLength = new Uint8Array(size);
    this.#resentAtMs = new Float64Array(size).fill(-Infinity);
    this.#header = Buffer.alloc(size * HEADER);
    this.#payloadHead = keepPayloadHead ? Buffer.alloc(size * PAYLOAD_HEAD) : undefined;
  }

  /**
   * `sent` is the packet as it went out (its seq the output seq); `layer` and `originalSeq` locate
   * its original. Runs per packet and view: byte loops, no allocation (Buffer#copy allocates views).
   */
  record(sent: Buffer, layer: number, originalSeq: number, payloadOffset: number, payloadLength: number): void {
    const outSeq = (sent[2]! << 8) | sent[3]!;
    const slot = outSeq & this.#mask;
    this.#outSeq[slot] = outSeq;
    this.#inSeq[slot] = originalSeq;
    this.#layer[slot] = layer;
    this.#payloadOffset[slot] = payloadOffset;
    this.#resentAtMs[slot] = -Infinity;
    const header = this.#header;
    for (let i = 0, at = slot * HEADER; i < HEADER; i++) header[at + i] = sent[i]!;
    const head = this.#payloadHead;
    if (head) {
      const n = Math.min(PAYLOAD_HEAD, payloadLength);
      this.#headLength[slot] = n;
      for (let i = 0, at = slot * PAYLOAD_HEAD; i < n; i++) head[at + i] = sent[payloadOffset + i]!;
    }
  }

  /** The original of output seq `outSeq`, or undefined when it has left the history. */
  original(outSeq: number): SentOriginal | undefined {
    const slot = outSeq & this.#mask;
    return this.#outSeq[slot] === outSeq ? { layer: this.#layer[slot]!, seq: this.#inSeq[slot]! } : undefined;
  }

  /**
   * Whether output seq `outSeq` may be resent at `nowMs`: not when it was resent less than
   * `intervalMs` ago (a NACK repeated before the first resend could arrive asks for nothing new).
   * True records the resend. mediasoup's RtpStreamSend does the same, with the RTT as interval.
   */
  mayResend(outSeq: number, nowMs: number, intervalMs: number): boolean {
    const slot = outSeq & this.#mask;
    if (this.#outSeq[slot] !== outSeq || nowMs - this.#resentAtMs[slot]! < intervalMs) return false;
    this.#resentAtMs[slot] = nowMs;
    return true;
  }

  /** Turns `copy` (a copy of the stored original of `outSeq`) into the packet that was sent. */
  restore(copy: Buffer, outSeq: number): void {
    const slot = outSeq & this.#mask;
    this.#header.copy(copy, 0, slot * HEADER, slot * HEADER + HEADER);
    if (this.#payloadHead) {
      const at = this.#payloadOffset[slot]!;
      this.#payloadHead.copy(copy, at, slot * PAYLOAD_HEAD, slot * PAYLOAD_HEAD + this.#headLength[slot]!);
    }
  }
}
