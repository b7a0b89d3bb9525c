/** Fixed part of every RTP header (RFC 3550 §5.1). */
const FIXED_HEADER_LENGTH = 12;
/** "defined by profile" value of the one-byte header-extension form (RFC 8285 §4.2). */
const ONE_BYTE_PROFILE = 0xbede;
/** Upper 12 bits of the two-byte form's profile value; the low 4 bits are app bits (RFC 8285 §4.3). */
const TWO_BYTE_PROFILE = 0x1000;

/**
 * RTCP shares the port with RTP after BUNDLE/rtcp-mux; RTCP packet types 192–223 land where RTP
 * would put marker + payload types 64–95, which RFC 5761 §4 keeps free for exactly this demux.
 */
export function isRtcp(buf: Buffer): boolean {
  return buf.length >= 2 && buf[1]! >= 192 && buf[1]! <= 223;
}

/**
 * Zero-copy view over one RTP packet. Offsets are validated once in {@link RtpPacket.from}; getters
 * read the buffer on each call and setters write it in place, so the same view sees its own edits
 * and a forwarder can patch a received buffer without copying it.
 */
export class RtpPacket {
  /** The packet's bytes; setters modify this buffer. */
  readonly buffer: Buffer;
  #payloadOffset: number;
  #payloadEnd: number;
  #extensionOffset: number;
  #extensionEnd: number;

  private constructor(buffer: Buffer, payloadOffset: number, payloadEnd: number, extOffset: number, extEnd: number) {
    this.buffer = buffer;
    this.#payloadOffset = payloadOffset;
    this.#payloadEnd = payloadEnd;
    this.#extensionOffset = extOffset;
    this.#extensionEnd = extEnd;
  }

  /**
   * A view over `buf`, or `undefined` when it is not a well-formed RTP packet (version ≠ 2,
   * CSRC list, header extension or padding running past the end).
   */
  static from(buf: Buffer): RtpPacket | undefined {
    if (buf.length < FIXED_HEADER_LENGTH || buf[0]! >> 6 !== 2) return undefined;
    let offset = FIXED_HEADER_LENGTH + (buf[0]! & 0x0f) * 4;
    let extOffset = -1;
    let extEnd = -1;
    if (buf[0]! & 0x10) {
      if (offset + 4 > buf.length) return undefined;
      extOffset = offset + 4;
      extEnd = extOffset + buf.readUInt16BE(offset + 2) * 4;
      offset = extEnd;
    }
    if (offset > buf.length) return undefined;
    let end = buf.length;
    if (buf[0]! & 0x20) {
      const padding = buf[buf.length - 1]!;
      if (padding === 0 || offset + padding > buf.length) return undefined;
      end -= padding;
    }
    return new RtpPacket(buf, offset, end, extOffset, extEnd);
  }

  get marker(): boolean {
    return (this.buffer[1]! & 0x80) !== 0;
  }

  get payloadType(): number {
    return this.buffer[1]! & 0x7f;
  }

  /** Rewrites the payload type; the marker bit shares the byte and is kept. */
  set payloadType(pt: number) {
    this.buffer[1] = (this.buffer[1]! & 0x80) | (pt & 0x7f);
  }

  get sequenceNumber(): number {
    return this.buffer.readUInt16BE(2);
  }

  set sequenceNumber(seq: number) {
    this.buffer.writeUInt16BE(seq & 0xffff, 2);
  }

  get timestamp(): number {
    return this.buffer.readUInt32BE(4);
  }

  set timestamp(ts: number) {
    this.buffer.writeUInt32BE(ts >>> 0, 4);
  }

  get ssrc(): number {
    return this.buffer.readUInt32BE(8);
  }

  set ssrc(ssrc: number) {
    this.buffer.writeUInt32BE(ssrc >>> 0, 8);
  }

  get csrcCount(): number {
    return this.buffer[0]! & 0x0f;
  }

  /** Header-extension profile value (0xBEDE for one-byte, 0x100X for two-byte), or `undefined`. */
  get extensionProfile(): number | undefined {
    return this.#extensionOffset < 0 ? undefined : this.buffer.readUInt16BE(this.#extensionOffset - 4);
  }

  get payloadOffset(): number {
    return this.#payloadOffset;
  }

  /** Payload bytes, excluding header and padding. */
  get payloadLength(): number {
    return this.#payloadEnd - this.#payloadOffset;
  }

  /** Number of padding bytes at the end (0 when the P bit is clear). */
  get paddingLength(): number {
    return this.buffer.length - this.#payloadEnd;
  }

  /** The payload as a view sharing memory with {@link buffer}. */
  get payload(): Buffer {
    return this.buffer.subarray(this.#payloadOffset, this.#payloadEnd);
  }

  /**
   * The value of header extension `id` as a view into the packet, or `undefined` when absent.
   * Understands the one-byte and two-byte forms of RFC 8285; other profiles have no ids.
   */
  getExtension(id: number): Buffer | undefined {
    const profile = this.extensionProfile;
    if (profile === ONE_BYTE_PROFILE) return this.#findExtension(id, 1);
    if (profile !== undefined && (profile & 0xfff0) === TWO_BYTE_PROFILE) return this.#findExtension(id, 2);
    return undefined;
  }

  #findExtension(wanted: number, headerSize: 1 | 2): Buffer | undefined {
    const buf = this.buffer;
    let i = this.#extensionOffset;
    while (i < this.#extensionEnd) {
      const first = buf[i]!;
      if (first === 0) {
        i++; // padding between elements (both forms)
        continue;
      }
      let id: number;
      let length: number;
      if (headerSize === 1) {
        id = first >> 4;
        length = (first & 0x0f) + 1;
        if (id === 15) return undefined; // RFC 8285 §4.2: stop parsing at id 15
      } else {
        if (i + 1 >= this.#extensionEnd) return undefined;
        id = first;
        length = buf[i + 1]!;
      }
      const start = i + headerSize;
      if (start + length > this.#extensionEnd) return undefined;
      if (id === wanted) return buf.subarray(start, start + length);
      i = start + length;
    }
    return undefined;
  }
}
