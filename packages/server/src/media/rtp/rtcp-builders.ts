import { seqDelta } from './seq-math.js';
import { FeedbackFormat, REMB_ID, REPORT_BLOCK_LENGTH, RtcpPacketType, type FirEntry, type ReportBlock, type SenderReport } from './rtcp.js';

/**
 * Builders for the RTCP an SFU sends; each returns one packet (reports with more than 31 blocks:
 * a compound of several), to be concatenated into compounds.
 */

/** The report count field has 5 bits. */
const MAX_REPORT_BLOCKS = 31;

/** A zeroed packet of `length` bytes (a multiple of 4) with its common header written. */
function allocPacket(length: number, countOrFmt: number, pt: number): Buffer {
  const buf = Buffer.alloc(length);
  buf[0] = 0x80 | countOrFmt;
  buf[1] = pt;
  buf.writeUInt16BE(length / 4 - 1, 2);
  return buf;
}

function allocFeedback(fciLength: number, fmt: number, pt: number, senderSsrc: number, mediaSsrc: number): Buffer {
  const buf = allocPacket(12 + fciLength, fmt, pt);
  buf.writeUInt32BE(senderSsrc >>> 0, 4);
  buf.writeUInt32BE(mediaSsrc >>> 0, 8);
  return buf;
}

/**
 * Generic NACK for `seqs`, packed into as few PID/BLP pairs as their spacing allows. Order is
 * wrap-aware relative to the first seq, so a list crossing 65535 → 0 packs correctly.
 */
export function buildNack(senderSsrc: number, mediaSsrc: number, seqs: readonly number[]): Buffer {
  const reference = seqs[0] ?? 0;
  const unique = [...new Set(seqs.map((s) => s & 0xffff))];
  const sorted = unique.sort((a, b) => seqDelta(a, reference) - seqDelta(b, reference));
  const pairs: Array<{ pid: number; blp: number }> = [];
  for (const seq of sorted) {
    const last = pairs[pairs.length - 1];
    const distance = last ? seqDelta(seq, last.pid) : 0;
    if (last && distance >= 1 && distance <= 16) last.blp |= 1 << (distance - 1);
    else pairs.push({ pid: seq, blp: 0 });
  }
  const buf = allocFeedback(pairs.length * 4, FeedbackFormat.NACK, RtcpPacketType.RTPFB, senderSsrc, mediaSsrc);
  pairs.forEach(({ pid, blp }, i) => {
    buf.writeUInt16BE(pid, 12 + i * 4);
    buf.writeUInt16BE(blp, 14 + i * 4);
  });
  return buf;
}

/** Picture Loss Indication for `mediaSsrc`. */
export function buildPli(senderSsrc: number, mediaSsrc: number): Buffer {
  return allocFeedback(0, FeedbackFormat.PLI, RtcpPacketType.PSFB, senderSsrc, mediaSsrc);
}

/** Full Intra Request; the media-source field is 0 and targets travel in the entries (RFC 5104 §4.3.1.2). */
export function buildFir(senderSsrc: number, entries: readonly FirEntry[]): Buffer {
  const buf = allocFeedback(entries.length * 8, FeedbackFormat.FIR, RtcpPacketType.PSFB, senderSsrc, 0);
  entries.forEach(({ ssrc, seqNr }, i) => {
    buf.writeUInt32BE(ssrc >>> 0, 12 + i * 8);
    buf[16 + i * 8] = seqNr & 0xff;
  });
  return buf;
}

/** REMB; `bitrate` (bit/s) is rounded down to what an 18-bit mantissa and 6-bit exponent express. */
export function buildRemb(senderSsrc: number, bitrate: number, ssrcs: readonly number[]): Buffer {
  let mantissa = Math.max(0, Math.floor(bitrate));
  let exponent = 0;
  while (mantissa >= 0x40000) {
    mantissa = Math.floor(mantissa / 2);
    exponent++;
  }
  const buf = allocFeedback(8 + ssrcs.length * 4, FeedbackFormat.AFB, RtcpPacketType.PSFB, senderSsrc, 0);
  buf.writeUInt32BE(REMB_ID, 12);
  buf[16] = ssrcs.length;
  buf[17] = (exponent << 2) | (mantissa >> 16);
  buf.writeUInt16BE(mantissa & 0xffff, 18);
  ssrcs.forEach((ssrc, i) => buf.writeUInt32BE(ssrc >>> 0, 20 + i * 4));
  return buf;
}

/** Fields of a sender report to build; `reports` defaults to none. */
export type SenderReportInit = Omit<SenderReport, 'type' | 'reports'> & { reports?: readonly ReportBlock[] };

/**
 * Sender report. The count field has 5 bits: past 31 report blocks, the rest follow in receiver
 * reports of the same SSRC in one compound (RFC 3550 §6.4.2).
 */
export function buildSenderReport(sr: SenderReportInit): Buffer {
  const reports = sr.reports ?? [];
  const first = reports.slice(0, MAX_REPORT_BLOCKS);
  const buf = allocPacket(28 + first.length * REPORT_BLOCK_LENGTH, first.length, RtcpPacketType.SR);
  buf.writeUInt32BE(sr.ssrc >>> 0, 4);
  buf.writeBigUInt64BE(BigInt.asUintN(64, sr.ntp), 8);
  buf.writeUInt32BE(sr.rtpTimestamp >>> 0, 16);
  buf.writeUInt32BE(sr.packetCount >>> 0, 20);
  buf.writeUInt32BE(sr.octetCount >>> 0, 24);
  writeReportBlocks(buf, 28, first);
  return reports.length > MAX_REPORT_BLOCKS ? Buffer.concat([buf, buildReceiverReport(sr.ssrc, reports.slice(MAX_REPORT_BLOCKS))]) : buf;
}

/**
 * Receiver report: one RR packet per 31 report blocks (the count field has 5 bits), concatenated
 * into one compound (RFC 3550 §6.4.2); without blocks, one empty RR.
 */
export function buildReceiverReport(ssrc: number, reports: readonly ReportBlock[] = []): Buffer {
  const packets: Buffer[] = [];
  for (let from = 0; from === 0 || from < reports.length; from += MAX_REPORT_BLOCKS) {
    const chunk = reports.slice(from, from + MAX_REPORT_BLOCKS);
    const buf = allocPacket(8 + chunk.length * REPORT_BLOCK_LENGTH, chunk.length, RtcpPacketType.RR);
    buf.writeUInt32BE(ssrc >>> 0, 4);
    writeReportBlocks(buf, 8, chunk);
    packets.push(buf);
  }
  return packets.length === 1 ? packets[0]! : Buffer.concat(packets);
}

function writeReportBlocks(buf: Buffer, at: number, reports: readonly ReportBlock[]): void {
  for (const r of reports) {
    buf.writeUInt32BE(r.ssrc >>> 0, at);
    buf[at + 4] = r.fractionLost & 0xff;
    buf.writeIntBE(Math.max(-0x800000, Math.min(0x7fffff, r.packetsLost)), at + 5, 3);
    buf.writeUInt32BE(r.highestSeq >>> 0, at + 8);
    buf.writeUInt32BE(r.jitter >>> 0, at + 12);
    buf.writeUInt32BE(r.lastSr >>> 0, at + 16);
    buf.writeUInt32BE(r.delaySinceLastSr >>> 0, at + 20);
    at += REPORT_BLOCK_LENGTH;
  }
}
