// Scenarios 3 and 4: room messages. One stage member sends `count` messages to the whole room, one at
// a time (each timed from its send to every audience member's frame, and metered); then `senders`
// audience members each send one a second for `seconds` — how many does the server accept, refuse
// (10005 ROOM_MESSAGE_RATE once the room-wide cap exists), and what does the flood cost it.
import { cpuMeter } from '../lib/cpu.js';
import { sleepSeconds } from '../lib/namespace.js';
import { summarize, type Summary } from '../lib/stats.js';
import { tally, type Outcome } from './client-group.js';
import { calibrateIdle, loadAverage, metered, serverRssMiB, settled, type Bench } from './context.js';
import { epochMs } from './wire-client.js';

export interface MessageResult {
  messages: number;
  audience: number;
  /** Server CPU per message above idle, ms: its fan-out to the whole room, until every member read it. */
  cpuPerMessage: Summary;
  /** From the send to each audience member's frame, ms, all messages pooled. */
  delivery: Summary;
  /** From the send to the last audience member's frame, one sample per message, ms. */
  lastMember: Summary;
  /** Fewest audience members any message reached (within 60 s). */
  reached: number;
  /** The server's CPU at rest (subtracted from the CPU per message), mean, % of a core. */
  idlePercent: number;
  outcome: Outcome;
  load: string;
}

export async function roomMessages(b: Bench, sender: string, count: number): Promise<MessageResult> {
  const client = b.stage.client(sender);
  const cpu: number[] = [];
  const delays: number[] = [];
  const last: number[] = [];
  const outcome: Outcome = { ok: 0, refused: {} };
  let reached = Infinity;
  let idle = 0;
  await calibrateIdle(b);
  for (let i = 0; i < count; i++) {
    const tag = `bench-message-${i}`;
    await b.fleet.watch({ kind: 'message', tag });
    const sent = await metered(b, async () => {
      const sentAt = epochMs();
      const answer = await client.request('room.message', { data: tag });
      tally(outcome, answer);
      for (let waited = 0; answer.ok && waited < 60 * 20; waited++) {
        const { seen, of } = await b.fleet.progress();
        if (seen >= of) break;
        await sleepSeconds(0.05);
      }
      return sentAt;
    });
    cpu.push(sent.cpuMs);
    idle += sent.idleFraction / count;
    const arrivals = (await b.fleet.collect()).map((at) => at - sent.value);
    delays.push(...arrivals);
    if (arrivals.length) last.push(Math.max(...arrivals));
    reached = Math.min(reached, arrivals.length);
  }
  return {
    messages: count,
    audience: (await b.fleet.progress()).of,
    cpuPerMessage: summarize(cpu),
    delivery: summarize(delays),
    lastMember: summarize(last),
    reached,
    idlePercent: idle * 100,
    outcome,
    load: loadAverage(),
  };
}

/** How long the senders wait for their answers once they stopped sending. */
const RATE_DRAIN_S = 10;

export interface RateResult {
  senders: number;
  seconds: number;
  /** Answers not in this long after the sending ended count as unanswered. */
  drainSeconds: number;
  audience: number;
  sent: number;
  outcome: Outcome;
  unanswered: number;
  /** room.message frames the audience received during the run (and the drain after it). */
  delivered: number;
  /** Server CPU over the run, as a fraction of one core. */
  cpuFraction: number;
  rssGrowthMiB: number;
  /** Why sending stopped before `seconds`, if it did. */
  stoppedEarly?: string;
  load: string;
}

/**
 * `senders` audience members each send one room message a second for `seconds`. Sending stops early
 * when the server's memory grows by `rssGuardMiB`: today nothing caps the room's messages, and a
 * server that cannot write 1,000 × 10,000 frames a second queues them until the machine runs out.
 */
export async function rateCap(b: Bench, senders: number, seconds: number, rssGuardMiB: number): Promise<RateResult> {
  const before = (await settled(b))['room.message'] ?? 0;
  const rss0 = serverRssMiB(b);
  const meter = cpuMeter(b.pid);
  let stoppedEarly: string | undefined;
  let peakRss = rss0;
  let sending = true;
  const run = b.fleet.sendPaced(senders, seconds, RATE_DRAIN_S * 1000).finally(() => (sending = false));
  while (sending) {
    await sleepSeconds(0.25);
    peakRss = Math.max(peakRss, serverRssMiB(b));
    if (!stoppedEarly && peakRss - rss0 > rssGuardMiB) {
      stoppedEarly = `server RSS grew by more than ${rssGuardMiB} MiB after ${meter().wallSec.toFixed(1)} s`;
      b.log(`rate: ${stoppedEarly}; stopping the senders`);
      await b.fleet.stopSending();
    }
  }
  const sent = await run;
  const cpu = meter();
  const delivered = ((await b.fleet.counts())['room.message'] ?? 0) - before;
  return {
    senders,
    seconds,
    drainSeconds: RATE_DRAIN_S,
    audience: (await b.fleet.progress()).of,
    sent: sent.sent,
    outcome: { ok: sent.ok, refused: sent.refused },
    unanswered: sent.unanswered,
    delivered,
    cpuFraction: cpu.fraction,
    rssGrowthMiB: peakRss - rss0,
    stoppedEarly,
    load: loadAverage(),
  };
}
