// bench/forwarding/send-path: what node-datachannel costs per forwarded packet, without an SFU around it.
// N send-only video tracks in this process (as the server's views), each on its own PeerConnection and
// connected to a receive-only node-datachannel peer in a subscriber worker. A synthetic stream of
// --size-byte RTP packets (--rate packets/s, in bursts of --burst like a video frame's packets) is
// rewritten per track (SSRC, seq) and sent with Track.sendMessageBinary, as Subscription.forward does.
// Prints this process's CPU per send, by thread, with its context switches and what the receivers got.
//
// Run as root from the repo root, inside the namespace (see run.ts):
//   ../shared/tools/netns-run node --import tsx bench/forwarding/send-path.ts --n 1,10,50,100 --variants socket,mux,pacing,crossing
// Variants: socket   one UDP socket per PeerConnection (libjuice poll mode, the server's default before iceUdpMux)
//           mux      RtcConfig.enableIceUdpMux: every PeerConnection on one socket (libjuice mux mode)
//           pacing   a PacingHandler on each track: libdatachannel queues the packet and a thread-pool
//                    thread encrypts and sends it (the only way 0.33.4 offers to take the send off the caller)
//           crossing Track.isOpen() instead of the send: the N-API call alone, nothing encrypted or sent
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import ndc from 'node-datachannel';
import type { PeerConnection, Track } from 'node-datachannel';
import { cpuMeter, threadCpuMeter } from '../lib/cpu.js';
import { markdownTable } from '../lib/table.js';
import { Child } from '../lib/child.js';
import { elapsedLog, requireNamespace, sleepSeconds } from '../lib/namespace.js';

const VARIANTS = ['socket', 'mux', 'pacing', 'crossing'] as const;
type Variant = (typeof VARIANTS)[number];

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1,10,50,100' },
    variants: { type: 'string', default: VARIANTS.join(',') },
    rate: { type: 'string', default: '160' },
    burst: { type: 'string', default: '5' },
    size: { type: 'string', default: '1150' },
    seconds: { type: 'string', default: '10' },
    settle: { type: 'string', default: '3' },
  },
});
const NS = values
  .n!.split(',')
  .map(Number)
  .filter((n) => n > 0)
  .sort((a, b) => a - b);
const variants = values.variants!.split(',') as Variant[];
for (const v of variants) if (!VARIANTS.includes(v)) throw new Error(`unknown variant ${v} (${VARIANTS.join(', ')})`);
const RATE = Number(values.rate),
  BURST = Number(values.burst),
  SIZE = Number(values.size),
  SECONDS = Number(values.seconds),
  SETTLE = Number(values.settle);

const log = elapsedLog();
const sleep = sleepSeconds;

requireNamespace('bench/forwarding/send-path.ts');
ndc.initLogger('Error', (level, msg) => console.error(`ndc ${level}: ${msg}`));

interface Leg {
  pc: PeerConnection;
  track: Track;
  ssrc: number;
}

/** One send-only leg, offered here and answered by the worker; resolves once its track is open. */
async function openLeg(worker: Child, variant: Variant, k: number): Promise<Leg> {
  const pc = new ndc.PeerConnection(`send-${variant}-${k}`, { iceServers: [], enableIceUdpMux: variant === 'mux' });
  const ssrc = 0x10000 + k;
  const video = new ndc.Video('0', 'SendOnly');
  video.addVP8Codec(96);
  video.addSSRC(ssrc, 'bench', 'bench', 'bench-video');
  const track = pc.addTrack(video);
  if (variant === 'pacing') track.setMediaHandler(new ndc.PacingHandler(1e9, 1)); // never the limit: a queue, not a pacer
  const opened = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`leg ${k} did not open in 20 s`)), 20_000);
    track.onOpen(() => (clearTimeout(timer), resolve()));
  });
  const gathered = new Promise<void>((resolve) => pc.onGatheringStateChange((s) => s === 'complete' && resolve()));
  pc.setLocalDescription();
  await gathered;
  const { answer } = await worker.call<{ answer: string }>(
    { cmd: 'answer', name: `recv-${variant}-${k}`, offer: pc.localDescription()!.sdp },
    'answered',
    30,
  );
  pc.setRemoteDescription(answer, 'answer');
  await opened;
  return { pc, track, ssrc };
}

/** The packets received by the worker's peers so far. */
async function received(worker: Child): Promise<number> {
  const snap = await worker.call<{ subs: { received: number }[] }>({ cmd: 'snapshot' }, 'snapshot');
  return snap.subs.reduce((t, s) => t + s.received, 0);
}

interface Step {
  variant: Variant;
  n: number;
  sendsPerSec: number;
  cpuPct: number;
  usPerSend: number;
  mainUsPerSend: number;
  /** Wall time inside the send loop (JS and the synchronous native work under it), per send. */
  loopUsPerSend: number;
  otherThreads: string;
  switchesPerSend: number;
  deliveredPct: number;
}

