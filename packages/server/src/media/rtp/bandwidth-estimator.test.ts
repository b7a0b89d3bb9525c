import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BandwidthEstimator } from './bandwidth-estimator.js';

/**
 * Feeds `packetsPerSecond` packets of `size` bytes from `fromMs` to `toMs` (exclusive) on one SSRC,
 * skipping the seqs for which `lose(seq)` is true; returns the next seq.
 */
function feed(
  e: BandwidthEstimator,
  o: { fromMs: number; toMs: number; seq: number; pps?: number; size?: number; lose?: (seq: number) => boolean; ssrc?: number },
): number {
  const { pps = 160, size = 1200, ssrc = 1 } = o;
  let seq = o.seq;
  for (let t = o.fromMs; t < o.toMs; t += 1000 / pps, seq = (seq + 1) & 0xffff) {
    if (!o.lose?.(seq)) e.onPacket(ssrc, seq, size, t);
  }
  return seq;
}

const near = (actual: number, expected: number, tolerance = 0.01) =>
  assert.ok(Math.abs(actual - expected) <= expected * tolerance, `${actual} not within ${tolerance * 100}% of ${expected}`);

test('starts at the start bitrate and reports it at once', () => {
  const e = new BandwidthEstimator();
  assert.equal(e.estimate, 1_500_000);
  assert.equal(e.rembDue(0), 1_500_000);
  assert.equal(e.rembDue(100), undefined);
  assert.equal(e.rembDue(250), 1_500_000);
});

test('grows about 8 %/s without loss', () => {
  const e = new BandwidthEstimator({ maxBitrate: 10_000_000 });
  feed(e, { fromMs: 0, toMs: 2001, seq: 0 }); // ~1.54 Mbit/s incoming
  near(e.estimate, 1_500_000 * 1.08 ** 2);
});

test('does not grow far above what arrives', () => {
  const e = new BandwidthEstimator({ maxBitrate: 10_000_000 });
  feed(e, { fromMs: 0, toMs: 5001, seq: 0, pps: 20, size: 500 }); // 80 kbit/s
  assert.equal(e.estimate, 1_500_000, 'held, not lowered');
});

test('holds between 2 and 10 % loss', () => {
  const e = new BandwidthEstimator();
  feed(e, { fromMs: 0, toMs: 2001, seq: 0, lose: (s) => s % 20 === 0 }); // 5 %
  assert.equal(e.estimate, 1_500_000);
});

test('cuts by half the loss above 10 %, and reports a big drop at once', () => {
  const e = new BandwidthEstimator();
  assert.equal(e.rembDue(0), 1_500_000);
  // 40 packets in 250 ms, every third lost: 13 of 40 = 32.5 %.
  feed(e, { fromMs: 0, toMs: 250, seq: 0, lose: (s) => s % 3 === 1 });
  e.onPacket(1, 40, 1200, 250); // closes the window
  near(e.estimate, 1_500_000 * (1 - (0.5 * 13) / 40), 0.0001);
  assert.equal(e.rembDue(251), Math.round(e.estimate), 'a drop over 10 % does not wait');
});

test('a small drop waits for the regular REMB', () => {
  const e = new BandwidthEstimator();
  e.rembDue(0);
  // 40 packets, every eighth lost: 5 of 40 = 12.5 % → cut 6.25 %.
  feed(e, { fromMs: 0, toMs: 250, seq: 0, lose: (s) => s % 8 === 1 });
  e.onPacket(1, 40, 1200, 250);
  near(e.estimate, 1_500_000 * (1 - 0.0625), 0.0001);
  assert.equal(e.rembDue(200 + 1), undefined);
  assert.equal(e.rembDue(250), Math.round(e.estimate));
});

test('clamps to min and max', () => {
  const low = new BandwidthEstimator({ startBitrate: 120_000 });
  feed(low, { fromMs: 0, toMs: 3000, seq: 0, lose: (s) => s % 2 === 0 });
  assert.equal(low.estimate, 100_000);
  const high = new BandwidthEstimator({ startBitrate: 2_400_000 });
  feed(high, { fromMs: 0, toMs: 3000, seq: 0, size: 2000 });
  assert.equal(high.estimate, 2_500_000);
  assert.equal(new BandwidthEstimator({ startBitrate: 50 }).estimate, 100_000);
  assert.throws(() => new BandwidthEstimator({ minBitrate: 3_000_000 }), RangeError);
});

test('loss is counted per SSRC and across the seq wrap', () => {
  // Two interleaved streams of 1 Mbit/s each, both wrapping.
  const run = (e: BandwidthEstimator, lose: (seq: number) => boolean) => {
    for (let i = 0, t = 0; t <= 1000; i++, t += 10) {
      e.onPacket(1, (65500 + i) & 0xffff, 1250, t);
      if (!lose((65520 + i) & 0xffff)) e.onPacket(2, (65520 + i) & 0xffff, 1250, t);
    }
  };
  const clean = new BandwidthEstimator({ maxBitrate: 10_000_000 });
  run(clean, () => false);
  near(clean.estimate, 1_500_000 * 1.08, 0.02);
  const lossy = new BandwidthEstimator();
  run(lossy, (s) => s % 2 === 1); // stream 2 loses half: 25 % overall
  near(lossy.estimate, 1_500_000 * 0.875 ** 4, 0.02);
});

test('too few packets extend the window instead of judging on them', () => {
  const e = new BandwidthEstimator();
  e.onPacket(1, 0, 100, 0);
  e.onPacket(1, 5, 100, 300); // 4 of 6 lost, but only 6 expected
  e.onPacket(1, 6, 100, 600);
  assert.equal(e.estimate, 1_500_000);
});

test("a restart of a stream's sequence numbers is not loss", () => {
  const e = new BandwidthEstimator();
  feed(e, { fromMs: 0, toMs: 200, seq: 0 });
  feed(e, { fromMs: 200, toMs: 1001, seq: 20_000 });
  const steady = new BandwidthEstimator();
  feed(steady, { fromMs: 0, toMs: 1001, seq: 0 });
  assert.ok(steady.estimate > 1_500_000);
  near(e.estimate, steady.estimate, 0.03); // the restart window is extended for too few packets
});

test('a forgotten SSRC leaves no state: SSRC churn keeps the estimator bounded', () => {
  const e = new BandwidthEstimator();
  for (let ssrc = 1; ssrc <= 1000; ssrc++) {
    e.onPacket(ssrc, 1, 1200, ssrc);
    if (ssrc > 1) e.forget(ssrc - 1);
  }
  assert.equal(e.streamCount, 1);
});
