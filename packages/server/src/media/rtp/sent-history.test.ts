import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SentHistory } from './sent-history.js';
import { Vp8Rewriter, parseVp8Descriptor } from './vp8.js';

/** RTP (one CSRC, a one-byte-header extension) carrying a VP8 descriptor with a 15-bit PictureID. */
function vp8Packet(seq: number, timestamp: number, ssrc: number, pictureId: number, tl0: number): Buffer {
  const header = Buffer.alloc(12 + 4 + 8);
  header[0] = 0x80 | 0x10 | 0x01; // V=2, X=1, CC=1
  header[1] = 96;
  header.writeUInt16BE(seq, 2);
  header.writeUInt32BE(timestamp, 4);
  header.writeUInt32BE(ssrc, 8);
  header.writeUInt32BE(0xc5c5c5c5, 12); // CSRC
  header.writeUInt16BE(0xbede, 16);
  header.writeUInt16BE(1, 18);
  header.writeUInt32BE(0x10ff0000, 20); // id 1, one byte
  const payload = Buffer.from([0x90, 0xc0, 0x80 | (pictureId >> 8), pictureId & 0xff, tl0, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a]);
  return Buffer.concat([header, payload]);
}
const PAYLOAD_OFFSET = 24;

/** What a view does to a packet on its way out: its own seq/ts/SSRC/PT, and VP8 picture ids. */
function sendAs(original: Buffer, vp8: Vp8Rewriter, outSeq: number, tsOffset: number): Buffer {
  const sent = Buffer.from(original);
  vp8.rewrite(original.readUInt32BE(8), sent.subarray(PAYLOAD_OFFSET));
  sent[1] = (sent[1]! & 0x80) | 100;
  sent.writeUInt16BE(outSeq, 2);
  sent.writeUInt32BE((sent.readUInt32BE(4) + tsOffset) >>> 0, 4);
  sent.writeUInt32BE(0xabcdef01, 8);
  return sent;
}

describe('SentHistory', () => {
  it('rebuilds a retransmission byte for byte, picture ids included, after a simulcast switch', () => {
    const history = new SentHistory(1024, true);
    const vp8 = new Vp8Rewriter();
    const low = [vp8Packet(500, 9000, 0x111, 0x2000, 7), vp8Packet(501, 12000, 0x111, 0x2001, 8)];
    const high = [vp8Packet(40000, 9000, 0x222, 0x0100, 200), vp8Packet(40001, 12000, 0x222, 0x0101, 201)];
    const sent: Buffer[] = [];
    let outSeq = 65534; // the output wraps on the way
    for (const [i, p] of [...low.map((p) => [0, p] as const), ...high.map((p) => [1, p] as const)]) {
      const s = sendAs(p, vp8, outSeq & 0xffff, 777);
      history.record(s, i, p.readUInt16BE(2), PAYLOAD_OFFSET, p.length - PAYLOAD_OFFSET);
      sent.push(s);
      outSeq++;
    }
    // The switch moved the high layer's picture ids into the low layer's sequence.
    assert.equal(parseVp8Descriptor(sent[2]!.subarray(PAYLOAD_OFFSET))!.pictureId, 0x2002);
    const originals = [...low, ...high];
    sent.forEach((s, i) => {
      const o = history.original(s.readUInt16BE(2))!;
      assert.deepEqual(o, { layer: i < 2 ? 0 : 1, seq: originals[i]!.readUInt16BE(2) });
      const copy = Buffer.from(originals[i]!);
      history.restore(copy, s.readUInt16BE(2));
      assert.deepEqual(copy, s, `packet ${i} is rebuilt as sent`);
    });
  });

  it('forgets a slot once a later packet took it, and keeps payloads untouched without the payload head', () => {
    const history = new SentHistory(4, false);
    const p = vp8Packet(1, 0, 1, 5, 5);
    history.record(p, 0, 1, PAYLOAD_OFFSET, p.length - PAYLOAD_OFFSET);
    assert.deepEqual(history.original(1), { layer: 0, seq: 1 });
    const q = vp8Packet(5, 0, 1, 6, 6); // slot 5 & 3 === 1
    history.record(q, 0, 9, PAYLOAD_OFFSET, q.length - PAYLOAD_OFFSET);
    assert.equal(history.original(1), undefined);
    const copy = vp8Packet(9, 0, 1, 77, 77);
    history.restore(copy, 5);
    assert.equal(copy.readUInt16BE(2), 5);
    assert.equal(parseVp8Descriptor(copy.subarray(PAYLOAD_OFFSET))!.pictureId, 77, 'payload left alone');
    assert.throws(() => new SentHistory(1000, false), RangeError);
  });
});

describe('SentHistory.mayResend', () => {
  function sent(history: SentHistory, outSeq: number): void {
    const packet = Buffer.alloc(20);
    packet.writeUInt16BE(outSeq, 2);
    history.record(packet, 0, outSeq + 100, 12, 8);
  }

  it('allows one resend per interval for each packet, and none of a packet it does not hold', () => {
    const history = new SentHistory(16, false);
    sent(history, 5);
    sent(history, 6);
    assert.equal(history.mayResend(5, 1000, 40), true);
    assert.equal(history.mayResend(5, 1001, 40), false, 'a repeated NACK within the interval');
    assert.equal(history.mayResend(5, 1039.9, 40), false);
    assert.equal(history.mayResend(6, 1001, 40), true, 'each packet has its own clock');
    assert.equal(history.mayResend(5, 1040, 40), true, 'once the interval has passed');
    assert.equal(history.mayResend(7, 1000, 40), false, 'never sent');
    sent(history, 5 + 16);
    assert.equal(history.mayResend(5, 2000, 40), false, 'overwritten by a newer packet');
    assert.equal(history.mayResend(21, 2000, 40), true, 'the new packet starts afresh');
  });

  it('bounds resends under a NACK flood: 61 NACKs of 29 packets each, 1 ms apart, resend each packet twice at most', () => {
    const history = new SentHistory(1024, false);
    for (let seq = 0; seq < 29; seq++) sent(history, seq);
    let resends = 0;
    for (let nack = 0; nack < 61; nack++) for (let seq = 0; seq < 29; seq++) if (history.mayResend(seq, 1000 + nack, 40)) resends++;
    assert.equal(resends, 29 * 2);
  });
});
