import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpPacket, isRtcp } from './rtp-packet.js';

/** V=2 X=1 CC=1, M=1 PT=96, one-byte extensions: id 1 = [0x55], id 3 = [1,2,3], payload [1,2,3]. */
const oneByte = () => Buffer.from([
  0x91, 0xe0, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x11, 0x22, 0x33, 0x44,
  0xaa, 0xbb, 0xcc, 0xdd, // CSRC
  0xbe, 0xde, 0x00, 0x02, // profile, 2 words
  0x10, 0x55, 0x00, 0x32, 0x01, 0x02, 0x03, 0x00, // id1 len1, pad, id3 len3, pad
  0x01, 0x02, 0x03,
]);

/** V=2 P=1 X=1 CC=0, M=0 PT=111, two-byte extensions: id 5 = [], id 7 = 'abc', payload [9,8], 3 bytes padding. */
const twoByte = () => Buffer.from([
  0xb0, 0x6f, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
  0x10, 0x00, 0x00, 0x02,
  0x05, 0x00, 0x07, 0x03, 0x61, 0x62, 0x63, 0x00,
  0x09, 0x08,
  0x00, 0x00, 0x03,
]);

test('reads the fixed header, CSRC count and payload bounds', () => {
  const p = RtpPacket.from(oneByte())!;
  assert.ok(p);
  assert.equal(p.marker, true);
  assert.equal(p.payloadType, 96);
  assert.equal(p.sequenceNumber, 0x1234);
  assert.equal(p.timestamp, 0xdeadbeef);
  assert.equal(p.ssrc, 0x11223344);
  assert.equal(p.csrcCount, 1);
  assert.equal(p.extensionProfile, 0xbede);
  assert.equal(p.payloadOffset, 28);
  assert.equal(p.payloadLength, 3);
  assert.equal(p.paddingLength, 0);
  assert.deepEqual([...p.payload], [1, 2, 3]);
});

test('finds one-byte header extensions by id, skipping padding', () => {
  const p = RtpPacket.from(oneByte())!;
  assert.deepEqual([...p.getExtension(1)!], [0x55]);
  assert.deepEqual([...p.getExtension(3)!], [1, 2, 3]);
  assert.equal(p.getExtension(2), undefined);
});

test('one-byte id 15 stops the search', () => {
  const buf = oneByte();
  buf[20] = 0xf0; // id 15 where id 1 was
  assert.equal(RtpPacket.from(buf)!.getExtension(3), undefined);
});

test('finds two-byte header extensions, including empty ones, and strips padding', () => {
  const p = RtpPacket.from(twoByte())!;
  assert.equal(p.marker, false);
  assert.equal(p.payloadType, 111);
  assert.equal(p.sequenceNumber, 0xffff);
  assert.deepEqual([...p.getExtension(5)!], []);
  assert.equal(p.getExtension(7)!.toString('ascii'), 'abc');
  assert.equal(p.getExtension(1), undefined);
  assert.equal(p.paddingLength, 3);
  assert.deepEqual([...p.payload], [9, 8]);
});

test('a packet without extension has payload right after the header', () => {
  const p = RtpPacket.from(Buffer.from([0x80, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xab]))!;
  assert.equal(p.extensionProfile, undefined);
  assert.equal(p.getExtension(1), undefined);
  assert.equal(p.payloadOffset, 12);
  assert.equal(p.payloadLength, 1);
});

test('setters write in place and payloadType keeps the marker bit', () => {
  const buf = oneByte();
  const p = RtpPacket.from(buf)!;
  p.payloadType = 100;
  p.sequenceNumber = 0x10001; // wraps to 1
  p.timestamp = 2 ** 32 + 5; // wraps to 5
  p.ssrc = 0xcafebabe;
  assert.deepEqual([...buf.subarray(0, 12)], [0x91, 0xe4, 0x00, 0x01, 0, 0, 0, 5, 0xca, 0xfe, 0xba, 0xbe]);
  assert.equal(p.marker, true);
  assert.equal(p.payloadType, 100);
  const noMarker = RtpPacket.from(twoByte())!;
  noMarker.payloadType = 0xff;
  assert.equal(noMarker.buffer[1], 0x7f);
});

test('rejects malformed packets', () => {
  assert.equal(RtpPacket.from(Buffer.alloc(11, 0x80)), undefined, 'short');
  const v1 = oneByte();
  v1[0] = 0x51;
  assert.equal(RtpPacket.from(v1), undefined, 'version 1');
  assert.equal(RtpPacket.from(oneByte().subarray(0, 26)), undefined, 'extension past the end');
  assert.equal(RtpPacket.from(oneByte().subarray(0, 14)), undefined, 'CSRC past the end');
  const badPad = twoByte();
  badPad[badPad.length - 1] = 200;
  assert.equal(RtpPacket.from(badPad), undefined, 'padding longer than payload');
  badPad[badPad.length - 1] = 0;
  assert.equal(RtpPacket.from(badPad), undefined, 'zero padding count');
});

test('isRtcp demultiplexes by packet type 192–223', () => {
  assert.equal(isRtcp(Buffer.from([0x80, 200, 0, 6])), true);
  assert.equal(isRtcp(Buffer.from([0x81, 205, 0, 3])), true);
  assert.equal(isRtcp(Buffer.from([0x80, 223])), true);
  assert.equal(isRtcp(Buffer.from([0x80, 224])), false);
  assert.equal(isRtcp(Buffer.from([0x80, 191])), false);
  assert.equal(isRtcp(oneByte()), false); // marker + PT 96 = 0xe0 = 224
  assert.equal(isRtcp(Buffer.from([0x80])), false);
});
