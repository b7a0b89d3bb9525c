// The result table: one block per SFU, then the ratios.
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
  const widths = HEAD.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padStart(widths[i]!)).join(' | ') + ' |';
  return [`### ${title}`, line(HEAD), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

export function formatRatios(ours: Row[], ref: Row[]): string {
  const head = ['N', 'µs/pkt Hudong ÷ Janus', 'marginal Hudong ÷ Janus', 'pkts/s/core Hudong', 'pkts/s/core Janus'];
  const body = ours.flatMap((o) => {
    const j = ref.find((r) => r.n === o.n);
    const m = marginalUs(ours, o) / marginalUs(ref, j ?? o);
    return j ? [[String(o.n), fmt(o.usPerPkt / j.usPerPkt, 2), fmt(m, 2), fmt(o.pktsPerCore, 0), fmt(j.pktsPerCore, 0)]] : [];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padStart(widths[i]!)).join(' | ') + ' |';
  return [
    '### Hudong vs Janus (below 1 = Hudong spends less CPU per packet)',
    line(head),
    '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|',
    ...body.map(line),
  ].join('\n');
}
