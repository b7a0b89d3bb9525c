// Scenario 1: one room filled with audience members, enterRoom timed and the server's CPU per join
// measured over a window of joins that ends at each checkpoint (100, 1,000, 5,000, 10,000 members).
import { sleepSeconds } from '../lib/namespace.js';
import { summarize, type Summary } from '../lib/stats.js';
import type { User } from './client-group.js';
import { countPushDelaySeconds } from './stage.js';
import { loadAverage, metered, serverRssMiB, type Bench } from './context.js';

export interface Checkpoint {
  /** Room size at the end of the window (the host included). */
  members: number;
  /** The window's room.enter answer times, ms. */
  enter: Summary;
  /** Times the window was measured (its joins left and entered again between). */
  rounds: number;
  /** Server CPU of the window's room.enter requests (and all they caused) per join, above idle, ms (median over the rounds). */
  cpuPerJoinMs: number;
  /** Member-count pushes to the whole room during the window (room.memberCount frames / audience): paced per room, not per join. */
  countPushes: number;
  /** Server CPU of one frame to the whole room at this size (a room message from the host, metered), ms. */
  fanOutMs: number;
  /** cpuPerJoinMs without the window's count pushes (each costed as one fan-out): what a join itself costs. */
  cpuPerJoinBareMs: number;
  /** Frames the audience received during the window, per join (its answer included). */
  framesPerJoin: number;
  /** Server CPU per login of the window's members (done before the window), ms. */
  cpuPerLoginMs: number;
  rssMiB: number;
  /** Server RSS added per member (connection, session, membership) since the previous checkpoint (the first: since the fill began), KiB. */
  rssPerMemberKiB: number;
  joinsPerSec: number;
  /** The server's CPU at rest before the window (subtracted from its CPU per join), % of a core. */
  idlePercent: number;
  load: string;
}

export interface FillResult {
  checkpoints: Checkpoint[];
  /** Room size reached. */
  members: number;
  /** Why the fill stopped before `--members`, if it did. */
  stoppedEarly?: string;
  errors: string[];
}

/** Joins between checkpoints go in chunks of this many (the time limit is looked at between chunks). */
const CHUNK = 500;

/**
 * Fills the room (holding `size` members already) from `users`, up to each checkpoint in turn; the last
 * `window` joins before a checkpoint (at most half of it) are measured. Stops at `deadline` (performance.now()).
 */
