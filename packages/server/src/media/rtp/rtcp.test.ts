import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRtcp, type ReportBlock } from './rtcp.js';
import { buildFir, buildNack, buildPli, buildReceiverReport, buildRemb, buildSenderReport } from './rtcp-builders.js';

const SENDER = [0x00, 0x00, 0x00, 0x01];
const MEDIA = [0x11, 0x22, 0x33, 0x44];

const block: ReportBlock = {
  ssrc: 0xaabbccdd,
  fractionLost: 0x10,
  packetsLost: -1,
  highestSeq: 0x00010005,
  jitter: 0x20,
  lastSr: 0x7e808000,
  delaySinceLastSr: 0x00010000,
};
const blockBytes = [
  0xaa, 0xbb, 0xcc, 0xdd, 0x10, 0xff, 0xff, 0xff, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00, 0x20, 0x7e, 0x80, 0x80, 0x00, 0x00, 0x01, 0x00, 0x00,
];
const srBytes = [
  0x81,
  200,
  0x00,
  0x0c,
  ...MEDIA,
  0x83,
  0xaa,
  0x7e,
  0x80,
  0x80,
  0x00,
  0x00,
  0x00, // NTP
  0x00,
  0x00,
  0x10,
  0x00,
  0x00,
  0x00,
  0x00,
  0x0a,
  0x00,
  0x00,
  0x03,
  0xe8, // rtp ts, packets, octets
  ...blockBytes,
];
const sdesBytes = [0x81, 202, 0x00, 0x02, ...MEDIA, 0x01, 0x00, 0x00, 0x00]; // CNAME empty
const pliBytes = [0x81, 206, 0x00, 0x02, ...SENDER, ...MEDIA];

test('parses SR with report blocks; builds the same bytes', () => {
  const [sr] = parseRtcp(Buffer.from(srBytes));
  const expected = {
    type: 'sr',
    ssrc: 0x11223344,
    ntp: 0x83aa7e8080000000n,
    rtpTimestamp: 0x1000,
    packetCount: 10,
    octetCount: 1000,
    reports: [block],
  };
  assert.deepEqual(sr, expected);
  const { type: _, ...init } = expected;
  assert.deepEqual([...buildSenderReport(init)], srBytes);
});

test('SR without report blocks', () => {
  const buf = buildSenderReport({ ssrc: 1, ntp: 1n << 32n, rtpTimestamp: 2, packetCount: 3, octetCount: 4 });
  assert.deepEqual([...buf], [0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4]);
});

test('RR round trip with exact bytes', () => {
  const rr = buildReceiverReport(0x11223344, [block]);
  assert.deepEqual([...rr], [0x81, 201, 0x00, 0x07, ...MEDIA, ...blockBytes]);
  assert.deepEqual(parseRtcp(rr), [{ type: 'rr', ssrc: 0x11223344, reports: [block] }]);
  assert.deepEqual([...buildReceiverReport(5)], [0x80, 201, 0, 1, 0, 0, 0, 5]);
});

test('compound SR + SDES + PLI: SDES is skipped', () => {
  const items = parseRtcp(Buffer.from([...srBytes, ...sdesBytes, ...pliBytes]));
  assert.deepEqual(
    items.map((i) => i.type),
    ['sr', 'pli'],
  );
  assert.deepEqual(items[1], { type: 'pli', senderSsrc: 1, mediaSsrc: 0x11223344 });
  assert.deepEqual([...buildPli(1, 0x11223344)], pliBytes);
});

test('NACK expands PID/BLP, including across the wrap', () => {
  const buf = Buffer.from([0x81, 205, 0x00, 0x04, ...SENDER, ...MEDIA, 0x00, 0x64, 0x00, 0x05, 0xff, 0xff, 0x80, 0x01]);
  assert.deepEqual(parseRtcp(buf), [
    {
      type: 'nack',
      senderSsrc: 1,
      mediaSsrc: 0x11223344,
      seqs: [100, 101, 103, 65535, 0, 15],
    },
  ]);
});

