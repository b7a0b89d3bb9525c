// The markdown tables bench/large-room prints, one per scenario.
import { markdownTable } from '../lib/table.js';
import type { Outcome } from './client-group.js';
import { ms } from './context.js';
import type { FillResult } from './fill.js';
import type { MessageResult, RateResult } from './messages.js';
import type { StageResult } from './stage.js';

const count = (n: number) => n.toLocaleString('en');
const pct = (a: number, b: number) => `${a >= b ? '+' : ''}${((a / b - 1) * 100).toFixed(0)} %`;
const refusals = (o: Outcome) =>
  Object.entries(o.refused)
    .map(([why, n]) => `${count(n)} × ${why}`)
    .join(', ') || '0';

export function fillTable(fill: FillResult, inFlight: number, startRssMiB: number): string {
  const rows = fill.checkpoints.map((c) => [
    count(c.members),
    String(c.enter.count),
    ms(c.enter.p50),
    ms(c.enter.p99),
    ms(c.enter.max),
    c.cpuPerJoinMs.toFixed(2),
    c.countPushes.toFixed(1),
    c.fanOutMs.toFixed(0),
    c.cpuPerJoinBareMs.toFixed(2),
    c.framesPerJoin.toFixed(1),
    c.cpuPerLoginMs.toFixed(2),
    c.rssMiB.toFixed(0),
    c.rssPerMemberKiB.toFixed(1),
    c.joinsPerSec.toFixed(0),
    c.idlePercent.toFixed(1),
    c.load,
  ]);
  const first = fill.checkpoints[0];
  const last = fill.checkpoints.at(-1);
  const notes = [
    first && last && last !== first
      ? `server CPU per join at ${count(last.members)} vs ${count(first.members)} members: ${pct(last.cpuPerJoinMs, first.cpuPerJoinMs)} with the count pushes, ${pct(last.cpuPerJoinBareMs, first.cpuPerJoinBareMs)} without`
      : '',
    "count pushes: room.memberCount frames the audience got in the window / audience members (a large room pushes its count at a paced rate, so their number follows the window's length, not its joins); ms per push: one frame to the whole room at that size (a room message from the host, metered); CPU/join without pushes = (window CPU − pushes × ms per push) / joins",
    `RSS/member: RSS added per member since the previous row (the first: since the fill began, at ${startRssMiB.toFixed(0)} MiB). Server CPU: above its idle rate (server idle %, sampled before each window)`,
    last
      ? `server RSS per member overall: ${(((last.rssMiB - startRssMiB) * 1024) / last.members).toFixed(1)} KiB ((RSS − RSS before the fill) / members at ${count(last.members)})`
      : '',
    fill.stoppedEarly ? `fill stopped early: ${fill.stoppedEarly}` : '',
  ].filter(Boolean);
  const title = `### Filling one room (${inFlight} joins in flight; each row: the joins just before the checkpoint, measured ${fill.checkpoints[0]?.rounds ?? 0} times — they leave and enter again between — CPU figures the median)`;
  const head = [
    'members',
    'joins timed',
    'enterRoom p50 ms',
    'p99 ms',
    'max ms',
    'server CPU/join ms',
    'count pushes',
    'ms per push',
    'CPU/join without pushes ms',
    'frames to audience/join',
    'server CPU/login ms',
    'server RSS MiB',
    'RSS/member KiB',
    'joins/s',
    'server idle %',
    'load 1/5/15 min',
  ];
  return `${markdownTable(title, head, rows)}\n${notes.join('\n')}`;
}

export function stageTable(s: StageResult): string {
  const row = (label: string, enterMs: number, announceMs: number) => [label, ms(enterMs), ms(announceMs), ms(enterMs + announceMs)];
  const cpu = markdownTable(
    `### Stage: ${s.publishers} publishers and ${count(s.audience)} audience members; the last publishers measured one at a time (means, server CPU above idle)`,
    [
      'a publisher going on stage',
      'server CPU room.enter (and the count push it causes) ms',
      'server CPU first RTP until announced to all ms',
      'together ms',
    ],
    [
      row('in a room of its own', s.solo.enterMs, s.solo.announceMs),
      row('in the large room', s.onStage.enterMs, s.onStage.announceMs),
      row('announcing it to the room (difference)', s.onStage.enterMs - s.solo.enterMs, s.onStage.announceMs - s.solo.announceMs),
    ],
  );
  const delivery = markdownTable(
    `HAS_CAMERA_VIDEO, from the server's 'publication live' log line (its time in whole ms) to each audience member`,
    ['audience reached (fewest)', 'p50 ms', 'p99 ms', 'max ms', 'to the last member p50 / max ms', 'server idle %', 'load 1/5/15 min'],
    [
      [
        `${count(s.reached)} / ${count(s.audience)}`,
        ms(s.delivery.p50),
        ms(s.delivery.p99),
        ms(s.delivery.max),
        `${ms(s.lastMember.p50)} / ${ms(s.lastMember.max)}`,
        s.idlePercent.toFixed(1),
        s.load,
      ],
    ],
  );
  const retried = `synthetic publications published again after their track did not open: ${s.retries}`;
  return `${cpu}\n\n${delivery}\n${retried}`;
}

export function messageTable(m: MessageResult): string {
  return markdownTable(
    `### Room messages from a stage member to ${count(m.audience)} audience members, one at a time (server CPU above idle)`,
    [
      'messages',
      'answers',
      'audience reached (fewest)',
      'server CPU/message p50 / max ms',
      'delivery p50 ms',
      'p99 ms',
      'max ms',
      'to the last member p50 / max ms',
      'server idle %',
      'load 1/5/15 min',
    ],
    [
      [
        String(m.messages),
        `${m.outcome.ok} ok, refused ${refusals(m.outcome)}`,
        `${count(m.reached)} / ${count(m.audience)}`,
        `${ms(m.cpuPerMessage.p50)} / ${ms(m.cpuPerMessage.max)}`,
        ms(m.delivery.p50),
        ms(m.delivery.p99),
        ms(m.delivery.max),
        `${ms(m.lastMember.p50)} / ${ms(m.lastMember.max)}`,
        m.idlePercent.toFixed(1),
        m.load,
      ],
    ],
  );
}

export function rateTable(r: RateResult): string {
  const table = markdownTable(
    `### Rate: ${count(r.senders)} audience members each sending a room message a second for ${r.seconds} s, in a room of ${count(r.audience)} audience members`,
    [
      'sent',
      'accepted',
      'refused',
      `unanswered after ${r.drainSeconds} s`,
      'accepted/s',
      'room.message frames to the audience',
      'per member',
      'server CPU % of a core',
      'server RSS growth MiB',
      'load 1/5/15 min',
    ],
    [
      [
        count(r.sent),
        count(r.outcome.ok),
        refusals(r.outcome),
        count(r.unanswered),
        (r.outcome.ok / r.seconds).toFixed(1),
        count(r.delivered),
        (r.delivered / r.audience).toFixed(1),
        (r.cpuFraction * 100).toFixed(0),
        r.rssGrowthMiB.toFixed(0),
        r.load,
      ],
    ],
  );
  const notes = [
    `unanswered: no answer reached the sender within ${r.drainSeconds} s after the sending ended (the senders are audience members: they read the room's fan-out too)`,
    r.stoppedEarly ? `sending stopped early: ${r.stoppedEarly}` : '',
  ].filter(Boolean);
  return `${table}\n${notes.join('\n')}`;
}
