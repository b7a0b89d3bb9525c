// bench/signalling: enterRoom latency over 1,000 joins (and how long until the rest of the room has
// seen each of them), and what one node holds per member.
// Real server process, real SDK clients over real WebSockets on loopback. Prints a table.
//   npm run bench:signalling [-- --joins 1000 --members 5000 --rooms 100 --media --cpu-prof DIR]
// --cpu-prof DIR: the server writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
// --media: the clients use @roamhq/wrtc, so each one also opens its receive connection at entry (as
//   an app's clients do); without it they have no WebRTC and the bench measures signalling alone.
import { parseArgs } from 'node:util';
import { AVContext, EndpointEvent } from '@hudong/sdk';
import { ServerProcess, TEST_APP_ID, userSigFor } from '../../tests/helpers/server.js';
import { waitUntil } from '../../tests/helpers/wait-until.js';
import { cpuMeter } from '../lib/cpu.js';
import { footprint } from '../lib/footprint.js';
import { summarize } from '../lib/stats.js';

const { values } = parseArgs({
  options: {
    joins: { type: 'string', default: '1000' },
    members: { type: 'string', default: '5000' },
    rooms: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '50' },
    'cpu-prof': { type: 'string' },
    media: { type: 'boolean', default: false },
  },
});
const JOINS = Number(values.joins);
const MEMBERS = Number(values.members);
const ROOMS = Number(values.rooms);
const CONCURRENCY = Number(values.concurrency);

const rssBytes = (pid: number) => footprint(pid).rssMiB * 1024 * 1024;
async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

const server = await new ServerProcess({
  // Every member announced (no large rooms): the ENTER of each join goes to its whole room, as timed below.
  // Every client connects from 127.0.0.1: the per-address cap would stop them at 1000.
  config: {
    maxMembersPerRoom: 100_000,
    maxMembers: 1_000_000,
    maxConnectionsPerIp: 1_000_000,
    ratePerSecond: 1000,
    rateBurst: 1000,
    largeRoomThreshold: 1_000_000,
  },
  nodeArgs: values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : [],
}).start();
const pid = server.pid!;
const contexts: AVContext[] = [];

// UserSigs are signed before anything is timed: a user's client receives its sig from the app's
// server and never signs one; signing here (deflate + HMAC) would load the bench clients' thread.
const signed = (prefix: string, count: number) =>
  [...Array(count).keys()].map((i) => ({ identifier: `${prefix}-${i}`, userSig: userSigFor(`${prefix}-${i}`) }));
const latencyUsers = signed('lat', JOINS);
const capacityUsers = signed('cap', MEMBERS);

async function started(user: { identifier: string; userSig: string }): Promise<AVContext> {
  const ctx = AVContext.create({ serverUrl: server.wsUrl, sdkAppId: TEST_APP_ID, ...(values.media ? {} : { webrtc: null }) });
  await ctx.start(user);
  contexts.push(ctx);
  return ctx;
}

// 1. Latency: JOINS members, each timed from enterRoom() to its resolution, spread over 10 rooms,
// a few joins in flight at once as a real crowd would arrive. The other side of a join is timed
// too: from enterRoom() until the last member already in the room has seen its ENTER (each member
// listens to endpointsUpdate, as an app showing the member list does).
const loginMs: number[] = [];
const enterMs: number[] = [];
const joins: { identifier: string; startedAt: number; others: number }[] = [];
/** ENTER events seen, by the identifier that entered: how many members saw it, the last one when. */
const sightings = new Map<string, { count: number; lastAt: number }>();
function sawEnter(identifier: string): void {
  const seen = sightings.get(identifier) ?? { count: 0, lastAt: 0 };
  seen.count++;
  seen.lastAt = performance.now();
  sightings.set(identifier, seen);
}
await inBatches([...Array(JOINS).keys()], 10, async (i) => {
  const t0 = performance.now();
  const user = latencyUsers[i]!;
  const ctx = await started(user);
  loginMs.push(performance.now() - t0);
  const t1 = performance.now();
  const room = await ctx.enterRoom({ roomId: 1 + (i % 10), roomType: 'multi', createRoom: true });
  enterMs.push(performance.now() - t1);
  // Each batch enters each room once: everyone in the snapshot is a member that will see this ENTER.
  joins.push({ identifier: user.identifier, startedAt: t1, others: room.endpoints.size });
  room.on('endpointsUpdate', (event, identifiers) => {
    if (event === EndpointEvent.ENTER) for (const id of identifiers) sawEnter(id);
  });
});
const announced = joins.filter((j) => j.others > 0);
await waitUntil('every ENTER seen by its whole room', () => announced.every((j) => (sightings.get(j.identifier)?.count ?? 0) >= j.others), 10_000);
const login = summarize(loginMs);
const enter = summarize(enterMs);
const seenByRoom = summarize(announced.map((j) => sightings.get(j.identifier)!.lastAt - j.startedAt));

