import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetransmissionBuffer } from './retransmission-buffer.js';

const packet = (seq: number, length = 20) => {
  const buf = Buffer.alloc(length, seq & 0xff);
  buf.writeUInt16BE(seq & 0xffff, 2);
  return buf;
};

test('stores copies and returns them by seq', () => {
  const rb = new RetransmissionBuffer(8);
  const original = packet(10);
  rb.store(10, original);
  original.fill(0); // the caller reuses its buffer
  assert.deepEqual(rb.get(10), packet(10));
  assert.equal(rb.has(10), true);
  assert.equal(rb.get(11), undefined);
  assert.equal(rb.has(11), false);
});

test('keeps only the last N packets', () => {
  const rb = new RetransmissionBuffer(8);
  for (let seq = 0; seq < 20; seq++) rb.store(seq, packet(seq));
  for (let seq = 0; seq < 12; seq++) assert.equal(rb.get(seq), undefined, `seq ${seq} was overwritten`);
  for (let seq = 12; seq < 20; seq++) assert.deepEqual(rb.get(seq), packet(seq));
});

test('works across the 16-bit wrap', () => {
  const rb = new RetransmissionBuffer(4);
  for (const seq of [65534, 65535, 0, 1]) rb.store(seq, packet(seq));
  for (const seq of [65534, 65535, 0, 1]) assert.deepEqual(rb.get(seq), packet(seq));
  assert.equal(rb.get(2), undefined);
  assert.deepEqual(rb.get(65536 + 1), packet(1), 'seq given unmasked');
});

test('a slot grows for a packet longer than its memory and keeps exact lengths', () => {
  const rb = new RetransmissionBuffer(2);
  rb.store(0, packet(0, 1800));
  assert.equal(rb.get(0)!.length, 1800);
  rb.store(2, packet(2, 30));
  assert.deepEqual(rb.get(2), packet(2, 30));
});

test('capacity must be a power of two up to 32768', () => {
  for (const bad of [0, 3, 500, 65536, 1.5]) assert.throws(() => new RetransmissionBuffer(bad), RangeError);
  assert.doesNotThrow(() => new RetransmissionBuffer(32768));
});
