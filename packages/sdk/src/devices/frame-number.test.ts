import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFrameNumber, writeFrameNumber } from './frame-number.js';

function frame(width: number, height: number, fill = 60): Uint8Array {
  const f = new Uint8Array((width * height * 3) / 2);
  f.fill(fill, 0, width * height);
  f.fill(128, width * height);
  return f;
}

test('frame numbers round-trip through a synthetic I420 frame (bit 15 leftmost)', () => {
  const f = frame(640, 480);
  for (const n of [0, 1, 2, 255, 256, 0x8000, 0xabcd, 0xffff, 12345]) {
    writeFrameNumber(f, 640, n);
    assert.equal(readFrameNumber(f, 640), n);
  }
  writeFrameNumber(f, 640, 0x10001); // mod 2^16
  assert.equal(readFrameNumber(f, 640), 1);
});

test('the blocks are 16x16 px at luma 16 (0) and 235 (1), along the top 16 rows', () => {
  const f = frame(640, 480);
  writeFrameNumber(f, 640, 0x8001);
  assert.equal(f[0], 235); // bit 15, leftmost block
  assert.equal(f[15 * 640 + 15], 235);
  assert.equal(f[16], 16); // bit 14
  assert.equal(f[15 * 16 + 5], 235); // bit 0, the 16th block
  assert.equal(f[16 * 640], 60, 'row 16 is untouched');
  assert.equal(f[256], 60, 'nothing right of the 16 blocks');
});

test('reading survives lossy decoding: noise and blur within each block', () => {
  const f = frame(1280, 720);
  writeFrameNumber(f, 1280, 0x5a5a);
  let seed = 7;
  for (let i = 0; i < 1280 * 16; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    f[i] = Math.max(0, Math.min(255, f[i]! + ((seed % 61) - 30)));
  }
  assert.equal(readFrameNumber(f, 1280), 0x5a5a);
});
