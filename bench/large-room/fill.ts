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
  /** Server CPU of the window's room.enter requests (and all they caused) per join, above idle, ms. */
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
  opts: { size: number; checkpoints: number[]; window: number; deadline: number; startRssMiB: number; host: string },
): Promise<FillResult> {
  const result: FillResult = { checkpoints: [], members: opts.size, errors: [] };
  let next = 0;
  const join = async (count: number) => {
    const batch = users.slice(next, next + count);
    next += batch.length;
    const login = await metered(b, () => b.fleet.login(batch, b.inFlight));
    result.errors.push(...login.value);
    const enter = await metered(b, async () => {
      const t0 = performance.now();
      const identifiers = batch.map((u) => u.identifier);
      return { ...(await b.fleet.enter(identifiers, b.roomId, b.inFlight)), answeredSec: (performance.now() - t0) / 1000 };
    });
    result.errors.push(...enter.value.errors);
    result.members += enter.value.ms.length;
    return { ...enter, cpuPerLoginMs: login.cpuMs / batch.length };
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
    const audienceBefore = result.members - 1;
    const joins = checkpoint - result.members;
    const w = await join(joins);
    if (stop()) return { ...result, stoppedEarly: stop() };
    // A large room pushes its member count to everyone at a paced rate (LatestPacer), so how many
    // pushes land in a window depends on how long it lasts, not on its joins: cost them apart.
    const countPushes = (w.framesByKind['room.memberCount'] ?? 0) / ((audienceBefore + result.members - 1) / 2);
    const fanOutMs = countPushes > 0 ? await fanOutCost(b, opts.host, result.members) : 0;
    const rssMiB = serverRssMiB(b);
    const previous = result.checkpoints.at(-1);
    const row: Checkpoint = {
      members: result.members,
      enter: summarize(w.value.ms),
      cpuPerJoinMs: w.cpuMs / joins,
      countPushes,
      fanOutMs,
      cpuPerJoinBareMs: (w.cpuMs - countPushes * fanOutMs) / joins,
      framesPerJoin: w.frames / joins,
      cpuPerLoginMs: w.cpuPerLoginMs,
      rssMiB,
      rssPerMemberKiB: ((rssMiB - (previous?.rssMiB ?? opts.startRssMiB)) * 1024) / (result.members - (previous?.members ?? 0)),
      joinsPerSec: joins / w.value.answeredSec,
      idlePercent: w.idleFraction * 100,
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
  await sleepSeconds(countPushDelaySeconds(members));
  const sent = await metered(b, () => b.stage.client(host).request('room.message', { data: 'fan-out probe' }));
  if (!sent.value.ok) throw new Error(`the fan-out probe was refused: ${sent.value.error}`);
  const pushes = (sent.framesByKind['room.memberCount'] ?? 0) / (members - 1);
  return sent.cpuMs / (1 + pushes);
}
