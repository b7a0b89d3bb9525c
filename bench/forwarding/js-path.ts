// bench/forwarding/js-path: the JavaScript of forwarding alone — a Publication with N views on transports
// whose send does nothing, fed a VP8 stream (5 packets of 1150 bytes per frame, a keyframe every 60
// frames; with --simulcast two rid layers as Chromium sends them, views on the high one). No native
// call, no network: what the per-packet work in Publication / Subscription / media/rtp costs, in ns per
// packet and view. Numbers move with the machine's load: compare runs made back to back.
//   node --import tsx bench/forwarding/js-path.ts [--n 100] [--packets 20000] [--simulcast] [--rounds 5]
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { sdpFixture } from '../../tests/fixtures/sdp.js';
import { Downlink } from '../../packages/server/src/media/Downlink.js';
import type { MediaEngine, SubscriberTransport, TrackTransport, TransportListener } from '../../packages/server/src/media/MediaEngine.js';
import { MediaStats } from '../../packages/server/src/media/MediaStats.js';
import { Publication } from '../../packages/server/src/media/Publication.js';
import { mungePublisherOffer } from '../../packages/server/src/media/sdp.js';
import type { Member } from '../../packages/server/src/rooms/Member.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100' },
    packets: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    simulcast: { type: 'boolean', default: false },
  },
});
const N = Number(values.n),
  PACKETS = Number(values.packets),
  ROUNDS = Number(values.rounds);
const SIMULCAST = values.simulcast!;

/** Sends nothing: the native call is what send-path.ts measures. */
class NullTransport implements TrackTransport {
  readonly mid = '0';
  readonly open = true;
  send(): boolean {
    return true;
  }
  setListener(_listener: TransportListener): void {}
  close(): void {}
}

/** A viewer's receive connection whose slots are NullTransports. */
function nullDownlink(viewer: Member): Downlink {
  const connection: SubscriberTransport = {
    id: 'c',
    addSlot: () => new NullTransport(),
    createOffer: () => Promise.resolve(''),
    setAnswer: () => {},
    onState: () => {},
    close: () => {},
  };
  const engine = { createSubscriberTransport: () => connection } as unknown as MediaEngine;
  return new Downlink({ id: 'c', member: viewer, engine, answerTimeoutMs: 3_600_000, logger }, () => {});
}

const offer = SIMULCAST
  ? mungePublisherOffer(sdpFixture('chromium-simulcast-offer'), 'video', ['VP8'])!
  : mungePublisherOffer(sdpFixture('wrtc-camera-offer'), 'video', ['VP8'])!;
const ridId = offer.extIds.rid;
if (SIMULCAST && ridId === undefined) throw new Error('the simulcast fixture has no rid extension');
const logger = pino({ level: 'silent' });
const publication = new Publication({
  id: 'p',
  member: { identifier: 'publisher' } as Member,
  source: 'camera',
  offer,
  transport: new NullTransport(),
  stats: new MediaStats(),
  logger,
  connectTimeoutMs: 3_600_000,
});
publication.onState('connected');
const viewStats = new MediaStats();
for (let i = 0; i < N; i++) {
  const viewer = { identifier: `viewer${i}`, owner: { send() {} } } as unknown as Member;
  publication
    .subscribe({
      id: `v${i}`,
      size: 'big',
      downlink: nullDownlink(viewer),
      cname: `viewer${i}`,
      stats: viewStats,
      dropRate: 0,
      connectTimeoutMs: 3_600_000,
      logger,
    })
    .onState('connected');
}

/** Packet `k` of the stream: one layer (SSRC 0x1234), or with simulcast layers l and h alternating frames' packets. */
function packet(k: number): Buffer {
  const layer = SIMULCAST ? k & 1 : 1;
  const seq = SIMULCAST ? k >> 1 : k;
  const frame = Math.floor(seq / 5);
  const first = seq % 5 === 0;
  const ext = SIMULCAST ? Buffer.from([0xbe, 0xde, 0, 1, (ridId! << 4) | 0, layer ? 0x68 : 0x6c, 0, 0]) : Buffer.alloc(0); // rid "h" / "l"
  const buf = Buffer.alloc(1150);
  buf[0] = SIMULCAST ? 0x90 : 0x80;
  buf[1] = (seq % 5 === 4 ? 0x80 : 0) | offer.codec.pt;
  buf.writeUInt16BE(seq & 0xffff, 2);
  buf.writeUInt32BE((frame * 3000) >>> 0, 4);
  buf.writeUInt32BE(0x1234 + layer, 8);
  ext.copy(buf, 12);
  const at = 12 + ext.length;
  // VP8 descriptor: X, S on a frame's first packet; I with a 15-bit PictureID; L with TL0PICIDX
  buf[at] = 0x80 | (first ? 0x10 : 0);
  buf[at + 1] = 0xc0;
  buf.writeUInt16BE(0x8000 | (frame & 0x7fff), at + 2);
  buf[at + 4] = frame & 0xff;
  buf[at + 5] = first && frame % 60 === 0 ? 0x00 : 0x01; // P bit clear: keyframe
  return buf;
}

// Packets are made up front (every view rewrites the buffer in place, so each is used once per round).
const stream = Array.from({ length: PACKETS }, (_, k) => packet(k));
const pristine = stream.map((b) => Buffer.from(b));
const results: number[] = [];
let next = 0;
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < PACKETS; k++) pristine[k]!.copy(stream[k]!);
  // Later rounds continue the sequence numbers (a wrap would look like a restart): shift them by a round's worth.
  for (let k = 0; k < PACKETS; k++) stream[k]!.writeUInt16BE((stream[k]!.readUInt16BE(2) + next) & 0xffff, 2);
  next += SIMULCAST ? PACKETS >> 1 : PACKETS;
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < PACKETS; k++) publication.onPacket(stream[k]!);
  const ns = Number(process.hrtime.bigint() - t0);
  results.push(ns / PACKETS / N);
}
publication.close('bench over');
const sorted = [...results].sort((a, b) => a - b);
console.log(
  `js-path ${SIMULCAST ? 'simulcast' : 'single-layer'} VP8, N=${N}, ${PACKETS} packets × ${ROUNDS} rounds: ` +
    `ns per packet and view: median ${sorted[sorted.length >> 1]!.toFixed(1)}, min ${sorted[0]!.toFixed(1)} (rounds: ${results.map((r) => r.toFixed(1)).join(' ')});` +
    ` ${((100 * viewStats.rtpForwarded) / (PACKETS * ROUNDS * N)).toFixed(1)} % of packet × view pairs forwarded`,
);
