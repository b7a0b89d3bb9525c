// bench/cluster: one room across three nodes on one Redis (issue 11). One @roamhq/wrtc VP8 publisher
// (~1.5 Mbps) on node 1; receive-only node-datachannel viewers on nodes 1, 2 and 3 (one worker process
// per node); per node: server CPU per forwarded packet, RTP received (on nodes 2 and 3: the relay legs,
// which must carry one stream each, not one per viewer), viewer loss, subscribe → first packet; and
// room.enter latency on the room's first node against the others. Prints tables.
// Everything shares this 2-core machine: the nodes, Redis, the publisher and the viewers; loopback
// hides the network between nodes (no latency, no loss, no bandwidth limit on a leg).
//   npm run bench:cluster -- [--viewers 10,30,50] [--seconds 15] [--warmup 20] [--joins 100]
import { parseArgs } from 'node:util';
import { cpuMeter } from '../lib/cpu.js';
import { Child } from '../lib/child.js';
import { elapsedLog, requireNamespace, sleepSeconds } from '../lib/namespace.js';
import { summarize } from '../lib/stats.js';
import { markdownTable } from '../lib/table.js';
import { RawClient } from '../../tests/helpers/raw-client.js';
import { RedisProcess } from '../../tests/helpers/redis.js';
import { ServerProcess } from '../../tests/helpers/server.js';
import { ROOM_ID } from '../forwarding/hudong.js';
import type { PublisherStats } from '../forwarding/publisher.js';

const { values } = parseArgs({
  options: {
    viewers: { type: 'string', default: '10,30,50' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '20' },
    joins: { type: 'string', default: '100' },
  },
});
const VIEWERS = values.viewers!.split(',').map(Number);
if (VIEWERS.length !== 3) throw new Error('--viewers takes three counts: nodes 1, 2, 3');
const log = elapsedLog();
requireNamespace('bench/cluster/run.ts');

interface SubSnap {
  received: number;
  mediaReceived: number;
  mediaSpan: number;
  firstPacketMs: number | null;
}

