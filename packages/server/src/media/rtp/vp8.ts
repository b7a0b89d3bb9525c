/** The VP8 payload descriptor (RFC 7741 §4.2) of one RTP packet. */
export interface Vp8Descriptor {
  /** Bytes taken by the descriptor: the VP8 payload (header) starts at this offset. */
  headerLength: number;
  /** N: the frame is not a reference for others and may be dropped. */
  nonReference: boolean;
  /** S: the packet starts a VP8 partition. */
  startOfPartition: boolean;
  /** PID: partition index. */
  partitionIndex: number;
  /** PictureID, when the I bit is set. */
  pictureId?: number;
  /** Width of the PictureID field in bits (M bit: 15, else 7). */
  pictureIdBits?: 7 | 15;
  /** Offset of the PictureID field in the payload. */
  pictureIdOffset?: number;
  /** TL0PICIDX, when the L bit is set. */
  tl0PicIdx?: number;
  /** Offset of the TL0PICIDX byte in the payload. */
  tl0PicIdxOffset?: number;
  /** Temporal layer index, when the T bit is set. */
  tid?: number;
  /** Y: layer sync, when the T bit is set. */
  layerSync?: boolean;
  /** KEYIDX, when the K bit is set. */
  keyIdx?: number;
}

/** Parses the descriptor at the start of a VP8 RTP payload; `undefined` if it is truncated. */
export function parseVp8Descriptor(payload: Buffer): Vp8Descriptor | undefined {
  if (payload.length < 1) return undefined;
  const first = payload[0]!;
  const d: Vp8Descriptor = {
    headerLength: 1,
    nonReference: (first & 0x20) !== 0,
    startOfPartition: (first & 0x10) !== 0,
    partitionIndex: first & 0x07,
  };
  if (!(first & 0x80)) return d;
  if (payload.length < 2) return undefined;
  const flags = payload[1]!;
  let at = 2;
  if (flags & 0x80) {
    if (at >= payload.length) return undefined;
    d.pictureIdOffset = at;
    if (payload[at]! & 0x80) {
      if (at + 2 > payload.length) return undefined;
      d.pictureId = payload.readUInt16BE(at) & 0x7fff;
      d.pictureIdBits = 15;
      at += 2;
    } else {
      d.pictureId = payload[at]!;
      d.pictureIdBits = 7;
      at += 1;
    }
  }
  if (flags & 0x40) {
    if (at >= payload.length) return undefined;
    d.tl0PicIdxOffset = at;
    d.tl0PicIdx = payload[at++]!;
  }
  if (flags & 0x30) {
    if (at >= payload.length) return undefined;
    const byte = payload[at++]!;
    if (flags & 0x20) {
      d.tid = byte >> 6;
      d.layerSync = (byte & 0x20) !== 0;
    }
    if (flags & 0x10) d.keyIdx = byte & 0x1f;
  }
  d.headerLength = at;
  return d;
}

/**
 * Whether the packet starts a VP8 keyframe: the first packet of partition 0 whose payload header
 * has the P (inverse key frame) bit clear (RFC 7741 §4.3, RFC 6386 §9.1).
 */
export function isKeyframe(payload: Buffer): boolean {
  const d = parseVp8Descriptor(payload);
  return (
    d !== undefined && d.startOfPartition && d.partitionIndex === 0 && d.headerLength < payload.length && (payload[d.headerLength]! & 0x01) === 0
  );
}

/** Signed distance `a - b` modulo 2^bits. */
function delta(a: number, b: number, bits: number): number {
  const size = 2 ** bits;
  const d = (((a - b) % size) + size) % size;
  return d >= size / 2 ? d - size : d;
}

/**
 * Keeps PictureID and TL0PICIDX continuous for one subscriber while the forwarded source changes
 * (another simulcast layer): each layer numbers its pictures independently, and a receiver that
 * sees PictureID jump backwards or TL0PICIDX skip assumes lost frames. Like `SeqRewriter`, a new
 * SSRC is taken as a switch; after it the next PictureID / TL0PICIDX continue from the highest
 * already sent.
 */
export class Vp8Rewriter {
  #source: number | undefined;
  #pictureIdOffset = 0;
  #tl0Offset = 0;
  /** Highest output values sent, in 15-bit / 8-bit space. */
  #lastPictureId: number | undefined;
  #lastTl0: number | undefined;
  /** After a switch, the offsets are set by the first packet that carries each field. */
  #anchorPictureId = false;
  #anchorTl0 = false;

  /** Rewrites the descriptor of `payload` in place; `false` if it could not be parsed (left as is). */
  rewrite(ssrc: number, payload: Buffer): boolean {
    const d = parseVp8Descriptor(payload);
    if (!d) return false;
    if (ssrc !== this.#source) {
      this.#source = ssrc;
      this.#anchorPictureId = this.#lastPictureId !== undefined;
      this.#anchorTl0 = this.#lastTl0 !== undefined;
    }
    if (d.pictureIdOffset !== undefined) this.#rewritePictureId(payload, d.pictureId!, d.pictureIdOffset);
    if (d.tl0PicIdxOffset !== undefined) this.#rewriteTl0PicIdx(payload, d.tl0PicIdx!, d.tl0PicIdxOffset);
    return true;
  }

  #rewritePictureId(payload: Buffer, pictureId: number, offset: number): void {
    if (this.#anchorPictureId) {
      this.#pictureIdOffset = (this.#lastPictureId! + 1 - pictureId) & 0x7fff;
      this.#anchorPictureId = false;
    }
    const out = (pictureId + this.#pictureIdOffset) & 0x7fff;
    const wide = (payload[offset]! & 0x80) !== 0;
    if (this.#lastPictureId === undefined) this.#lastPictureId = out;
    else {
      // A 7-bit field wraps at 128: compare in its own space, but keep the 15-bit running value.
      const ahead = delta(out, this.#lastPictureId, wide ? 15 : 7);
      if (ahead > 0) this.#lastPictureId = (this.#lastPictureId + ahead) & 0x7fff;
    }
    if (wide) payload.writeUInt16BE(0x8000 | out, offset);
    else payload[offset] = out & 0x7f;
  }

  #rewriteTl0PicIdx(payload: Buffer, tl0PicIdx: number, offset: number): void {
    if (this.#anchorTl0) {
      this.#tl0Offset = (this.#lastTl0! + 1 - tl0PicIdx) & 0xff;
      this.#anchorTl0 = false;
    }
    const out = (tl0PicIdx + this.#tl0Offset) & 0xff;
    if (this.#lastTl0 === undefined || delta(out, this.#lastTl0, 8) > 0) this.#lastTl0 = out;
    payload[offset] = out;
  }
}
