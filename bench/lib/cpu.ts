// CPU time of one process (all its threads), from /proc/PID/stat: utime + stime in clock ticks.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let hz = 100;
try {
  hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  /* USER_HZ is 100 on Linux */
}

/** Seconds of CPU the process has used so far (user + system, all threads). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from #3 (state) on
  return (Number(f[11]) + Number(f[12])) / hz; // #14 utime, #15 stime
}

/** Starts a measurement; the returned function gives CPU used since then, as a fraction of one core. */
export function cpuMeter(pid: number): () => { cpuSec: number; wallSec: number; fraction: number } {
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  return () => {
    const cpuSec = cpuSeconds(pid) - c0;
    const wallSec = (performance.now() - t0) / 1000;
    return { cpuSec, wallSec, fraction: cpuSec / wallSec };
  };
}
