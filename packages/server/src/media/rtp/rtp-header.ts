/** Fixed part of every RTP header (RFC 3550 §5.1). */
const FIXED_HEADER_LENGTH = 12;
/** "defined by profile" value of the one-byte header-extension form (RFC 8285 §4.2). */
const ONE_BYTE_PROFILE = 0xbede;
/** Upper 12 bits of the two-byte form's profile value; the low 4 bits are app bits (RFC 8285 §4.3). */
const TWO_BYTE_PROFILE = 0x1000;
const EMPTY = Buffer.alloc(0);

/**
 * RTCP shares the port with RTP after BUNDLE/rtcp-mux; RTCP packet types 192–223 land where RTP
 * would put marker + payload types 64–95, which RFC 5761 §4 keeps free for exactly this demux.
 */
export function isRtcp(buf: Buffer): boolean {
  return buf.length >= 2 && buf[1]! >= 192 && buf[1]! <= 223;
}

/**
 * The header of one RTP packet, parsed once when the packet arrives and handed to every stage that
 * needs it (livekit's `ExtPacket`), instead of each stage re-reading bytes or taking the fields as
 * positional arguments. Reusable: {@link parse} overwrites every field, so a receiver keeps one view
 * and the per-packet path allocates nothing. The fields are the values as received; a forwarder
 * that rewrites {@link buffer} in place for one subscriber still finds the originals here for the
 * next one.
 */
export class RtpHeader {
  /** The parsed packet; only valid while its receive callback runs. */
  buffer: Buffer = EMPTY;
  marker = false;
  payloadType = 0;
  seq = 0;
  timestamp = 0;
  ssrc = 0;
  csrcCount = 0;
  /** Header-extension profile value (0xBEDE one-byte, 0x100X two-byte), -1 without extension. */
  extensionProfile = -1;
  payloadOffset = 0;
  /** Payload bytes, header and padding excluded. */
  payloadLength = 0;
  /** Padding bytes at the end (0 when the P bit is clear). */
  paddingLength = 0;
  #extensionOffset = -1;
  #extensionEnd = -1;

  /** A new view over `buf`, or undefined when it is not well-formed RTP (see {@link parse}). */
  static from(buf: Buffer): RtpHeader | undefined {
    const header = new RtpHeader();
    return header.parse(buf) ? header : undefined;
  }

  /**
   * Reads `buf` into this view. False when it is not a well-formed RTP packet: shorter than 12
   * bytes, version ≠ 2, CSRC list or header extension running past the end, or padding that is
   * zero or longer than what follows the header (libwebrtc drops those too); the fields are then
   * meaningless.
   */
  parse(buf: Buffer): boolean {
    const length = buf.length;
    if (length < FIXED_HEADER_LENGTH) return false;
    const first = buf[0]!;
    if (first >> 6 !== 2) return false;
    const csrcCount = first & 0x0f;
    let offset = FIXED_HEADER_LENGTH + csrcCount * 4;
    let extensionOffset = -1;
    let extensionEnd = -1;
    let profile = -1;
    if (first & 0x10) {
      if (offset + 4 > length) return false;
      profile = buf.readUInt16BE(offset);
      extensionOffset = offset + 4;
      extensionEnd = extensionOffset + buf.readUInt16BE(offset + 2) * 4;
      offset = extensionEnd;
    }
    if (offset > length) return false;
    let padding = 0;
    if (first & 0x20) {
      padding = buf[length - 1]!;
      if (padding === 0 || offset + padding > length) return false;
    }
    const second = buf[1]!;
    this.buffer = buf;
    this.marker = (second & 0x80) !== 0;
    this.payloadType = second & 0x7f;
    this.seq = buf.readUInt16BE(2);
    this.timestamp = buf.readUInt32BE(4);
    this.ssrc = buf.readUInt32BE(8);
    this.csrcCount = csrcCount;
    this.extensionProfile = profile;
    this.payloadOffset = offset;
    this.payloadLength = length - padding - offset;
    this.paddingLength = padding;
    this.#extensionOffset = extensionOffset;
    this.#extensionEnd = extensionEnd;
    return true;
  }

  /** The payload, a view sharing memory with {@link buffer} (allocates: not for the per-packet path). */
  get payload(): Buffer {
    return this.buffer.subarray(this.payloadOffset, this.payloadOffset + this.payloadLength);
  }

  /**
   * The value of header extension `id` as a view into the packet, or undefined when absent.
   * Understands the one-byte and two-byte forms of RFC 8285; other profiles have no ids.
   */
  extension(id: number): Buffer | undefined {
    const profile = this.extensionProfile;
    if (profile === ONE_BYTE_PROFILE) return this.#findExtension(id, 1);
    if (profile >= 0 && (profile & 0xfff0) === TWO_BYTE_PROFILE) return this.#findExtension(id, 2);
    return undefined;
  }

  #findExtension(wanted: number, headerSize: 1 | 2): Buffer | undefined {
    const buf = this.buffer;
    const end = this.#extensionEnd;
    let i = this.#extensionOffset;
    while (i < end) {
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
        if (i + 1 >= end) return undefined;
        id = first;
        length = buf[i + 1]!;
      }
      const start = i + headerSize;
      if (start + length > end) return undefined;
      if (id === wanted) return buf.subarray(start, start + length);
      i = start + length;
    }
    return undefined;
  }
}

/**
 * What a forwarder changes for each subscriber, written in place: payload type (the marker bit in
 * the same byte is kept), sequence number, timestamp and SSRC. CSRCs and extensions stay.
 */
export function rewriteRtpHeader(buf: Buffer, payloadType: number, seq: number, timestamp: number, ssrc: number): void {
  buf[1] = (buf[1]! & 0x80) | (payloadType & 0x7f);
  buf.writeUInt16BE(seq & 0xffff, 2);
  buf.writeUInt32BE(timestamp >>> 0, 4);
  buf.writeUInt32BE(ssrc >>> 0, 8);
}
