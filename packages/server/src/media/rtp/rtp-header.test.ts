import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpHeader, isRtcp, rewriteRtpHeader } from './rtp-header.js';

/** V=2 X=1 CC=1, M=1 PT=96, one-byte extensions: id 1 = [0x55], id 3 = [1,2,3], payload [1,2,3]. */
const oneByte = () =>
  Buffer.from([
    0x91,
    0xe0,
    0x12,
    0x34,
    0xde,
    0xad,
    0xbe,
    0xef,
    0x11,
    0x22,
    0x33,
    0x44,
    0xaa,
    0xbb,
    0xcc,
    0xdd, // CSRC
    0xbe,
    0xde,
    0x00,
    0x02, // profile, 2 words
    0x10,
    0x55,
    0x00,
    0x32,
    0x01,
    0x02,
    0x03,
    0x00, // id1 len1, pad, id3 len3, pad
    0x01,
    0x02,
    0x03,
  ]);

/** V=2 P=1 X=1 CC=0, M=0 PT=111, two-byte extensions: id 5 = [], id 7 = 'abc', payload [9,8], 3 bytes padding. */
const twoByte = () =>
  Buffer.from([
    0xb0, 0x6f, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x10, 0x00, 0x00, 0x02, 0x05, 0x00, 0x07, 0x03, 0x61, 0x62, 0x63, 0x00,
    0x09, 0x08, 0x00, 0x00, 0x03,
  ]);

/** A plain header (no CSRC, no extension) followed by `rest`. */
const plain = (first: number, ...rest: number[]) => Buffer.from([first, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, ...rest]);

test('reads the fixed header, CSRC count and payload bounds', () => {
  const p = RtpHeader.from(oneByte())!;
  assert.ok(p);
  assert.equal(p.marker, true);
  assert.equal(p.payloadType, 96);
  assert.equal(p.seq, 0x1234);
  assert.equal(p.timestamp, 0xdeadbeef);
  assert.equal(p.ssrc, 0x11223344);
  assert.equal(p.csrcCount, 1);
  assert.equal(p.extensionProfile, 0xbede);
  assert.equal(p.payloadOffset, 28);
  assert.equal(p.payloadLength, 3);
  assert.equal(p.paddingLength, 0);
  assert.deepEqual([...p.payload], [1, 2, 3]);
});

test('several CSRCs move the payload by 4 bytes each', () => {
  const p = RtpHeader.from(plain(0x83, ...new Array(12).fill(0xcc), 0xab, 0xcd))!;
  assert.equal(p.csrcCount, 3);
  assert.equal(p.payloadOffset, 24);
  assert.deepEqual([...p.payload], [0xab, 0xcd]);
});

test('finds one-byte header extensions by id, skipping padding', () => {
  const p = RtpHeader.from(oneByte())!;
  assert.deepEqual([...p.extension(1)!], [0x55]);
  assert.deepEqual([...p.extension(3)!], [1, 2, 3]);
  assert.equal(p.extension(2), undefined);
});

test('one-byte id 15 stops the search', () => {
  const buf = oneByte();
  buf[20] = 0xf0; // id 15 where id 1 was
  assert.equal(RtpHeader.from(buf)!.extension(3), undefined);
});

test('an element longer than the extension block is not returned', () => {
  const buf = oneByte();
  buf[23] = 0x3f; // id 3 claims 16 bytes; the block has 4 left
  assert.equal(RtpHeader.from(buf)!.extension(3), undefined);
  assert.deepEqual([...RtpHeader.from(buf)!.extension(1)!], [0x55], 'elements before it are still found');
});

test('finds two-byte header extensions, including empty ones, and strips padding', () => {
  const p = RtpHeader.from(twoByte())!;
  assert.equal(p.marker, false);
  assert.equal(p.payloadType, 111);
  assert.equal(p.seq, 0xffff);
  assert.equal(p.extensionProfile, 0x1000);
  assert.deepEqual([...p.extension(5)!], []);
  assert.equal(p.extension(7)!.toString('ascii'), 'abc');
  assert.equal(p.extension(1), undefined);
  assert.equal(p.paddingLength, 3);
  assert.equal(p.payloadLength, 2);
  assert.deepEqual([...p.payload], [9, 8]);
});

