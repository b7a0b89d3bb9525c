// What the scenarios of bench/large-room share: the server, the audience (workers), the stage (this
// process), and the waits that make a measurement window start and end with nothing in flight.
import { loadavg } from 'node:os';
import type { ServerProcess } from '../../tests/helpers/server.js';
import { cpuMeter, preciseCpuSeconds } from '../lib/cpu.js';
import { footprint } from '../lib/footprint.js';
import { sleepSeconds } from '../lib/namespace.js';
import type { ClientGroup } from './client-group.js';
import type { Fleet } from './fleet.js';

export interface Bench {
  server: ServerProcess;
  /** The server's process id. */
  pid: number;
  /** The audience, in worker processes. */
  fleet: Fleet;
  /** The stage members (publishers, the message sender), in this process. */
  stage: ClientGroup;
  /** The large room. */
  roomId: number;
  /** Joins (login, enter) in flight at once. */
  inFlight: number;
  /** CPU (of one core) under which the server counts as quiet over a 100 ms look: see calibrateIdle(). */
  quietFraction: number;
  /** How long no frame may reach the audience for a step to count as over, ms: see settled(). */
  stillMs: number;
  /** How long the server's CPU at rest is sampled before each measured step, ms: see metered(). */
  restSampleMs: number;
  log: (...args: unknown[]) => void;
}

/** What the server may spend above its rate at rest and still count as quiet, fraction of one core. */
export const QUIET_MARGIN = 0.03;
/** How long settled() waits for frames to hold still before it takes frames that never stop for the server's rest. */
const STILL_GIVE_UP_S = 30;
/** How long the server may stay busy before settled() gives up on the bench. */
const BUSY_GIVE_UP_S = 600;

/**
 * Waits until the audience received no frame for `b.stillMs` (longer than the server holds back a
 * coalesced push) and the server's CPU over the last 100 ms look was under `b.quietFraction`: all
 * that a step caused is written and read. Returns the audience's frame counts.
 */
export async function settled(b: Bench): Promise<Record<string, number>> {
  const started = performance.now();
  let counts = await b.fleet.counts();
  let stillSince = performance.now();
  let look = { at: performance.now(), cpu: preciseCpuSeconds(b.pid) };
  for (;;) {
    await sleepSeconds(0.1);
    const again = await b.fleet.counts();
    const now = { at: performance.now(), cpu: preciseCpuSeconds(b.pid) };
    const quiet = (now.cpu - look.cpu) * 1000 < (now.at - look.at) * b.quietFraction;
    look = now;
    if (total(again) !== total(counts)) [counts, stillSince] = [again, now.at];
    if (quiet && now.at - stillSince >= b.stillMs) return counts;
    if (quiet && now.at - started > STILL_GIVE_UP_S * 1000) {
      b.log(`frames keep reaching the audience with the server at rest (${total(again)} so far): taken as its rest`);
      return counts;
    }
    if (now.at - started > BUSY_GIVE_UP_S * 1000) throw new Error(`the server did not come to rest in ${BUSY_GIVE_UP_S} s`);
  }
}

/**
 * Samples the server's CPU at rest — once the audience's frame counts held still for `b.stillMs` —
 * and sets what "quiet" means to 3 % of a core above it. A live publication ticks every 20 ms: with
 * 50 on stage the server never rests below 3 %.
 */
export async function calibrateIdle(b: Bench): Promise<void> {
  let frames = total(await b.fleet.counts());
  for (;;) {
    await sleepSeconds(b.stillMs / 1000);
    const again = total(await b.fleet.counts());
    if (again === frames) break;
    frames = again;
  }
  const rest = cpuMeter(b.pid, preciseCpuSeconds);
  await sleepSeconds(1);
  b.quietFraction = rest().fraction + QUIET_MARGIN;
}

/** What one measured step cost the server. */
export interface Metered<T> {
  value: T;
  /** Server CPU from the start of `action` until all it caused was written and read, less the server's idle rate over that time, ms. */
  cpuMs: number;
  /** The server's CPU at rest just before, as a fraction of one core (its timers: 50 publications tick every 20 ms). */
  idleFraction: number;
  /** Frames the audience received meanwhile. */
  frames: number;
  /** The same frames by kind (`response`, the event's name, `other`). */
  framesByKind: Record<string, number>;
}

/**
 * Runs `action` once the server is quiet and measures what it costs the server: its CPU from the
 * start of `action` until the server is quiet again and the audience read everything, minus the idle
 * rate sampled just before times that wall time. (Without the subtraction, the idle tail that tells
 * "quiet" would add milliseconds to every single-event measurement.)
 */
export async function metered<T>(b: Bench, action: () => Promise<T>): Promise<Metered<T>> {
  const before = await settled(b);
  const idle = cpuMeter(b.pid, preciseCpuSeconds);
  await sleepSeconds(b.restSampleMs / 1000);
  const idleFraction = idle().fraction;
  const meter = cpuMeter(b.pid, preciseCpuSeconds);
  const value = await action();
  const after = await settled(b);
  const { cpuSec, wallSec } = meter();
  const framesByKind = Object.fromEntries(Object.entries(after).map(([kind, n]) => [kind, n - (before[kind] ?? 0)]));
  return { value, cpuMs: (cpuSec - idleFraction * wallSec) * 1000, idleFraction, frames: total(framesByKind), framesByKind };
}

export const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** The server's resident memory, MiB. */
export const serverRssMiB = (b: Bench) => footprint(b.pid).rssMiB;

/** The machine's load average over 1, 5 and 15 minutes (the server and the clients share its 2 cores with anything else running). */
export const loadAverage = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ');

/** Milliseconds with one decimal. */
export const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