/** The stream's sequence number, continued across steps: SRTP refuses to send a seq again (replay). */
let seq = 0;

/** Sends the synthetic stream to every leg until stopped; `busyMs` is the time spent inside the loop. */
function startStream(legs: Leg[], variant: Variant): { stop(): void; sends(): number; busyMs(): number } {
  const packet = Buffer.alloc(SIZE);
  packet[0] = 0x80;
  packet[1] = 96;
  let sends = 0,
    busy = 0;
  const timer = setInterval(
    () => {
      const start = performance.now();
      for (let b = 0; b < BURST; b++) {
        seq = (seq + 1) & 0xffff;
        packet[1] = b === BURST - 1 ? 0x80 | 96 : 96; // marker on a frame's last packet
        packet.writeUInt16BE(seq, 2);
        packet.writeUInt32BE(seq * 3000, 4);
        for (const leg of legs) {
          packet.writeUInt32BE(leg.ssrc, 8);
          if (variant === 'crossing') leg.track.isOpen();
          else leg.track.sendMessageBinary(packet);
          sends++;
        }
      }
      busy += performance.now() - start;
    },
    (1000 * BURST) / RATE,
  );
  return { stop: () => clearInterval(timer), sends: () => sends, busyMs: () => busy };
}

async function runVariant(variant: Variant, worker: Child): Promise<Step[]> {
  const steps: Step[] = [];
  const legs: Leg[] = [];
  try {
    for (const n of NS) {
      while (legs.length < n) legs.push(await openLeg(worker, variant, legs.length));
      const stream = startStream(legs, variant);
      await sleep(SETTLE);
      const [r0, s0, b0] = [await received(worker), stream.sends(), stream.busyMs()];
      const cpu = cpuMeter(process.pid);
      const threads = threadCpuMeter(process.pid);
      await sleep(SECONDS);
      const c = cpu();
      const th = threads();
      const [s1, b1] = [stream.sends(), stream.busyMs()];
      stream.stop();
      await sleep(0.5); // the last packets in flight
      const r1 = await received(worker);
      const sent = s1 - s0;
      const sendsPerSec = sent / c.wallSec;
      const other = Object.entries(th.byThread)
        .filter(([name, f]) => name !== 'main' && f >= 0.005)
        .map(([name, f]) => `${name} ${(f * 100).toFixed(1)}`)
        .join(', ');
      const step: Step = {
        variant,
        n,
        sendsPerSec,
        cpuPct: c.fraction * 100,
        usPerSend: (c.fraction * 1e6) / sendsPerSec,
        mainUsPerSend: ((th.byThread.main ?? 0) * 1e6) / sendsPerSec,
        loopUsPerSend: ((b1 - b0) * 1000) / sent,
        otherThreads: other || '–',
        switchesPerSend: th.switchesPerSec / sendsPerSec,
        deliveredPct: variant === 'crossing' ? NaN : (100 * (r1 - r0)) / sent,
      };
      log(
        `${variant} N=${n}: ${sendsPerSec.toFixed(0)} sends/s, CPU ${step.cpuPct.toFixed(1)}%, ${step.usPerSend.toFixed(2)} µs/send` +
          ` (main ${step.mainUsPerSend.toFixed(2)}, loop ${step.loopUsPerSend.toFixed(2)}), other threads ${other || '–'},` +
          ` ${step.switchesPerSend.toFixed(3)} switches/send, delivered ${step.deliveredPct.toFixed(1)}%`,
      );
      steps.push(step);
    }
  } finally {
    for (const leg of legs) leg.pc.close();
    await worker.call({ cmd: 'closeAll' }, 'closed', 60);
  }
  return steps;
}

const worker = new Child(new URL('./subscriber-worker.ts', import.meta.url), 'receivers', ['9'], log);
await worker.next('ready', 60);
const rows: Step[] = [];
for (const variant of variants) rows.push(...(await runVariant(variant, worker)));
worker.proc.kill();
ndc.cleanup();

const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '–');
console.log(
  '\n' +
    markdownTable(
      `### Send path: ${SIZE}-byte packets, ${RATE} packets/s in bursts of ${BURST}, sent to N tracks; sender CPU (${cpus().length} cores)`,
      [
        'variant',
        'N',
        'sends/s',
        'CPU %',
        'µs CPU/send',
        'main thread µs/send',
        'send loop µs/send',
        'other threads %',
        'switches/send',
        'delivered %',
      ],
      rows.map((r) => [
        r.variant,
        String(r.n),
        f(r.sendsPerSec, 0),
        f(r.cpuPct, 1),
        f(r.usPerSend),
        f(r.mainUsPerSend),
        f(r.loopUsPerSend),
        r.otherThreads,
        f(r.switchesPerSend, 3),
        f(r.deliveredPct, 1),
      ]),
    ),
);
process.exit(0);