export async function fillRoom(
  b: Bench,
  users: readonly User[],
  opts: { size: number; checkpoints: number[]; window: number; rounds: number; deadline: number; startRssMiB: number; host: string },
): Promise<FillResult> {
  const result: FillResult = { checkpoints: [], members: opts.size, errors: [] };
  let next = 0;
  /** room.enter of `identifiers` (logged in), metered. */
  const enter = async (identifiers: string[]) => {
    const entered = await metered(b, async () => {
      const t0 = performance.now();
      return { ...(await b.fleet.enter(identifiers, b.roomId, b.inFlight)), answeredSec: (performance.now() - t0) / 1000 };
    });
    result.errors.push(...entered.value.errors);
    result.members += entered.value.ms.length;
    return entered;
  };
  /** The next `count` users log in (metered) and enter. */
  const join = async (count: number) => {
    const batch = users.slice(next, next + count);
    next += batch.length;
    const login = await metered(b, () => b.fleet.login(batch, b.inFlight));
    result.errors.push(...login.value);
    return { ...(await enter(batch.map((u) => u.identifier))), cpuPerLoginMs: login.cpuMs / batch.length };
  };
  const stop = () =>
    result.errors.length > 0
      ? `${result.errors.length} joins failed (first: ${result.errors[0]})`
      : performance.now() > opts.deadline
        ? `time limit, at ${result.members} members`
        : undefined;
  for (const checkpoint of opts.checkpoints) {
    const window = Math.min(opts.window, Math.floor(checkpoint / 2));
    while (result.members < checkpoint - window) {
      if (stop()) return { ...result, stoppedEarly: stop() };
      await join(Math.min(CHUNK, checkpoint - window - result.members));
      b.log(`room holds ${result.members} members`);
    }
    if (stop()) return { ...result, stoppedEarly: stop() };
    const windowIds = users.slice(next, next + checkpoint - result.members).map((u) => u.identifier);
    // A large room pushes its member count to everyone at a paced rate (LatestPacer): how many pushes
    // land in a window depends on how long it lasts, not on its joins, so they are costed apart, and
    // each window starts once the push owed for what came before it is out. The window is measured
    // `rounds` times (its members leave, unmeasured, and enter again): medians.
    const joins = checkpoint - result.members;
    const rounds: { cpuMs: number; pushes: number; ms: number[]; answeredSec: number }[] = [];
    let first: Awaited<ReturnType<typeof join>> | undefined;
    for (let r = 0; r < opts.rounds && !stop(); r++) {
      await sleepSeconds(countPushDelaySeconds(result.members));
      const audienceBefore = result.members - 1;
      const w = r === 0 ? (first = await join(joins)) : await enter(windowIds);
      const pushes = (w.framesByKind['room.memberCount'] ?? 0) / ((audienceBefore + result.members - 1) / 2);
      rounds.push({ cpuMs: w.cpuMs, pushes, ms: w.value.ms, answeredSec: w.value.answeredSec });
      if (r < opts.rounds - 1) {
        result.errors.push(...(await b.fleet.exit(windowIds, b.inFlight)));
        result.members -= joins;
      }
    }
    if (stop() || !first) return { ...result, stoppedEarly: stop() };
    const countPushes = summarize(rounds.map((r) => r.pushes)).mean;
    const fanOutMs = countPushes > 0 ? await fanOutCost(b, opts.host, result.members) : 0;
    const rssMiB = serverRssMiB(b);
    const previous = result.checkpoints.at(-1);
    const row: Checkpoint = {
      members: result.members,
      enter: summarize(rounds.flatMap((r) => r.ms)),
      rounds: rounds.length,
      cpuPerJoinMs: median(rounds.map((r) => r.cpuMs / joins)),
      countPushes,
      fanOutMs,
      cpuPerJoinBareMs: median(rounds.map((r) => (r.cpuMs - r.pushes * fanOutMs) / joins)),
      framesPerJoin: first.frames / joins,
      cpuPerLoginMs: first.cpuPerLoginMs,
      rssMiB,
      rssPerMemberKiB: ((rssMiB - (previous?.rssMiB ?? opts.startRssMiB)) * 1024) / (result.members - (previous?.members ?? 0)),
      joinsPerSec: median(rounds.map((r) => joins / r.answeredSec)),
      idlePercent: first.idleFraction * 100,
      load: loadAverage(),
    };
    result.checkpoints.push(row);
    b.log(
      `checkpoint ${row.members}: enterRoom p50 ${row.enter.p50.toFixed(1)} ms, CPU/join ${row.cpuPerJoinMs.toFixed(2)} ms (${row.cpuPerJoinBareMs.toFixed(2)} without ${row.countPushes.toFixed(1)} count pushes of ${row.fanOutMs.toFixed(0)} ms)`,
    );
  }
  return result;
}

/**
 * Server CPU of one frame to the whole room: a room message from `host` (never rate-capped), metered
 * until everyone read it, ms. It waits out the count push the window's last joins still owe (paced:
 * every members/2,000 s past 2,000 members), and a push that lands anyway is taken out by its frames.
 */
async function fanOutCost(b: Bench, host: string, members: number): Promise<number> {
  const costs: number[] = [];
  for (let i = 0; i < FAN_OUT_PROBES; i++) {
    await sleepSeconds(countPushDelaySeconds(members));
    const sent = await metered(b, () => b.stage.client(host).request('room.message', { data: 'fan-out probe' }));
    if (!sent.value.ok) throw new Error(`the fan-out probe was refused: ${sent.value.error}`);
    const pushes = (sent.framesByKind['room.memberCount'] ?? 0) / (members - 1);
    costs.push(sent.cpuMs / (1 + pushes));
  }
  return median(costs);
}

/** A single fan-out's CPU varies by 2–3× here (garbage collection of a large heap lands in some): the median of this many. */
const FAN_OUT_PROBES = 3;

const median = (values: number[]) => summarize(values).p50;