test('buildNack packs wrap-aware into PID/BLP pairs', () => {
  const buf = buildNack(1, 0x11223344, [65534, 0, 65535, 1, 20, 0]);
  assert.deepEqual([...buf], [0x81, 205, 0x00, 0x04, ...SENDER, ...MEDIA, 0xff, 0xfe, 0x00, 0x07, 0x00, 0x14, 0x00, 0x00]);
  const seqs = [5, 6, 21, 22, 23, 40];
  const [nack] = parseRtcp(buildNack(1, 2, seqs));
  assert.deepEqual(nack, { type: 'nack', senderSsrc: 1, mediaSsrc: 2, seqs });
  assert.equal(buildNack(1, 2, seqs).length, 12 + 3 * 4, '5..21 in one pair, 22..23 next, 40 alone');
});

test('buildNack: BLP reaches exactly 16 past the PID', () => {
  assert.deepEqual([...buildNack(1, 2, [10, 26]).subarray(12)], [0x00, 0x0a, 0x80, 0x00]);
  assert.deepEqual([...buildNack(1, 2, [10, 27]).subarray(12)], [0x00, 0x0a, 0x00, 0x00, 0x00, 0x1b, 0x00, 0x00]);
});

test('FIR round trip with exact bytes', () => {
  const buf = buildFir(1, [{ ssrc: 0x11223344, seqNr: 7 }]);
  assert.deepEqual([...buf], [0x84, 206, 0x00, 0x04, ...SENDER, 0, 0, 0, 0, ...MEDIA, 0x07, 0, 0, 0]);
  assert.deepEqual(parseRtcp(buf), [{ type: 'fir', senderSsrc: 1, entries: [{ ssrc: 0x11223344, seqNr: 7 }] }]);
  assert.equal(buildFir(1, [{ ssrc: 1, seqNr: 256 }])[16], 0, 'seqNr wraps at 8 bits');
});

test('REMB encodes exponent/mantissa with exact bytes and rounds down', () => {
  const bytes = [0x8f, 206, 0x00, 0x05, ...SENDER, 0, 0, 0, 0, 0x52, 0x45, 0x4d, 0x42, 0x01, 0x0e, 0xdc, 0x6c, ...MEDIA];
  assert.deepEqual([...buildRemb(1, 1_500_000, [0x11223344])], bytes);
  assert.deepEqual([...buildRemb(1, 1_500_007, [0x11223344])], bytes);
  assert.deepEqual(parseRtcp(Buffer.from(bytes)), [{ type: 'remb', senderSsrc: 1, bitrate: 1_500_000, ssrcs: [0x11223344] }]);
  const [small] = parseRtcp(buildRemb(1, 30_000, []));
  assert.deepEqual(small, { type: 'remb', senderSsrc: 1, bitrate: 30_000, ssrcs: [] });
  const [huge] = parseRtcp(buildRemb(1, 2 ** 40, [1, 2]));
  assert.deepEqual(huge, { type: 'remb', senderSsrc: 1, bitrate: 2 ** 40, ssrcs: [1, 2] });
});

test('BYE and transport-cc', () => {
  const tcc = [0x8f, 205, 0x00, 0x04, ...SENDER, ...MEDIA, 0x00, 0x01, 0x00, 0x02, 0x12, 0x34, 0x56, 0x01];
  const items = parseRtcp(Buffer.from([0x81, 203, 0x00, 0x01, ...MEDIA, ...tcc]));
  assert.equal(items.length, 2);
  assert.deepEqual(items[0], { type: 'bye', ssrcs: [0x11223344] });
  const cc = items[1]!;
  assert.ok(cc.type === 'transport-cc');
  assert.equal(cc.mediaSsrc, 0x11223344);
  assert.deepEqual([...cc.raw], tcc);
});

test('padding is excluded from the body', () => {
  // RR with P bit: header says 3 words + 4 padding bytes whose last byte is 4.
  const items = parseRtcp(Buffer.from([0xa0, 201, 0x00, 0x02, ...MEDIA, 0, 0, 0, 4, ...pliBytes]));
  assert.deepEqual(items, [
    { type: 'rr', ssrc: 0x11223344, reports: [] },
    { type: 'pli', senderSsrc: 1, mediaSsrc: 0x11223344 },
  ]);
});

