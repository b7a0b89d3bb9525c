// bench/forwarding: SFU forwarding capacity — one @roamhq/wrtc VP8 publisher (640x360, 30 fps, ~1.5 Mbps),
// N receive-only node-datachannel subscribers spread over worker processes; server CPU per forwarded packet.
// Not a timed test: it prints a table (Hudong, then Janus with --vs janus, then the ratios).
//
// Run as root from the repo root, after `npm run build`, inside a private network namespace whose only
// addresses are loopback-range (libwebrtc and Janus gather no candidates on loopback interfaces outside it):
//   ../shared/tools/netns-run node --import tsx bench/forwarding/run.ts --n 1,10,50,100,200 --seconds 15 --warmup 35 --vs janus
// Flags: --n LIST  --seconds S (measure window)  --warmup S (publisher ramp before the first step of each SFU)
//        --settle S (after adding subscribers, later steps)  --workers K  --vs janus  --only janus|hudong
//        --kf S (keyframe request period: Janus fir_freq, and a PLI from one Hudong subscriber; 0 = none)
//        --janus-twcc (keep transport-cc toward the Janus publisher; default off = REMB only, as Hudong)
//        --server-config JSON (Hudong server options on top of the bench's, e.g. '{"iceUdpMux":false}')
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { cpuMeter, threadCpuMeter } from '../lib/cpu.js';
import { Child } from '../lib/child.js';
import { footprint, type Footprint } from '../lib/footprint.js';
import { formatBlock, formatFootprint, formatRatios, formatThreads, type Row } from './table.js';
import { startHudong } from './hudong.js';
import { startJanus, JANUS_URL } from './janus.js';
import type { PublisherStats } from './publisher.js';
import { elapsedLog, requireNamespace, sleepSeconds } from '../lib/namespace.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1,10,50,100,200' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '35' },
    settle: { type: 'string', default: '8' },
    // Two, not more: libdatachannel hands every received packet between its threads, and on this 2-core
    // machine four worker processes cost 49 µs of CPU per received packet against 27 µs for one (measured
    // at N=100) — with four, N=200 saturated the machine and a fifth of the subscribers never joined.
    workers: { type: 'string', default: '2' },
    vs: { type: 'string' },
    only: { type: 'string' },
    kf: { type: 'string', default: '10' },
    'janus-twcc': { type: 'boolean', default: false },
    'server-config': { type: 'string', default: '{}' },
  },
});
const NS = values
  .n!.split(',')
  .map(Number)
  .filter((x) => x > 0)
  .sort((a, b) => a - b);
const SECONDS = Number(values.seconds),
  WARMUP = Number(values.warmup),
  SETTLE = Number(values.settle);
const WORKERS = Number(values.workers),
  KF = Number(values.kf);
const SERVER_CONFIG = JSON.parse(values['server-config']!) as Record<string, unknown>;
const targets = (values.only ? [values.only] : ['hudong', ...(values.vs === 'janus' ? ['janus'] : [])]) as ('hudong' | 'janus')[];

const log = elapsedLog();
const sleep = sleepSeconds;

requireNamespace('bench/forwarding/run.ts');

interface SubSnap {
  ended?: string;
  state?: string;
  received: number;
  bytes: number;
  keyframes: number;
  mediaReceived: number;
  mediaSpan: number;
}
/** One worker's counts, the worker's clock when it read them, and how late its answer came. */
interface WorkerSnap {
  at: number;
  lagMs: number;
  subs: SubSnap[];
}
function snapshot(workers: Child[]): Promise<WorkerSnap[]> {
  return Promise.all(
    workers.map(async (w) => {
      const asked = Date.now();
      const reply = await w.call<{ at: number; subs: SubSnap[] }>({ cmd: 'snapshot' }, 'snapshot');
      return { at: reply.at, lagMs: reply.at - asked, subs: reply.subs };
    }),
  );
}

/**
 * Rates over each worker's own interval between its two snapshots (a worker busy with a backlog
 * answers late, so the runner's clock would misdate its counts); CPU is the server's over the window.
 */
function row(n: number, a: WorkerSnap[], b: WorkerSnap[], cpuFraction: number, held: Footprint): Row {
  const zero: SubSnap = { received: 0, bytes: 0, keyframes: 0, mediaReceived: 0, mediaSpan: 0 };
  let pktsPerSec = 0,
    bitsPerSec = 0,
    span = 0,
    lost = 0,
    receiving = 0;
  b.forEach((w1, k) => {
    const w0 = a[k]!;
    const seconds = (w1.at - w0.at) / 1000;
    w1.subs.forEach((s1, i) => {
      const s0 = w0.subs[i] ?? zero;
      const d = s1.received - s0.received;
      pktsPerSec += d / seconds;
      bitsPerSec += ((s1.bytes - s0.bytes) * 8) / seconds;
      if (d > 0) receiving++;
      const ds = s1.mediaSpan - s0.mediaSpan;
      span += ds;
      lost += Math.max(0, ds - (s1.mediaReceived - s0.mediaReceived));
    });
  });
  const first = (s: WorkerSnap[]) => s[0]?.subs[0]?.keyframes ?? 0;
  return {
    n,
    receiving,
    cpuPct: cpuFraction * 100,
    pktsPerSec,
    usPerPkt: (cpuFraction * 1e6) / pktsPerSec,
    pktsPerCore: pktsPerSec / cpuFraction,
    lossPct: span ? (100 * lost) / span : NaN,
    kbpsPerSub: receiving ? bitsPerSec / 1000 / receiving : 0,
    keyframes: first(b) - first(a),
    ...held,
  };
}

