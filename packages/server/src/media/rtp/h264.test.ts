import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKeyframe } from './h264.js';

test('single NAL units: IDR and SPS start a keyframe, others do not', () => {
  assert.equal(isKeyframe(Buffer.from([0x65, 0x88, 0x84])), true, 'IDR');
  assert.equal(isKeyframe(Buffer.from([0x67, 0x42, 0xe0, 0x1f])), true, 'SPS');
  assert.equal(isKeyframe(Buffer.from([0x68, 0xce])), false, 'PPS');
  assert.equal(isKeyframe(Buffer.from([0x41, 0x9a])), false, 'non-IDR slice');
  assert.equal(isKeyframe(Buffer.from([0x06, 0x05])), false, 'SEI');
  assert.equal(isKeyframe(Buffer.alloc(0)), false);
});

test('STAP-A: any aggregated SPS or IDR counts', () => {
  const sps = [0x67, 0x42, 0xe0, 0x1f];
  const pps = [0x68, 0xce, 0x3c, 0x80];
  assert.equal(isKeyframe(Buffer.from([0x78, 0x00, 0x04, ...sps, 0x00, 0x04, ...pps])), true);
  assert.equal(isKeyframe(Buffer.from([0x78, 0x00, 0x04, ...pps, 0x00, 0x02, 0x65, 0x88])), true, 'IDR second');
  assert.equal(isKeyframe(Buffer.from([0x78, 0x00, 0x04, ...pps, 0x00, 0x02, 0x41, 0x9a])), false);
  assert.equal(isKeyframe(Buffer.from([0x78, 0x00, 0x09, ...sps])), false, 'size past the end');
  assert.equal(isKeyframe(Buffer.from([0x78, 0x00])), false, 'truncated');
});

test('FU-A: only the first fragment of an IDR or SPS', () => {
  assert.equal(isKeyframe(Buffer.from([0x7c, 0x85, 0xb8])), true, 'start of IDR');
  assert.equal(isKeyframe(Buffer.from([0x7c, 0x05, 0xb8])), false, 'middle of IDR');
  assert.equal(isKeyframe(Buffer.from([0x7c, 0x45, 0xb8])), false, 'end of IDR');
  assert.equal(isKeyframe(Buffer.from([0x7c, 0x81, 0x9a])), false, 'start of non-IDR slice');
  assert.equal(isKeyframe(Buffer.from([0x7c])), false, 'truncated');
});
