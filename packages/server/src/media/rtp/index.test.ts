import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  KeyframeThrottle,
  RetransmissionBuffer,
  RtpHeader,
  SenderReportGenerator,
  SentHistory,
  SeqRewriter,
  SimulcastSelector,
  Vp8Rewriter,
  buildNack,
  isVp8Keyframe,
  msToNtp,
  parseRtcp,
  parseVp8Descriptor,
  rewriteRtpHeader,
} from './index.js';

const RID_EXT = 10;

/** A VP8 RTP packet with a one-byte rid extension, 15-bit PictureID and TL0PICIDX. */
function vp8Packet(o: { ssrc: number; seq: number; ts: number; rid: string; pictureId: number; tl0: number; key: boolean }) {
  const rid = Buffer.from(o.rid, 'ascii');
  const ext = Buffer.alloc(4); // one element of up to 3 bytes, padded to a word
  ext[0] = (RID_EXT << 4) | (rid.length - 1);
  rid.copy(ext, 1);
  const header = Buffer.alloc(12);
  header[0] = 0x90;
  header[1] = 0x80 | 96; // marker: one packet per frame
  header.writeUInt16BE(o.seq, 2);
  header.writeUInt32BE(o.ts, 4);
  header.writeUInt32BE(o.ssrc, 8);
  const descriptor = [0x90, 0xc0, 0x80 | (o.pictureId >> 8), o.pictureId & 0xff, o.tl0, o.key ? 0x10 : 0x11, 0xaa];
  return Buffer.concat([header, Buffer.from([0xbe, 0xde, 0, 1]), ext, Buffer.from(descriptor)]);
}

test('a simulcast forwarding leg: store, select, rewrite, answer a NACK as sent, report', () => {
  const selector = new SimulcastSelector([{ rid: 'l' }, { rid: 'h' }], { wanted: 'small' });
  const seqs = new SeqRewriter(90000);
  const pictures = new Vp8Rewriter();
  // As the SFU: originals stored once per layer (shared by every view), each view's history rebuilds them.
  const stores = [new RetransmissionBuffer(), new RetransmissionBuffer()];
  const sent = new SentHistory(1024, true);
  const throttle = new KeyframeThrottle();
  const reports = new SenderReportGenerator(0x5eed, 90000);
  const out: Buffer[] = [];
  const keyframeRequests: number[] = [];

  // As Publication: one header view, parsed once per packet and read by every stage.
  const packet = new RtpHeader();
  const onPublisherPacket = (buf: Buffer, nowMs: number) => {
    assert.ok(packet.parse(buf));
    const rid = packet.extension(RID_EXT)?.toString('ascii');
    const layer = rid === 'h' ? 1 : 0;
    stores[layer]!.store(packet.seq, buf);
    const decision = selector.onPacket(packet.ssrc, isVp8Keyframe(packet.payload), nowMs, rid);
    if (decision.needKeyframe && throttle.request(nowMs)) keyframeRequests.push(selector.targetSsrc!);
    if (!decision.forward) return;
    const mapped = seqs.rewrite(packet.ssrc, packet.seq, packet.timestamp, nowMs);
    if (!mapped) return;
    pictures.rewrite(packet.ssrc, packet.payload);
    rewriteRtpHeader(buf, 100, mapped.seq, mapped.timestamp, 0x5eed);
    sent.record(buf, layer, packet.seq, packet.payloadOffset, packet.payloadLength);
    reports.onPacketSent(packet.payloadLength);
    out.push(Buffer.from(buf));
  };

  // Low layer (ssrc 1) starts with a keyframe; high layer (ssrc 2) runs alongside.
  onPublisherPacket(vp8Packet({ ssrc: 2, seq: 900, ts: 50_000, rid: 'h', pictureId: 4000, tl0: 40, key: false }), 0);
  onPublisherPacket(vp8Packet({ ssrc: 1, seq: 100, ts: 10_000, rid: 'l', pictureId: 10, tl0: 1, key: true }), 0);
  onPublisherPacket(vp8Packet({ ssrc: 1, seq: 101, ts: 13_000, rid: 'l', pictureId: 11, tl0: 2, key: false }), 33);
  assert.equal(out.length, 2);
  // The subscriber wants the big layer: asks for a keyframe of ssrc 2, keeps getting the low one meanwhile.
  selector.wanted = 'big';
  onPublisherPacket(vp8Packet({ ssrc: 2, seq: 901, ts: 53_000, rid: 'h', pictureId: 4001, tl0: 41, key: false }), 40);
  assert.deepEqual(keyframeRequests, [2]);
  onPublisherPacket(vp8Packet({ ssrc: 1, seq: 102, ts: 16_000, rid: 'l', pictureId: 12, tl0: 3, key: false }), 66);
  onPublisherPacket(vp8Packet({ ssrc: 2, seq: 902, ts: 56_000, rid: 'h', pictureId: 4002, tl0: 42, key: true }), 100);
  onPublisherPacket(vp8Packet({ ssrc: 1, seq: 103, ts: 19_000, rid: 'l', pictureId: 13, tl0: 4, key: false }), 100);
  onPublisherPacket(vp8Packet({ ssrc: 2, seq: 903, ts: 59_000, rid: 'h', pictureId: 4003, tl0: 43, key: false }), 133);

  const view = out.map((b) => {
    const p = RtpHeader.from(b)!;
    const d = parseVp8Descriptor(p.payload)!;
    return [p.ssrc, p.payloadType, p.seq, p.timestamp, d.pictureId, d.tl0PicIdx];
  });
  assert.deepEqual(view, [
    [0x5eed, 100, 100, 10_000, 10, 1],
    [0x5eed, 100, 101, 13_000, 11, 2],
    [0x5eed, 100, 102, 16_000, 12, 3],
    [0x5eed, 100, 103, 16_000 + 34 * 90, 13, 4], // switch: 34 ms after the last packet
    [0x5eed, 100, 104, 16_000 + 34 * 90 + 3000, 14, 5],
  ]);
  assert.equal(out[3]![1], 0x80 | 100, 'marker kept while the payload type changed');

  // The subscriber NACKs output seqs 102 and 103 (the first after the switch): each is rebuilt from
  // its layer's original exactly as sent, PictureID/TL0PICIDX of the output sequence included.
  const [nack] = parseRtcp(buildNack(1, 0x5eed, [102, 103]));
  assert.ok(nack?.type === 'nack');
  for (const [i, seq] of nack.seqs.entries()) {
    const original = sent.original(seq)!;
    const copy = Buffer.from(stores[original.layer]!.get(original.seq)!);
    sent.restore(copy, seq);
    assert.deepEqual(copy, out[2 + i], `retransmission of ${seq}`);
  }

  // SR for the subscriber leg from the high layer's SR (ts 56 000 at t = 100 ms).
  const highLayerSr = { ntp: msToNtp(1_000_000), rtpTimestamp: 56_000, receivedAtMs: 100 };
  const [sr] = parseRtcp(reports.build(highLayerSr, seqs.timestampOffset, 100));
  assert.ok(sr?.type === 'sr');
  assert.equal(sr.rtpTimestamp, 16_000 + 34 * 90, 'the SR names the output timestamp of the same instant');
  assert.equal(sr.packetCount, 5);
  assert.equal(sr.octetCount, 5 * 7);
});
