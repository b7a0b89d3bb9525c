// bench/large-room: one live room filled to 10,000 members (issue 10, "Large live rooms").
// The server is a real `hudong serve` process, alone in it; the audience are bare wire clients
// (wire-client.ts) spread over worker processes; the stage members (publishers, the message sender)
// live here and publish for real over node-datachannel with made-up RTP (synthetic-camera.ts).
//   1. fill: enterRoom p50/p99 and the server's CPU per join around 100, 1,000, 5,000, 10,000 members; RSS per member
//   2. stage: with 50 publishers on stage, how long one publisher's HAS_CAMERA_VIDEO takes to reach
//      every member, and the server's CPU for announcing it
//   3. messages: one member's room message to everyone: server CPU per message, delivery p99
//   4. rate: 1,000 audience members each sending one room message a second: accepted, refused, cost
// Every time is between two clocks of this machine (epochMs, the server log's `time`). The machine has
// 2 cores shared by the server, its clients and anything else running: each table gives the load average.
// Clients send no heartbeats (the server's interval is set to an hour): their cost at rest is
// bench/signalling's subject, and here it would only blur the CPU per join.
// Descriptors: the server holds one socket per client (about 10,100 at 10,000 members), each worker
// its share; past ~19,000 members the server needs a higher `ulimit -n` than this machine's 20,000.
//
//   npm run bench:large-room -- [--members 10000] [--in-flight 20] [--workers 4] [--window 500] [--rounds 3]
//       [--stage 50] [--measured 10] [--messages 20] [--rate-senders 1000] [--rate-seconds 10]
//       [--max-minutes 30] [--rss-guard-mb 3000] [--warmup 200] [--quick]
// --max-minutes bounds the fill (today's server spends O(n) per join: minutes to tens of minutes to
// 10,000); the other scenarios then run in the room as far as it got. --warmup: members that join
// another room before anything is measured. --quick: a smoke run under a minute.
import { parseArgs } from 'node:util';
import ndc from 'node-datachannel';
import { ServerProcess, TEST_APP_ID, userSigFor } from '../../tests/helpers/server.js';
import { footprint } from '../lib/footprint.js';
import { elapsedLog, requireNamespace } from '../lib/namespace.js';
import { ClientGroup } from './client-group.js';
import { QUIET_MARGIN, loadAverage, type Bench } from './context.js';
import { fillRoom } from './fill.js';
import { Fleet } from './fleet.js';
import { rateCap, roomMessages } from './messages.js';
import { stageScenario } from './stage.js';
import { fillTable, messageTable, rateTable, stageTable } from './tables.js';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '10000' },
    'in-flight': { type: 'string', default: '20' },
    workers: { type: 'string', default: '4' },
    window: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '3' },
    stage: { type: 'string', default: '50' },
    measured: { type: 'string', default: '10' },
    messages: { type: 'string', default: '20' },
    'rate-senders': { type: 'string', default: '1000' },
    'rate-seconds': { type: 'string', default: '10' },
    'max-minutes': { type: 'string', default: '30' },
    'rss-guard-mb': { type: 'string', default: '3000' },
    warmup: { type: 'string', default: '200' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const num = (name: keyof typeof values, quickValue: number) => (quick && !process.argv.includes(`--${name}`) ? quickValue : Number(values[name]));
const MEMBERS = num('members', 300);
const WINDOW = num('window', 100);
const ROUNDS = num('rounds', 1);
const STAGE = num('stage', 5);
const MEASURED = Math.min(num('measured', 2), STAGE - 1);
const MESSAGES = num('messages', 5);
const RATE_SENDERS = Math.min(num('rate-senders', 50), MEMBERS - STAGE);
const RATE_SECONDS = num('rate-seconds', 3);
const WARMUP = num('warmup', 50);
const CHECKPOINTS = [...[100, 1000, 5000, 10000].filter((c) => c < MEMBERS), MEMBERS];
const ROOM_ID = 1;
const WARMUP_ROOM_ID = 2;
const SOLO_ROOM_ID = 1000;
const log = elapsedLog();

// The stage's node-datachannel peers and the server's need the namespace's addresses to find each other reliably.
requireNamespace('bench/large-room/run.ts');
if (STAGE < 2 || MEASURED < 1) throw new Error('--stage must be at least 2 and --measured at least 1');
const server = await new ServerProcess({
  // Every client connects from 127.0.0.1: the per-address cap would stop them at 1000.
  config: { maxMembersPerRoom: 100_000, maxMembers: 1_000_000, maxConnectionsPerIp: 1_000_000, heartbeatIntervalMs: 3_600_000 },
}).start();
const pid = server.pid!;
log(`server pid ${pid} at ${server.wsUrl}; load ${loadAverage()}`);

// UserSigs are signed before anything is timed: an app's clients get theirs from the app's server.
const sign = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({ identifier: `${prefix}-${i}`, userSig: userSigFor(`${prefix}-${i}`) }));
const stageUsers = sign('stage', STAGE);
const soloUsers = sign('solo', MEASURED);
const audience = sign('audience', MEMBERS - 1);
const warmUsers = sign('warmup', WARMUP);

