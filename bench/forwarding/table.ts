// The result table: one block per SFU, then the ratios.
import type { ThreadCpu } from '../lib/cpu.js';
import { markdownTable } from '../lib/table.js';

export interface Row {
  n: number; // subscribers connected
  receiving: number; // subscribers that received packets during the window
  cpuPct: number; // server CPU, % of one core
  pktsPerSec: number; // sum over subscribers
  usPerPkt: number; // server CPU µs per forwarded packet
  pktsPerCore: number; // pktsPerSec / CPU fraction
  lossPct: number; // from RTP sequence gaps, all subscribers
  kbpsPerSub: number; // mean received bitrate of one subscriber
  keyframes: number; // VP8 keyframes seen by the first subscriber in the window
  rssMiB: number; // server resident memory at the end of the window
  fds: number; // server file descriptors then
  sockets: number; // of those, sockets
  threads?: ThreadCpu; // the server's CPU by thread, and its context switches (Hudong only)
}

const HEAD = ['N', 'recv', 'server CPU %', 'fwd pkts/s', 'µs CPU/pkt', 'pkts/s per core', 'sub loss %', 'marginal µs/pkt', 'kbps/sub', 'keyframes'];

/** CPU per extra forwarded packet, against the block's first (smallest N) row: fixed costs cancel out. */
export function marginalUs(rows: Row[], r: Row): number {
  const base = rows[0]!;
  if (r === base || r.pktsPerSec <= base.pktsPerSec) return NaN;
  return (((r.cpuPct - base.cpuPct) / 100) * 1e6) / (r.pktsPerSec - base.pktsPerSec);
}

function fmt(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '–';
}

export function formatBlock(title: string, rows: Row[]): string {
  const body = rows.map((r) => [
    String(r.n),
    String(r.receiving),
    fmt(r.cpuPct, 1),
    fmt(r.pktsPerSec, 0),
    fmt(r.usPerPkt, 1),
    fmt(r.pktsPerCore, 0),
    fmt(r.lossPct, 2),
    fmt(marginalUs(rows, r), 1),
    fmt(r.kbpsPerSub, 0),
    String(r.keyframes),
  ]);
  return markdownTable(`### ${title}`, HEAD, body);
}

/** What the server holds per subscriber: each row against the block's first (smallest N). */
export function formatFootprint(title: string, rows: Row[]): string {
  const head = ['N', 'server RSS MiB', 'fds', 'sockets', 'RSS KiB/sub', 'fds/sub', 'sockets/sub'];
  const base = rows[0]!;
  const per = (r: Row, v: number, b: number, scale = 1) => (r === base ? NaN : ((v - b) * scale) / (r.n - base.n));
  const body = rows.map((r) => [
    String(r.n),
    fmt(r.rssMiB, 1),
    String(r.fds),
    String(r.sockets),
    fmt(per(r, r.rssMiB, base.rssMiB, 1024), 0),
    fmt(per(r, r.fds, base.fds), 2),
    fmt(per(r, r.sockets, base.sockets), 2),
  ]);
  return markdownTable(`### ${title}: what the server holds`, head, body);
}

export function formatRatios(ours: Row[], ref: Row[]): string {
  const head = ['N', 'µs/pkt Hudong ÷ Janus', 'marginal Hudong ÷ Janus', 'pkts/s/core Hudong', 'pkts/s/core Janus'];
  const body = ours.flatMap((o) => {
    const j = ref.find((r) => r.n === o.n);
    const m = marginalUs(ours, o) / marginalUs(ref, j ?? o);
    return j ? [[String(o.n), fmt(o.usPerPkt / j.usPerPkt, 2), fmt(m, 2), fmt(o.pktsPerCore, 0), fmt(j.pktsPerCore, 0)]] : [];
  });
  return markdownTable('### Hudong vs Janus (below 1 = Hudong spends less CPU per packet)', head, body);
}

/** Which of the server's threads spends the CPU (% of one core), and its context switches per forwarded packet. */
export function formatThreads(title: string, rows: Row[]): string {
  const named = ['main', 'juice poll', 'juice mux', 'RTC worker'].filter((t) => rows.some((r) => (r.threads?.byThread[t] ?? 0) > 0));
  const head = ['N', ...named.map((t) => `${t} %`), 'other %', 'main µs/pkt', 'switches/s', 'switches/pkt'];
  const body = rows.flatMap((r) => {
    if (!r.threads) return [];
    const { byThread, switchesPerSec } = r.threads;
    const other = Object.entries(byThread).reduce((t, [name, f]) => (named.includes(name) ? t : t + f), 0);
    return [
      [
        String(r.n),
        ...named.map((t) => fmt((byThread[t] ?? 0) * 100, 1)),
        fmt(other * 100, 1),
        fmt(((byThread.main ?? 0) * 1e6) / r.pktsPerSec, 1),
        fmt(switchesPerSec, 0),
        fmt(switchesPerSec / r.pktsPerSec, 3),
      ],
    ];
  });
  return markdownTable(`### ${title}: where the server's CPU runs (threads)`, head, body);
}