test('two-byte profile with app bits set is still the two-byte form; other profiles have no ids', () => {
  const buf = twoByte();
  buf[13] = 0x0a; // 0x100A
  assert.equal(RtpHeader.from(buf)!.extension(7)!.toString('ascii'), 'abc');
  buf[12] = 0x20; // 0x200A: not RFC 8285
  const p = RtpHeader.from(buf)!;
  assert.equal(p.extensionProfile, 0x200a);
  assert.equal(p.extension(7), undefined);
  assert.equal(p.payloadOffset, 24, 'an unknown extension is still skipped');
});

test('a padding-only packet (bandwidth probe) has an empty payload', () => {
  const p = RtpHeader.from(plain(0xa0, 0, 0, 0, 4))!;
  assert.equal(p.payloadOffset, 12);
  assert.equal(p.payloadLength, 0);
  assert.equal(p.paddingLength, 4);
});

test('a packet without extension has its payload right after the header', () => {
  const p = RtpHeader.from(plain(0x80, 0xab))!;
  assert.equal(p.extensionProfile, -1);
  assert.equal(p.extension(1), undefined);
  assert.equal(p.payloadOffset, 12);
  assert.equal(p.payloadLength, 1);
});

test('one view is reused: parse overwrites every field', () => {
  const view = new RtpHeader();
  assert.equal(view.parse(twoByte()), true);
  const buf = oneByte();
  assert.equal(view.parse(buf), true);
  assert.equal(view.buffer, buf);
  assert.deepEqual(
    [view.marker, view.payloadType, view.seq, view.ssrc, view.paddingLength, view.payloadLength],
    [true, 96, 0x1234, 0x11223344, 0, 3],
  );
  assert.deepEqual([...view.extension(1)!], [0x55], 'extensions are looked up in the new packet');
  assert.equal(view.parse(plain(0x80)), true);
  assert.equal(view.extension(1), undefined, 'no extension left over from the previous packet');
  assert.equal(view.payloadLength, 0);
});

test('rejects malformed and truncated packets', () => {
  const view = new RtpHeader();
  assert.equal(view.parse(Buffer.alloc(11, 0x80)), false, 'shorter than the fixed header');
  const v1 = oneByte();
  v1[0] = 0x51;
  assert.equal(view.parse(v1), false, 'version 1');
  assert.equal(view.parse(oneByte().subarray(0, 14)), false, 'CSRC past the end');
  assert.equal(view.parse(oneByte().subarray(0, 18)), false, 'extension header past the end');
  assert.equal(view.parse(oneByte().subarray(0, 26)), false, 'extension body past the end');
  const badPad = twoByte();
  badPad[badPad.length - 1] = 200;
  assert.equal(view.parse(badPad), false, 'padding longer than the payload');
  badPad[badPad.length - 1] = 0;
  assert.equal(view.parse(badPad), false, 'zero padding count');
  assert.equal(view.parse(oneByte().subarray(0, 28)), true, 'a header with an empty payload is fine');
});

test('rewriteRtpHeader writes PT, seq, timestamp and SSRC in place and keeps the marker bit', () => {
  const buf = oneByte();
  rewriteRtpHeader(buf, 100, 0x10001, 2 ** 32 + 5, 0xcafebabe);
  assert.deepEqual([...buf.subarray(0, 12)], [0x91, 0xe4, 0x00, 0x01, 0, 0, 0, 5, 0xca, 0xfe, 0xba, 0xbe]);
  assert.deepEqual([...buf.subarray(12)], [...oneByte().subarray(12)], 'CSRCs, extensions and payload untouched');
  const noMarker = twoByte();
  rewriteRtpHeader(noMarker, 0xff, 0, 0, 0);
  assert.equal(noMarker[1], 0x7f);
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