// 2. Capacity: MEMBERS members in ROOMS rooms; server memory and CPU per member.
const rssBefore = rssBytes(pid);
const fillCpu = cpuMeter(pid);
await inBatches([...Array(MEMBERS).keys()], CONCURRENCY, async (i) => {
  const ctx = await started(capacityUsers[i]!);
  await ctx.enterRoom({ roomId: 1000 + (i % ROOMS), roomType: 'multi', createRoom: true });
});
const fill = fillCpu();
global.gc?.();
await new Promise((r) => setTimeout(r, 12_000)); // two heartbeat intervals at rest
const rssAfter = rssBytes(pid);
const idleCpu = cpuMeter(pid);
await new Promise((r) => setTimeout(r, 10_000));
const idleCpuPercent = idleCpu().fraction * 100;
const health = (await (await fetch(`${server.httpUrl}/healthz`)).json()) as { rooms: number; members: number };
const perMember = (rssAfter - rssBefore) / MEMBERS;
const budget = 2 * 1024 ** 3;

const rows: [string, string][] = [
  ['joins timed', String(JOINS)],
  ['login (start) p50 / p99 ms', `${login.p50.toFixed(2)} / ${login.p99.toFixed(2)}`],
  ['enterRoom p50 / p99 ms', `${enter.p50.toFixed(2)} / ${enter.p99.toFixed(2)}`],
  ['enterRoom max ms', enter.max.toFixed(2)],
  [`ENTER seen by the whole room p50 / p99 ms (${seenByRoom.count} joins)`, `${seenByRoom.p50.toFixed(2)} / ${seenByRoom.p99.toFixed(2)}`],
  ['members held (healthz)', `${health.members} in ${health.rooms} rooms`],
  ['fill rate (login+enter) /s', (MEMBERS / fill.wallSec).toFixed(0)],
  ['server CPU per join ms', ((fill.cpuSec / MEMBERS) * 1000).toFixed(3)],
  ['server RSS before / after MB', `${(rssBefore / 1e6).toFixed(1)} / ${(rssAfter / 1e6).toFixed(1)}`],
  ['server memory per member KB', (perMember / 1024).toFixed(2)],
  ['members per 2 GiB (memory bound)', Math.floor(budget / perMember).toLocaleString('en')],
  [`server CPU at rest, ${health.members} members (heartbeats) %`, idleCpuPercent.toFixed(1)],
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log(`\nbench/signalling — ${new Date().toISOString()}, node ${process.version}, ${values.media ? 'with' : 'without'} receive connections`);
console.log(`${'metric'.padEnd(width)} | value`);
console.log(`${'-'.repeat(width)}-|-${'-'.repeat(24)}`);
for (const [k, v] of rows) console.log(`${k.padEnd(width)} | ${v}`);

for (const ctx of contexts) {
  try {
    await ctx.exitRoom();
    await ctx.stop();
  } catch {
    /* best effort */
  }
}
await server.stop();
process.exit(0);
