import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Vp8Rewriter, isKeyframe, parseVp8Descriptor } from './vp8.js';

/** X=1 S=1 PID=0; I L T K; 15-bit PictureID; TL0PICIDX; TID/Y/KEYIDX; then a VP8 payload header. */
const full = (pictureId = 0x123, tl0 = 5, vp8Header = 0x10) =>
  Buffer.from([0x90, 0xf0, 0x80 | (pictureId >> 8), pictureId & 0xff, tl0, 0x65, vp8Header, 0x02, 0x00]);
/** X=1 S=1, I and L only, 7-bit PictureID. */
const short = (pictureId: number, tl0: number) => Buffer.from([0x90, 0xc0, pictureId & 0x7f, tl0, 0x10]);

test('parses every descriptor field', () => {
  assert.deepEqual(parseVp8Descriptor(full()), {
    headerLength: 6,
    nonReference: false,
    startOfPartition: true,
    partitionIndex: 0,
    pictureId: 0x123,
    pictureIdBits: 15,
    pictureIdOffset: 2,
    tl0PicIdx: 5,
    tl0PicIdxOffset: 4,
    tid: 1,
    layerSync: true,
    keyIdx: 5,
  });
});

test('parses a 7-bit PictureID, K without T, and the minimal descriptor', () => {
  assert.deepEqual(parseVp8Descriptor(short(0x45, 9)), {
    headerLength: 4,
    nonReference: false,
    startOfPartition: true,
    partitionIndex: 0,
    pictureId: 0x45,
    pictureIdBits: 7,
    pictureIdOffset: 2,
    tl0PicIdx: 9,
    tl0PicIdxOffset: 3,
  });
  const kOnly = parseVp8Descriptor(Buffer.from([0xa3, 0x10, 0xe7, 0x00]))!;
  assert.equal(kOnly.nonReference, true);
  assert.equal(kOnly.partitionIndex, 3);
  assert.equal(kOnly.keyIdx, 7);
  assert.equal(kOnly.tid, undefined);
  assert.equal(kOnly.headerLength, 3);
  assert.deepEqual(parseVp8Descriptor(Buffer.from([0x10, 0x00])), {
    headerLength: 1,
    nonReference: false,
    startOfPartition: true,
    partitionIndex: 0,
  });
});

test('truncated descriptors are rejected', () => {
  const whole = full();
  for (let length = 0; length < 6; length++) {
    assert.equal(parseVp8Descriptor(whole.subarray(0, length)), undefined, `length ${length}`);
  }
});

test('isKeyframe needs S, partition 0 and a clear P bit', () => {
  assert.equal(isKeyframe(full()), true);
  assert.equal(isKeyframe(Buffer.from([0x10, 0x9c])), true);
  assert.equal(isKeyframe(full(0x123, 5, 0x11)), false, 'P bit set: interframe');
  assert.equal(isKeyframe(Buffer.from([0x00, 0x00])), false, 'not a partition start');
  assert.equal(isKeyframe(Buffer.from([0x11, 0x00])), false, 'partition 1');
  assert.equal(isKeyframe(full().subarray(0, 6)), false, 'no payload header');
  assert.equal(isKeyframe(Buffer.alloc(0)), false);
});

test('the first source passes unchanged; a switch continues PictureID and TL0PICIDX', () => {
  const r = new Vp8Rewriter();
  const a1 = full(100, 5);
  assert.equal(r.rewrite(1, a1), true);
  assert.deepEqual(a1, full(100, 5));
  r.rewrite(1, full(101, 6));
  r.rewrite(1, full(100, 5)); // late packet: must not lower the anchor
  const b1 = full(7000, 200);
  r.rewrite(2, b1);
  assert.deepEqual([...b1], [0x90, 0xf0, 0x80, 102, 7, 0x65, 0x10, 0x02, 0x00]);
  const b2 = full(7001, 200);
  r.rewrite(2, b2);
  assert.equal(parseVp8Descriptor(b2)?.pictureId, 103);
  assert.equal(parseVp8Descriptor(b2)?.tl0PicIdx, 7);
  const b3 = full(7002, 201);
  r.rewrite(2, b3);
  assert.equal(parseVp8Descriptor(b3)?.tl0PicIdx, 8);
});

test('PictureID wraps at 15 bits and TL0PICIDX at 8 bits', () => {
  const r = new Vp8Rewriter();
  r.rewrite(1, full(0x7fff, 255));
  const b = full(10, 3);
  r.rewrite(2, b);
  assert.equal(parseVp8Descriptor(b)?.pictureId, 0);
  assert.equal(parseVp8Descriptor(b)?.tl0PicIdx, 0);
});

test('a 7-bit source is written in 7 bits and continues across its wrap', () => {
  const r = new Vp8Rewriter();
  r.rewrite(1, full(500, 1));
  const out = [126, 127, 0, 1].map((id) => {
    const p = short(id, 1);
    r.rewrite(2, p);
    return p[2];
  });
  assert.deepEqual(out, [501 & 0x7f, 502 & 0x7f, 503 & 0x7f, 504 & 0x7f]);
  const back = full(9, 1); // switching back to a 15-bit source continues from 504
  r.rewrite(1, back);
  assert.equal(parseVp8Descriptor(back)?.pictureId, 505);
});

test('an unparseable payload is left alone', () => {
  const r = new Vp8Rewriter();
  const bad = Buffer.from([0x80]);
  assert.equal(r.rewrite(1, bad), false);
  assert.deepEqual([...bad], [0x80]);
});

test('rewrites a payload in place inside its RTP packet, given the payload bounds', () => {
  const header = Buffer.from([0x80, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]);
  const inPacket = new Vp8Rewriter();
  const alone = new Vp8Rewriter();
  for (const [ssrc, pictureId, tl0] of [
    [1, 100, 5],
    [2, 7000, 200],
    [2, 7001, 200],
  ] as const) {
    const packet = Buffer.concat([header, full(pictureId, tl0), Buffer.from([0xaa, 0xbb])]);
    const end = packet.length - 2; // as if the last two bytes were RTP padding
    assert.equal(inPacket.rewrite(ssrc, packet, header.length, end), true);
    const payload = full(pictureId, tl0);
    alone.rewrite(ssrc, payload);
    assert.deepEqual(packet.subarray(header.length, end), payload, 'the same bytes as rewriting the payload alone');
    assert.deepEqual(packet.subarray(0, header.length), header, 'the RTP header is not touched');
    assert.deepEqual([...packet.subarray(end)], [0xaa, 0xbb], 'nor what follows the payload');
  }
});

test('the payload bounds limit the descriptor: one cut by `end` is unparseable and left alone', () => {
  const packet = Buffer.concat([Buffer.alloc(12), full(100, 5)]);
  const before = Buffer.from(packet);
  assert.equal(new Vp8Rewriter().rewrite(1, packet, 12, 12 + 3), false, 'PictureID and TL0PICIDX announced, 3 bytes given');
  assert.deepEqual(packet, before);
});