const fleet = await Fleet.start(Number(values.workers), server.wsUrl, TEST_APP_ID);
const stage = new ClientGroup(server.wsUrl, TEST_APP_ID);
const b: Bench = {
  server,
  pid,
  fleet,
  stage,
  roomId: ROOM_ID,
  inFlight: Number(values['in-flight']),
  quietFraction: QUIET_MARGIN,
  // Longer than the server holds back a coalesced push (memberCount: at most one a second), and a
  // whole second of rest (publications send their RTCP reports once a second); a smoke run is shorter.
  stillMs: quick ? 300 : 1100,
  restSampleMs: quick ? 300 : 1000,
  log,
};
const loginErrors = await stage.login([...stageUsers, ...soloUsers], 5);
if (loginErrors.length) throw new Error(`stage logins failed: ${loginErrors.join('; ')}`);
// The first stage member opens the room (the audience may not create it) and sends the room messages.
const hostEntered = await stage.enter([stageUsers[0]!.identifier], ROOM_ID, 1, true);
if (hostEntered.errors.length) throw new Error(hostEntered.errors[0]);

// Warm-up: members join another room first, so that the first checkpoint measures compiled code, as
// a node in service runs it. They stay (idle) to the end: leaving would cost the server EXITs mid-run.
const warmup = new ClientGroup(server.wsUrl, TEST_APP_ID);
const warmupErrors = await warmup.login(warmUsers, b.inFlight);
const [warmHost, ...warmAudience] = warmUsers.map((u) => u.identifier);
if (warmHost) warmupErrors.push(...(await warmup.enter([warmHost], WARMUP_ROOM_ID, 1, true)).errors);
warmupErrors.push(...(await warmup.enter(warmAudience, WARMUP_ROOM_ID, b.inFlight)).errors);
if (warmupErrors.length) throw new Error(`warm-up failed: ${warmupErrors[0]}`);

const startRssMiB = footprint(pid).rssMiB;
const deadline = performance.now() + Number(values['max-minutes']) * 60_000;
log(`fill: to ${MEMBERS} members, ${b.inFlight} joins in flight, checkpoints ${CHECKPOINTS.join(', ')}`);
const fill = await fillRoom(b, audience, {
  size: 1,
  checkpoints: CHECKPOINTS,
  window: WINDOW,
  rounds: ROUNDS,
  deadline,
  startRssMiB,
  host: stageUsers[0]!.identifier,
});
const tables = [fillTable(fill, b.inFlight, startRssMiB)];
console.log(`\n${tables[0]}\n`);

log(`stage: ${STAGE} publishers, ${MEASURED} measured`);
const staged = await stageScenario(
  b,
  stageUsers.map((u) => u.identifier),
  soloUsers.map((u) => u.identifier),
  SOLO_ROOM_ID,
);
tables.push(stageTable(staged));
console.log(`\n${tables.at(-1)}\n`);

log(`messages: ${MESSAGES} from ${stageUsers[0]!.identifier}`);
tables.push(messageTable(await roomMessages(b, stageUsers[0]!.identifier, MESSAGES)));
console.log(`\n${tables.at(-1)}\n`);

log(`rate: ${RATE_SENDERS} audience members, one message a second each, for ${RATE_SECONDS} s`);
tables.push(rateTable(await rateCap(b, RATE_SENDERS, RATE_SECONDS, Number(values['rss-guard-mb']))));
console.log(`\n${tables.at(-1)}\n`);

console.log(`\nbench/large-room — ${new Date().toISOString()}, node ${process.version}, load average at the end ${loadAverage()}\n`);
console.log(tables.join('\n\n'));

// Killed, not stopped: a graceful stop would still write whatever the last scenario left queued.
await server.kill();
await server.stop();
fleet.stop();
stage.terminateAll();
warmup.terminateAll();
for (const camera of staged.cameras) camera.close();
ndc.cleanup();
process.exit(0);