const redis = await new RedisProcess().start();
const nodes = await Promise.all(
  ['n1', 'n2', 'n3'].map((nodeId) =>
    new ServerProcess({ redisUrl: redis.url, nodeId, config: { ratePerSecond: 1000, rateBurst: 1000, clusterHeartbeatMs: 1000 } }).start(),
  ),
);
const metric = async (node: ServerProcess, name: string) =>
  Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${node.httpUrl}/metrics`)).text())?.[1] ?? NaN);
log(`redis ${redis.url}; nodes ${nodes.map((n) => n.port).join(', ')}`);

const pub = new Child(new URL('../forwarding/publisher.ts', import.meta.url), 'publisher');
await pub.next('ready');
await pub.call({ cmd: 'connect', target: 'hudong', url: nodes[0]!.wsUrl, identifier: 'pub' }, 'connected', 60);
const workers = nodes.map((_, k) => new Child(new URL('../forwarding/subscriber-worker.ts', import.meta.url), `viewers@n${k + 1}`, [String(k)], log));
await Promise.all(workers.map((w) => w.next('ready')));
log(`publisher on n1; viewers ${VIEWERS.join(' / ')} on n1 / n2 / n3`);
await Promise.all(
  workers.map(async (w, k) => {
    const names = Array.from({ length: VIEWERS[k]! }, (_, i) => `v${k + 1}-${i}`);
    const added = await w.call<{ ok: number; errors: string[] }>(
      { cmd: 'add', target: 'hudong', url: nodes[k]!.wsUrl, publisher: 'pub', feedId: 0, names },
      'added',
      600,
    );
    if (added.errors.length) log(`n${k + 1}: ${added.errors.length} viewers failed (first: ${added.errors[0]})`);
  }),
);
log(`warming up ${values.warmup} s`);
await sleepSeconds(Number(values.warmup));

const snap = () => Promise.all(workers.map((w) => w.call<{ at: number; subs: SubSnap[] }>({ cmd: 'snapshot' }, 'snapshot')));
const counters = () =>
  Promise.all(nodes.map(async (n) => ({ fwd: await metric(n, 'hudong_rtp_forwarded_total'), rx: await metric(n, 'hudong_rtp_received_total') })));
const [p0, c0, s0] = await Promise.all([pub.call<PublisherStats>({ cmd: 'stats' }, 'stats'), counters(), snap()]);
const t0 = performance.now();
const fresh = nodes.map((n) => cpuMeter(n.pid!));
await sleepSeconds(Number(values.seconds));
const cpu = fresh.map((m) => m());
const [p1, c1, s1] = await Promise.all([pub.call<PublisherStats>({ cmd: 'stats' }, 'stats'), counters(), snap()]);
const seconds = (performance.now() - t0) / 1000;
const pubPps = ((p1.packetsSent ?? 0) - (p0.packetsSent ?? 0)) / seconds;

const rows = nodes.map((node, k) => {
  const fwdPps = (c1[k]!.fwd - c0[k]!.fwd) / seconds;
  const rxPps = (c1[k]!.rx - c0[k]!.rx) / seconds;
  let span = 0;
  let lost = 0;
  s1[k]!.subs.forEach((b, i) => {
    const a = s0[k]!.subs[i];
    if (!a) return;
    const ds = b.mediaSpan - a.mediaSpan;
    span += ds;
    lost += Math.max(0, ds - (b.mediaReceived - a.mediaReceived));
  });
  const first = summarize(s1[k]!.subs.map((s) => s.firstPacketMs).filter((x): x is number => x !== null));
  return [
    `n${k + 1}${k === 0 ? ' (publisher)' : ''}`,
    String(VIEWERS[k]),
    (cpu[k]!.fraction * 100).toFixed(1),
    fwdPps.toFixed(0),
    fwdPps > 0 ? ((cpu[k]!.fraction * 1e6) / fwdPps).toFixed(1) : 'n/a',
    rxPps.toFixed(0),
    k === 0 ? '—' : (rxPps / pubPps).toFixed(2),
    span ? ((100 * lost) / span).toFixed(2) : 'n/a',
    `${first.p50.toFixed(0)} / ${first.p99.toFixed(0)}`,
  ];
});
const forwarding = markdownTable(
  `### One publisher on n1 (${pubPps.toFixed(0)} packets/s), viewers on three nodes, ${seconds.toFixed(0)} s`,
  [
    'node',
    'viewers',
    'server CPU %',
    'RTP forwarded/s (viewers + relay legs)',
    'µs CPU per forwarded packet',
    'RTP received/s',
    'streams received (received / publisher rate)',
    'viewer loss %',
    'subscribe → first packet p50 / p99 ms',
  ],
  rows,
);
console.log(`\n${forwarding}\n`);

// room.enter: members joining on n1 (where the room's host is) against n2 and n3, one at a time.
const enterMs: Record<string, number[]> = { n1: [], 'n2/n3': [] };
const joins = Number(values.joins);
for (let i = 0; i < joins; i++) {
  const k = i % 3;
  const client = await RawClient.connect(nodes[k]!.wsUrl, { autoAck: true });
  await client.login(`join-${i}`, { terminal: 'bench' });
  const t = performance.now();
  await client.call('room.enter', { roomId: ROOM_ID, roomType: 'multi', authBits: 0xab, createRoom: false });
  enterMs[k === 0 ? 'n1' : 'n2/n3']!.push(performance.now() - t);
  client.close();
}
const enter = markdownTable(
  `### room.enter into that room (${joins} members, one at a time, each leaving after)`,
  ['joined on', 'joins', 'p50 ms', 'p99 ms'],
  Object.entries(enterMs).map(([where, ms]) => {
    const s = summarize(ms);
    return [where === 'n1' ? 'n1 (the host’s node)' : 'n2 / n3 (other nodes)', String(s.count), s.p50.toFixed(2), s.p99.toFixed(2)];
  }),
);
console.log(`${enter}\n`);
console.log(`bench/cluster — ${new Date().toISOString()}, node ${process.version}\n\n${forwarding}\n\n${enter}`);

for (const w of workers) w.proc.send({ cmd: 'closeAll' });
pub.proc.kill();
for (const w of workers) w.proc.kill();
await Promise.all(nodes.map((n) => n.stop()));
await redis.stop();
process.exit(0);
