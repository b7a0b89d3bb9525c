// The UDP sockets a server process holds, read from /proc (Linux).
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** The local ports of the UDP sockets `pid` holds: its socket descriptors whose inode is in its namespace's UDP tables. */
export function udpPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      /* closed while we looked */
    }
  }
  const ports: number[] = [];
  for (const table of ['udp', 'udp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/); // sl local_address(hex ip:port) rem_address st … inode(10th)
      if (fields[9] && inodes.has(fields[9])) ports.push(parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}
export const udpSockets = (pid: number) => udpPorts(pid).length;
