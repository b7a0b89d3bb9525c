import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReceptionStats } from './reception-stats.js';

/** Packets of a 90 kHz stream at 30 fps, one per frame, arriving exactly on time from `startMs`. */
function feed(stats: ReceptionStats, seqs: number[], startMs = 0, ts0 = 1000): void {
  for (const seq of seqs) {
    const i = seq - seqs[0]!;
    stats.onPacket(seq & 0xffff, (ts0 + i * 3000) >>> 0, startMs + (i * 100) / 3);
  }
}

describe('ReceptionStats', () => {
  it('has no block before the first packet', () => {
    assert.equal(new ReceptionStats(7, 90000).report(0, undefined), undefined);
  });

  it('counts loss per interval and cumulatively; highest seq keeps its wrap cycles', () => {
    const stats = new ReceptionStats(7, 90000);
    const first = Array.from({ length: 100 }, (_, i) => 65500 + i).filter((s) => s % 10 !== 3); // 10 lost, wraps at 65536
    feed(stats, first);
    const a = stats.report(4000, undefined)!;
    assert.equal(a.ssrc, 7);
    assert.equal(a.packetsLost, 10);
    assert.equal(a.fractionLost, Math.floor((10 * 256) / 100));
    assert.equal(a.highestSeq, 0x10000 + ((65500 + 99) & 0xffff), 'one wrap: cycle count 1');
    // Next interval: 50 in a row, nothing lost; cumulative stays 10.
    const next = Array.from({ length: 50 }, (_, i) => 65600 + i);
    for (const seq of next) stats.onPacket(seq & 0xffff, 0, 0);
    const b = stats.report(5000, undefined)!;
    assert.equal(b.fractionLost, 0);
    assert.equal(b.packetsLost, 10);
  });

  it('duplicates make the cumulative count negative, never the fraction', () => {
    const stats = new ReceptionStats(1, 48000);
    for (const seq of [10, 11, 11, 12, 12]) stats.onPacket(seq, 0, 0);
    const r = stats.report(0, undefined)!;
    assert.equal(r.packetsLost, -2);
    assert.equal(r.fractionLost, 0);
  });

  it('jitter: zero on a perfectly paced stream, ~|d|/16 steps when one packet is late, across a timestamp wrap', () => {
    const steady = new ReceptionStats(1, 90000);
    feed(
      steady,
      Array.from({ length: 30 }, (_, i) => i),
      0,
      0xffffffff - 30000,
    ); // RTP timestamps wrap mid-way
    assert.equal(steady.report(1000, undefined)!.jitter, 0);

    const late = new ReceptionStats(1, 90000);
    late.onPacket(1, 0, 0);
    late.onPacket(2, 3000, 100 / 3 + 10); // 10 ms late = 900 timestamp units
    assert.equal(late.report(100, undefined)!.jitter, Math.floor(900 / 16));
  });

  it('LSR is the middle 32 bits of the last SR, DLSR the time since it in 1/65536 s', () => {
    const stats = new ReceptionStats(1, 90000);
    stats.onPacket(1, 0, 0);
    const ntp = (0x12345678n << 32n) | 0x9abcdef0n;
    const r = stats.report(1500, { ntp, rtpTimestamp: 0, receivedAtMs: 1000 })!;
    assert.equal(r.lastSr, 0x56789abc);
    assert.equal(r.delaySinceLastSr, 32768);
  });
});