/** Hudong's own count of RTP packets handed to subscriber transports (Janus has no such counter here). */
async function forwardedByServer(wsUrl: string): Promise<number> {
  const text = await (await fetch(wsUrl.replace(/^ws/, 'http').replace(/\/ws$/, '/metrics'))).text();
  return Number(/^hudong_rtp_forwarded_total (\S+)$/m.exec(text)?.[1] ?? NaN);
}

const results: Partial<Record<'hudong' | 'janus', Row[]>> = {};
const lagWarnings: string[] = [];
const failures: string[] = [];

async function runTarget(target: 'hudong' | 'janus', pub: Child, workers: Child[]): Promise<Row[]> {
  const rows: Row[] = [];
  const hudong =
    target === 'hudong'
      ? await startHudong(
          (rec) =>
            (Number(rec.level) >= 40 || /^publication (ended|failed)/.test(String(rec.msg))) && log('hudong:', JSON.stringify(rec).slice(0, 400)),
          SERVER_CONFIG,
        )
      : undefined;
  const server = hudong ?? (await startJanus(KF, values['janus-twcc']));
  const pid = server.pid!;
  log(`${target} started, pid ${pid}`);
  try {
    const url = hudong?.wsUrl ?? JANUS_URL;
    const publisher = `bench-pub-${target}`;
    const conn = await pub.call<{ feedId?: number }>({ cmd: 'connect', target, url, identifier: publisher }, 'connected', 60);
    const connectedAt = Date.now();
    log(`publisher connected to ${target}${conn.feedId ? ` (feed ${conn.feedId})` : ''}`);
    let have = 0;
    for (const n of NS) {
      const names = Array.from({ length: n - have }, (_, i) => `bench-sub-${target}-${have + i}`);
      const added = await Promise.all(
        workers.map((w, k) => {
          const mine = names.filter((_, i) => i % workers.length === k);
          return w.call<{ ok: number; errors: string[] }>(
            { cmd: 'add', target, url, publisher, feedId: conn.feedId, names: mine },
            'added',
            120 + 2 * mine.length,
          );
        }),
      );
      const errors = added.flatMap((a) => a.errors);
      have += added.reduce((s, a) => s + a.ok, 0);
      if (errors.length) log(`${errors.length} subscribers failed, e.g. ${errors[0]}`);
      if (have === 0) throw new Error(`no subscriber could join: ${errors[0]}`);
      if (target === 'hudong') workers[0]!.proc.send({ cmd: 'pli', seconds: KF });
      const ramp = WARMUP - (Date.now() - connectedAt) / 1000;
      const wait = Math.max(SETTLE, ramp);
      log(`${target} N=${n}: ${have} subscribers; settling ${wait.toFixed(0)} s`);
      await sleep(wait);
      // Every source is read at once at both ends of the window, each rate over its own clock.
      const serverCount = async () => ({ at: Date.now(), count: target === 'hudong' ? await forwardedByServer(url) : NaN });
      const [p0, f0, a] = await Promise.all([pub.call<PublisherStats>({ cmd: 'stats' }, 'stats'), serverCount(), snapshot(workers)]);
      const meter = cpuMeter(pid);
      const threadMeter = hudong ? threadCpuMeter(pid) : undefined;
      const wMeters = workers.map((w) => cpuMeter(w.proc.pid!)),
        pMeter = cpuMeter(pub.proc.pid!);
      await sleep(SECONDS);
      const cpu = meter();
      const threads = threadMeter?.();
      const subsCpu = wMeters.reduce((t, m) => t + m().fraction, 0),
        pubCpu = pMeter().fraction;
      const [p1, f1, b] = await Promise.all([pub.call<PublisherStats>({ cmd: 'stats' }, 'stats'), serverCount(), snapshot(workers)]);
      const r = { ...row(have, a, b, cpu.fraction, footprint(pid)), ...(threads ? { threads } : {}) };
      const subs = b.flatMap((w) => w.subs);
      const tally = (f: (s: SubSnap) => string) =>
        Object.entries(subs.reduce<Record<string, number>>((t, s) => ((t[f(s)] = (t[f(s)] ?? 0) + 1), t), {}))
          .map(([k, v]) => `${k}:${v}`)
          .join(' ');
      if (r.receiving < have)
        log(
          `${have - r.receiving} subscribers received nothing; transports ${tally((s) => s.state ?? '?')}; ended by server ${tally((s) => s.ended || 'no')}`,
        );
      const lagMs = Math.max(...[...a, ...b].map((w) => w.lagMs));
      if (lagMs > 1000) {
        const warning = `${target} N=${have}: a subscriber worker answered ${(lagMs / 1000).toFixed(1)} s late — the workers were saturated, receive counts may trail what was forwarded`;
        log(warning);
        lagWarnings.push(warning);
      }
      rows.push(r);
      const pubSeconds = (p1.at - p0.at) / 1000;
      // NaN for a counter the publisher did not report (no outbound video stream yet)
      const pubDelta = (k: 'bytesSent' | 'packetsSent' | 'keyFramesEncoded' | 'nackCount' | 'retransmitted') => (p1[k] ?? NaN) - (p0[k] ?? NaN);
      const pubKbps = (pubDelta('bytesSent') * 8) / 1000 / pubSeconds;
      const pubPps = pubDelta('packetsSent') / pubSeconds;
      const forwarded = (f1.count - f0.count) / ((f1.at - f0.at) / 1000);
      const serverCounted = Number.isFinite(forwarded) ? ` (server counted ${forwarded.toFixed(0)} sent)` : '';
      log(
        `${target} N=${have}: cpu ${r.cpuPct.toFixed(1)}%, ${r.pktsPerSec.toFixed(0)} pkts/s received${serverCounted}, ${r.usPerPkt.toFixed(1)} µs/pkt, loss ${r.lossPct.toFixed(2)}%;` +
          ` publisher ${pubKbps.toFixed(0)} kbps ${pubPps.toFixed(0)} pkts/s ${p1.frameWidth}x${p1.frameHeight} kf+${pubDelta('keyFramesEncoded')} nack+${pubDelta('nackCount')} rtx+${pubDelta('retransmitted')} limit=${p1.limitation};` +
          ` CPU: subscriber workers ${(subsCpu * 100).toFixed(0)}%, publisher ${(pubCpu * 100).toFixed(0)}% (of ${cpus().length} cores)` +
          (threads
            ? `; server threads ${Object.entries(threads.byThread)
                .filter(([, f]) => f >= 0.005)
                .map(([name, f]) => `${name} ${(f * 100).toFixed(1)}%`)
                .join(', ')}, ${threads.switchesPerSec.toFixed(0)} switches/s`
            : ''),
      );
    }
  } catch (e) {
    // keep the steps already measured; report the one that failed
    failures.push(`${target} after ${rows.length} step(s): ${(e as Error).message}`);
    log(`${target} failed: ${(e as Error).message}`);
  } finally {
    await Promise.all(workers.map((w) => w.call({ cmd: 'closeAll' }, 'closed', 60).catch(() => {})));
    await pub.call({ cmd: 'disconnect' }, 'disconnected', 30).catch(() => {});
    await server.stop();
    log(`${target} stopped`);
  }
  return rows;
}

