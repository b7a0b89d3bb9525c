/**
 * The RTCP an SFU reads, parsed from compound packets: reports (RFC 3550 §6.4), BYE, generic NACK
 * and transport-cc (RFC 4585, draft-holmer-rmcat-transport-wide-cc), PLI (RFC 4585), FIR
 * (RFC 5104) and REMB (draft-alvestrand-rmcat-remb). Builders live in rtcp-builders.ts.
 */

/** RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1). */
export const RtcpPacketType = { SR: 200, RR: 201, BYE: 203, RTPFB: 205, PSFB: 206 } as const;
/** Feedback message types: `FMT` of RTPFB (RFC 4585 §6.2) and PSFB (§6.3, RFC 5104 §4.3). */
export const FeedbackFormat = { NACK: 1, TRANSPORT_CC: 15, PLI: 1, FIR: 4, AFB: 15 } as const;
/** Identifier that marks an application-layer feedback message as REMB. */
export const REMB_ID = 0x52454d42; // 'REMB'
/** Size of one reception report block. */
export const REPORT_BLOCK_LENGTH = 24;

/** One reception report block (RFC 3550 §6.4.1). */
export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the previous report, in 1/256 units. */
  fractionLost: number;
  /** Cumulative packets lost; signed 24-bit (duplicates can make it negative). */
  packetsLost: number;
  /** Extended highest sequence number received. */
  highestSeq: number;
  jitter: number;
  /** Middle 32 bits of the NTP time of the last SR received from this source. */
  lastSr: number;
  /** Delay since that SR, in 1/65536 s. */
  delaySinceLastSr: number;
}

/** Sender report (RFC 3550 §6.4.1): the sender's NTP ↔ RTP timestamp pair and its counts. */
export interface SenderReport {
  type: 'sr';
  ssrc: number;
  /** 64-bit NTP timestamp (seconds since 1900 in the high 32 bits). */
  ntp: bigint;
  rtpTimestamp: number;
  packetCount: number;
  /** Payload octets sent, excluding headers and padding. */
  octetCount: number;
  reports: ReportBlock[];
}

/** Receiver report (RFC 3550 §6.4.2). */
export interface ReceiverReport {
  type: 'rr';
  ssrc: number;
  reports: ReportBlock[];
}
/** BYE (RFC 3550 §6.6): these sources are leaving. */
export interface Bye {
  type: 'bye';
  ssrcs: number[];
}
/** Generic NACK, with its PID/BLP pairs expanded to the sequence numbers they name. */
export interface Nack {
  type: 'nack';
  senderSsrc: number;
  mediaSsrc: number;
  seqs: number[];
}
/** Transport-wide congestion control feedback: recognised only; `raw` views the whole RTCP packet. */
export interface TransportCc {
  type: 'transport-cc';
  senderSsrc: number;
  mediaSsrc: number;
  raw: Buffer;
}
/** Picture Loss Indication (RFC 4585 §6.3.1): `mediaSsrc` needs a keyframe. */
export interface Pli {
  type: 'pli';
  senderSsrc: number;
  mediaSsrc: number;
}
/** One FIR target and its command sequence number. */
export interface FirEntry {
  ssrc: number;
  seqNr: number;
}
/** Full Intra Request (RFC 5104 §4.3.1). */
export interface Fir {
  type: 'fir';
  senderSsrc: number;
  entries: FirEntry[];
}
/** Receiver-estimated maximum bitrate in bits per second, applying to `ssrcs`. */
export interface Remb {
  type: 'remb';
  senderSsrc: number;
  bitrate: number;
  ssrcs: number[];
}

/** Every RTCP item {@link parseRtcp} reports. SDES, APP and unknown types are skipped. */
export type RtcpItem = SenderReport | ReceiverReport | Bye | Nack | TransportCc | Pli | Fir | Remb;

/**
 * Parses a compound RTCP packet. Never throws: parsing stops at the first header that is not
 * version 2 or whose length runs past the buffer, and a packet whose body is too short for its
 * type is skipped, so the result holds whatever parsed before the damage.
 * Views (`TransportCc.raw`) share memory with `buf`.
 */
export function parseRtcp(buf: Buffer): RtcpItem[] {
  const items: RtcpItem[] = [];
  let start = 0;
  while (start + 4 <= buf.length) {
    const first = buf[start]!;
    const end = start + (buf.readUInt16BE(start + 2) + 1) * 4;
    if (first >> 6 !== 2 || end > buf.length) break;
    let bodyEnd = end;
    if (first & 0x20) {
      const padding = buf[end - 1]!;
      if (padding === 0 || padding > end - start - 4) break;
      bodyEnd -= padding;
    }
    const item = parseOne({ buf, start, bodyEnd, end, count: first & 0x1f, type: buf[start + 1]! });
    if (item) items.push(item);
    start = end;
  }
  return items;
}

