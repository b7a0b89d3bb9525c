// Memory and descriptors of one process, from /proc: what a server holds per member or per view.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export interface Footprint {
  /** Resident set size, MiB. */
  rssMiB: number;
  /** Open file descriptors. */
  fds: number;
  /** Of those, sockets (UDP for media, TCP for signalling, plus the event loop's own). */
  sockets: number;
}

export function footprint(pid: number): Footprint {
  const rssKiB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  let fds = 0;
  let sockets = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    fds++;
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      /* closed while we looked */
    }
  }
  return { rssMiB: rssKiB / 1024, fds, sockets };
}
