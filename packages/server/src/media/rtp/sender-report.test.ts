import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SenderReportGenerator, msToNtp, ntpToMs } from './sender-report.js';
import { parseRtcp, type SenderReport } from './rtcp.js';

/** The SR in a built packet. */
function srOf(buf: Buffer): SenderReport {
  const [item] = parseRtcp(buf);
  assert.ok(item?.type === 'sr');
  return item;
}

test('msToNtp: exact 32.32 values', () => {
  assert.equal(msToNtp(0), 0x83aa7e80_00000000n);
  assert.equal(msToNtp(500), 0x83aa7e80_80000000n);
  assert.equal(msToNtp(1250), 0x83aa7e81_40000000n);
  assert.equal(msToNtp(1_700_000_000_000), BigInt(1_700_000_000 + 2_208_988_800) << 32n);
});

test('ntpToMs inverts msToNtp to well under a millisecond', () => {
  for (const ms of [0, 1, 999.5, 1_700_000_000_123, 1_700_000_000_123.25]) {
    assert.ok(Math.abs(ntpToMs(msToNtp(ms)) - ms) < 0.001, `${ms}`);
  }
  assert.equal(ntpToMs(0x83aa7e80_80000000n), 500);
});

test('builds an SR with translated RTP time and counts (exact bytes)', () => {
  const gen = new SenderReportGenerator(0x01020304, 90000);
  gen.onPacketSent(1000);
  gen.onPacketSent(200);
  gen.onPacketSent(0);
  const source = { ntp: msToNtp(1_700_000_000_000), rtpTimestamp: 1000, receivedAtMs: 5000 };
  // 1 s after the publisher's SR arrived: +90000 ticks, then +500 into the output space.
  const sr = gen.build(source, 500, 6000);
  const ntpSeconds = 1_700_000_001 + 2_208_988_800;
  assert.deepEqual(
    [...sr],
    [
      0x80,
      200,
      0x00,
      0x06,
      0x01,
      0x02,
      0x03,
      0x04,
      (ntpSeconds >>> 24) & 0xff,
      (ntpSeconds >>> 16) & 0xff,
      (ntpSeconds >>> 8) & 0xff,
      ntpSeconds & 0xff,
      0,
      0,
      0,
      0,
      0x00,
      0x01,
      0x65,
      0x6c, // 1000 + 90000 + 500 = 91500
      0,
      0,
      0,
      3,
      0,
      0,
      0x04,
      0xb0,
    ],
  );
  assert.deepEqual(srOf(sr), {
    type: 'sr',
    ssrc: 0x01020304,
    ntp: msToNtp(1_700_000_001_000),
    rtpTimestamp: 91500,
    packetCount: 3,
    octetCount: 1200,
    reports: [],
  });
});

test('RTP time wraps at 32 bits, and elapsed time can be fractional', () => {
  const gen = new SenderReportGenerator(1, 48000);
  const source = { ntp: msToNtp(0), rtpTimestamp: 0xffffff00, receivedAtMs: 0 };
  const sr = srOf(gen.build(source, 0x200, 20.5));
  assert.equal(sr.rtpTimestamp, (0xffffff00 + 984 + 0x200) % 2 ** 32);
  assert.ok(Math.abs(ntpToMs(sr.ntp) - 20.5) < 0.001);
});

test('audio and video SRs of one publisher keep their relative timing', () => {
  // Publisher: audio ts 48000 and video ts 90000 both at NTP 10 s; the SRs arrive at different times.
  const audio = { ntp: msToNtp(10_000), rtpTimestamp: 48_000, receivedAtMs: 100 };
  const video = { ntp: msToNtp(10_000), rtpTimestamp: 90_000, receivedAtMs: 130 };
  const a = srOf(new SenderReportGenerator(1, 48000).build(audio, 7, 1100));
  const v = srOf(new SenderReportGenerator(2, 90000).build(video, 11, 1100));
  // Map each back to the publisher's media time at NTP 10 s; both must give the same instant.
  const audioAt10s = a.rtpTimestamp - 7 - (ntpToMs(a.ntp) - 10_000) * 48;
  const videoAt10s = v.rtpTimestamp - 11 - (ntpToMs(v.ntp) - 10_000) * 90;
  assert.ok(Math.abs(audioAt10s - 48_000) <= 1);
  assert.ok(Math.abs(videoAt10s - 90_000) <= 1);
});

test('report blocks are carried', () => {
  const block = { ssrc: 9, fractionLost: 1, packetsLost: 2, highestSeq: 3, jitter: 4, lastSr: 5, delaySinceLastSr: 6 };
  const sr = new SenderReportGenerator(1, 90000).build({ ntp: 0n, rtpTimestamp: 0, receivedAtMs: 0 }, 0, 0, [block]);
  assert.deepEqual(srOf(sr).reports, [block]);
});