test('truncated or damaged input returns what parsed before the damage', () => {
  const compound = Buffer.from([...srBytes, ...pliBytes]);
  assert.deepEqual(
    parseRtcp(compound.subarray(0, compound.length - 1)).map((i) => i.type),
    ['sr'],
  );
  assert.deepEqual(parseRtcp(compound.subarray(0, 30)), []);
  const badVersion = Buffer.from([...pliBytes, ...srBytes]);
  badVersion[pliBytes.length] = 0x41;
  assert.deepEqual(
    parseRtcp(badVersion).map((i) => i.type),
    ['pli'],
  );
  // SR claiming 2 report blocks but carrying 1: keeps the one.
  const shortSr = Buffer.from(srBytes);
  shortSr[0] = 0x82;
  assert.equal((parseRtcp(shortSr)[0] as { reports: unknown[] }).reports.length, 1);
  // REMB claiming 3 SSRCs but carrying 1.
  const remb = buildRemb(1, 100_000, [9]);
  remb[16] = 3;
  assert.deepEqual(parseRtcp(remb), [{ type: 'remb', senderSsrc: 1, bitrate: 100_000, ssrcs: [9] }]);
  // A feedback packet too short for its sender/media SSRCs is skipped, later ones still parse.
  assert.deepEqual(
    parseRtcp(Buffer.from([0x81, 206, 0, 1, ...SENDER, ...pliBytes])).map((i) => i.type),
    ['pli'],
  );
  assert.deepEqual(parseRtcp(Buffer.alloc(0)), []);
});

test('never throws on garbage', () => {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const valid = Buffer.from([...srBytes, ...sdesBytes, ...pliBytes]);
  for (let i = 0; i < 5000; i++) {
    const buf = Buffer.from(valid.subarray(0, Math.floor(random() * valid.length)));
    for (let j = 0; j < 3; j++) buf[Math.floor(random() * buf.length)] = Math.floor(random() * 256);
    const noise = Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)));
    noise[0] = 0x80 | (noise[0] ?? 0);
    assert.doesNotThrow(() => parseRtcp(buf));
    assert.doesNotThrow(() => parseRtcp(noise));
  }
});

test('more than 31 report blocks are split over several RR packets of one compound, in order', () => {
  const blocks = (n: number) => Array.from({ length: n }, (_, i) => ({ ...block, ssrc: i + 1, highestSeq: 1000 + i }));
  for (const [n, counts] of [
    [0, [0]],
    [31, [31]],
    [32, [31, 1]],
    [62, [31, 31]],
    [70, [31, 31, 8]],
  ] as const) {
    const compound = buildReceiverReport(0x5eed, blocks(n));
    const items = parseRtcp(compound);
    assert.deepEqual(
      items.map((i) => (i.type === 'rr' ? [i.ssrc, i.reports.length] : i.type)),
      counts.map((c) => [0x5eed, c]),
      `${n} blocks`,
    );
    assert.deepEqual(
      items.flatMap((i) => (i.type === 'rr' ? i.reports : [])),
      blocks(n),
      `${n} blocks, in order`,
    );
    assert.equal(compound.length, counts.length * 8 + n * 24);
    for (let at = 0, k = 0; at < compound.length; k++) {
      assert.equal(compound[at]! & 0x1f, counts[k], 'each packet counts its own blocks');
      at += (compound.readUInt16BE(at + 2) + 1) * 4;
    }
  }
});

test('an SR with more than 31 report blocks continues in an RR of the same SSRC', () => {
  const reports = Array.from({ length: 40 }, (_, i) => ({ ...block, ssrc: i + 1 }));
  const items = parseRtcp(buildSenderReport({ ssrc: 9, ntp: 1n << 32n, rtpTimestamp: 2, packetCount: 3, octetCount: 4, reports }));
  assert.deepEqual(
    items.map((i) => [i.type, 'reports' in i ? i.reports.length : -1]),
    [
      ['sr', 31],
      ['rr', 9],
    ],
  );
  assert.ok(items[1]?.type === 'rr' && items[1].ssrc === 9);
  assert.deepEqual(
    items.flatMap((i) => ('reports' in i ? i.reports : [])),
    reports,
  );
});
