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

/**
 * Where the fields of one VP8 payload descriptor sit (offsets from the payload's start; -1 when
 * absent). Reusable, like `RtpHeader`: {@link locate} overwrites every field, so a view that
 * rewrites descriptors per packet keeps one and allocates nothing.
 */
class Vp8Layout {
  headerLength = 1;
  pictureIdOffset = -1;
  tl0PicIdxOffset = -1;
  /** The TID/Y/KEYIDX byte. */
  tkOffset = -1;

  /** Walks the descriptor of the payload in `buf[start, end)`; false if it is truncated. */
  locate(buf: Buffer, start: number, end: number): boolean {
    if (end - start < 1) return false;
    this.pictureIdOffset = this.tl0PicIdxOffset = this.tkOffset = -1;
    this.headerLength = 1;
    if (!(buf[start]! & 0x80)) return true;
    if (end - start < 2) return false;
    const flags = buf[start + 1]!;
    let at = start + 2;
    if (flags & 0x80) {
      if (at >= end) return false;
      this.pictureIdOffset = at - start;
      if (buf[at]! & 0x80) {
        if (at + 2 > end) return false;
        at += 2;
      } else {
        at += 1;
      }
    }
    if (flags & 0x40) {
      if (at >= end) return false;
      this.tl0PicIdxOffset = at++ - start;
    }
    if (flags & 0x30) {
      if (at >= end) return false;
      this.tkOffset = at++ - start;
    }
    this.headerLength = at - start;
    return true;
  }
}

/** Parses the descriptor at the start of a VP8 RTP payload; `undefined` if it is truncated. Allocates: not for the per-view path. */
export function parseVp8Descriptor(payload: Buffer): Vp8Descriptor | undefined {
  const layout = new Vp8Layout();
  if (!layout.locate(payload, 0, payload.length)) return undefined;
  const first = payload[0]!;
  const d: Vp8Descriptor = {
    headerLength: layout.headerLength,
    nonReference: (first & 0x20) !== 0,
    startOfPartition: (first & 0x10) !== 0,
    partitionIndex: first & 0x07,
  };
  const { pictureIdOffset, tl0PicIdxOffset, tkOffset } = layout;
  if (pictureIdOffset >= 0) {
    d.pictureIdOffset = pictureIdOffset;
    if (payload[pictureIdOffset]! & 0x80) {
      d.pictureId = payload.readUInt16BE(pictureIdOffset) & 0x7fff;
      d.pictureIdBits = 15;
    } else {
      d.pictureId = payload[pictureIdOffset]!;
      d.pictureIdBits = 7;
    }
  }
  if (tl0PicIdxOffset >= 0) {
    d.tl0PicIdxOffset = tl0PicIdxOffset;
    d.tl0PicIdx = payload[tl0PicIdxOffset]!;
  }
  if (tkOffset >= 0) {
    const flags = payload[1]!;
    const byte = payload[tkOffset]!;
    if (flags & 0x20) {
      d.tid = byte >> 6;
      d.layerSync = (byte & 0x20) !== 0;
    }
    if (flags & 0x10) d.keyIdx = byte & 0x1f;
  }
  return d;
}

/** {@link isKeyframe}'s scratch (it runs to completion, so one is enough). */
const keyframeLayout = new Vp8Layout();

/**
 * Whether the packet starts a VP8 keyframe: the first packet of partition 0 whose payload header
 * has the P (inverse key frame) bit clear (RFC 7741 §4.3, RFC 6386 §9.1).
 */
export function isKeyframe(payload: Buffer): boolean {
  const first = payload[0] ?? 0;
  if ((first & 0x10) === 0 || (first & 0x07) !== 0 || !keyframeLayout.locate(payload, 0, payload.length)) return false;
  const at = keyframeLayout.headerLength;
  return at < payload.length && (payload[at]! & 0x01) === 0;
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

  /** Scratch for the descriptor walk: rewriting runs per packet and view, and allocates nothing. */
  readonly #layout = new Vp8Layout();

  /**
   * Rewrites in place the descriptor of the VP8 payload in `buf[start, end)` (default: all of
   * `buf` is the payload; an RTP packet with its payload bounds saves the caller a `subarray`).
   * `false` if it could not be parsed (left as is).
   */
  rewrite(ssrc: number, buf: Buffer, start = 0, end = buf.length): boolean {
    const layout = this.#layout;
    if (!layout.locate(buf, start, end)) return false;
    if (ssrc !== this.#source) {
      this.#source = ssrc;
      this.#anchorPictureId = this.#lastPictureId !== undefined;
      this.#anchorTl0 = this.#lastTl0 !== undefined;
    }
    if (layout.pictureIdOffset >= 0) this.#rewritePictureId(buf, start + layout.pictureIdOffset);
    if (layout.tl0PicIdxOffset >= 0) this.#rewriteTl0PicIdx(buf, start + layout.tl0PicIdxOffset);
    return true;
  }

  #rewritePictureId(buf: Buffer, offset: number): void {
    const wide = (buf[offset]! & 0x80) !== 0;
    const pictureId = wide ? buf.readUInt16BE(offset) & 0x7fff : buf[offset]!;
    if (this.#anchorPictureId) {
      this.#pictureIdOffset = (this.#lastPictureId! + 1 - pictureId) & 0x7fff;
      this.#anchorPictureId = false;
    }
    const out = (pictureId + this.#pictureIdOffset) & 0x7fff;
    if (this.#lastPictureId === undefined) this.#lastPictureId = out;
    else {
      // A 7-bit field wraps at 128: compare in its own space, but keep the 15-bit running value.
      const ahead = delta(out, this.#lastPictureId, wide ? 15 : 7);
      if (ahead > 0) this.#lastPictureId = (this.#lastPictureId + ahead) & 0x7fff;
    }
    if (wide) buf.writeUInt16BE(0x8000 | out, offset);
    else buf[offset] = out & 0x7f;
  }

  #rewriteTl0PicIdx(buf: Buffer, offset: number): void {
    const tl0PicIdx = buf[offset]!;
    if (this.#anchorTl0) {
      this.#tl0Offset = (this.#lastTl0! + 1 - tl0PicIdx) & 0xff;
      this.#anchorTl0 = false;
    }
    const out = (tl0PicIdx + this.#tl0Offset) & 0xff;
    if (this.#lastTl0 === undefined || delta(out, this.#lastTl0, 8) > 0) this.#lastTl0 = out;
    buf[offset] = out;
  }
}