/** One packet of a compound: `bodyEnd` excludes padding, `count` is the RC/SC/FMT field. */
interface Span {
  buf: Buffer;
  start: number;
  bodyEnd: number;
  end: number;
  count: number;
  type: number;
}

function parseOne(p: Span): RtcpItem | undefined {
  const { buf, start, bodyEnd, count } = p;
  const length = bodyEnd - start;
  const u32 = (at: number) => buf.readUInt32BE(start + at);
  switch (p.type) {
    case RtcpPacketType.SR:
      if (length < 28) return undefined;
      return {
        type: 'sr',
        ssrc: u32(4),
        ntp: buf.readBigUInt64BE(start + 8),
        rtpTimestamp: u32(16),
        packetCount: u32(20),
        octetCount: u32(24),
        reports: parseReportBlocks(buf, start + 28, bodyEnd, count),
      };
    case RtcpPacketType.RR:
      if (length < 8) return undefined;
      return { type: 'rr', ssrc: u32(4), reports: parseReportBlocks(buf, start + 8, bodyEnd, count) };
    case RtcpPacketType.BYE:
      return { type: 'bye', ssrcs: readSsrcs(buf, start + 4, Math.min(count, (length - 4) >> 2)) };
    case RtcpPacketType.RTPFB:
      return length < 12 ? undefined : parseTransportFeedback(p);
    case RtcpPacketType.PSFB:
      return length < 12 ? undefined : parsePayloadFeedback(p);
    default:
      return undefined;
  }
}

function parseTransportFeedback({ buf, start, bodyEnd, end, count: fmt }: Span): Nack | TransportCc | undefined {
  const senderSsrc = buf.readUInt32BE(start + 4);
  const mediaSsrc = buf.readUInt32BE(start + 8);
  if (fmt === FeedbackFormat.TRANSPORT_CC) {
    return { type: 'transport-cc', senderSsrc, mediaSsrc, raw: buf.subarray(start, end) };
  }
  if (fmt !== FeedbackFormat.NACK) return undefined;
  const seqs: number[] = [];
  for (let at = start + 12; at + 4 <= bodyEnd; at += 4) {
    const pid = buf.readUInt16BE(at);
    const blp = buf.readUInt16BE(at + 2);
    seqs.push(pid);
    for (let bit = 0; bit < 16; bit++) if (blp & (1 << bit)) seqs.push((pid + bit + 1) & 0xffff);
  }
  return { type: 'nack', senderSsrc, mediaSsrc, seqs };
}

function parsePayloadFeedback({ buf, start, bodyEnd, count: fmt }: Span): Pli | Fir | Remb | undefined {
  const senderSsrc = buf.readUInt32BE(start + 4);
  const fci = start + 12;
  if (fmt === FeedbackFormat.PLI) return { type: 'pli', senderSsrc, mediaSsrc: buf.readUInt32BE(start + 8) };
  if (fmt === FeedbackFormat.FIR) {
    const entries: FirEntry[] = [];
    for (let at = fci; at + 8 <= bodyEnd; at += 8) entries.push({ ssrc: buf.readUInt32BE(at), seqNr: buf[at + 4]! });
    return { type: 'fir', senderSsrc, entries };
  }
  if (fmt !== FeedbackFormat.AFB || fci + 8 > bodyEnd || buf.readUInt32BE(fci) !== REMB_ID) return undefined;
  const exponent = buf[fci + 5]! >> 2;
  const mantissa = ((buf[fci + 5]! & 0x03) << 16) | buf.readUInt16BE(fci + 6);
  const ssrcCount = Math.min(buf[fci + 4]!, (bodyEnd - fci - 8) >> 2);
  return { type: 'remb', senderSsrc, bitrate: mantissa * 2 ** exponent, ssrcs: readSsrcs(buf, fci + 8, ssrcCount) };
}

function parseReportBlocks(buf: Buffer, at: number, bodyEnd: number, count: number): ReportBlock[] {
  const blocks: ReportBlock[] = [];
  for (let i = 0; i < count && at + REPORT_BLOCK_LENGTH <= bodyEnd; i++, at += REPORT_BLOCK_LENGTH) {
    blocks.push({
      ssrc: buf.readUInt32BE(at),
      fractionLost: buf[at + 4]!,
      packetsLost: buf.readIntBE(at + 5, 3),
      highestSeq: buf.readUInt32BE(at + 8),
      jitter: buf.readUInt32BE(at + 12),
      lastSr: buf.readUInt32BE(at + 16),
      delaySinceLastSr: buf.readUInt32BE(at + 20),
    });
  }
  return blocks;
}

function readSsrcs(buf: Buffer, at: number, count: number): number[] {
  const ssrcs: number[] = [];
  for (let i = 0; i < count; i++) ssrcs.push(buf.readUInt32BE(at + i * 4));
  return ssrcs;
}