const pub = new Child(new URL('./publisher.ts', import.meta.url), 'publisher', [], log);
const workers = Array.from(
  { length: WORKERS },
  (_, k) => new Child(new URL('./subscriber-worker.ts', import.meta.url), `worker${k}`, [String(k)], log),
);
await Promise.all([pub.next('ready', 60), ...workers.map((w) => w.next('ready', 60))]);
for (const target of targets) {
  try {
    const rows = await runTarget(target, pub, workers);
    if (rows.length) results[target] = rows;
  } catch (e) {
    failures.push(`${target}: ${(e as Error).message}`);
    log(`${target} failed: ${(e as Error).message}`);
  }
}
pub.proc.send({ cmd: 'stop' });
workers.forEach((w) => w.proc.kill());

const out: string[] = [
  `Forwarding, one 640x360 VP8 publisher; measure ${SECONDS} s per step; keyframe request every ${KF || '–'} s; Hudong options ${JSON.stringify(SERVER_CONFIG)}`,
];
if (results.hudong)
  out.push(formatBlock('Hudong', results.hudong), formatFootprint('Hudong', results.hudong), formatThreads('Hudong', results.hudong));
if (results.janus) out.push(formatBlock('Janus 1.1.2 (VideoRoom)', results.janus));
if (results.hudong && results.janus) out.push(formatRatios(results.hudong, results.janus));
for (const w of lagWarnings) out.push(`WARNING ${w}`);
for (const f of failures) out.push(`FAILED ${f}`);
console.log('\n' + out.join('\n\n'));
process.exit(failures.length && !Object.keys(results).length ? 1 : 0);
