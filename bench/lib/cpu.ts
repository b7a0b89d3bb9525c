// CPU time of one process (all its threads, or split by thread), from /proc: utime + stime in clock ticks.
import { readFileSync, readdirSync } from 'node:fs';
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

/**
 * Seconds of CPU the process's threads have run so far, to the nanosecond (the scheduler's run time of
 * each, /proc/PID/task/TID/schedstat) where cpuSeconds() counts 10 ms ticks: for windows of a few
 * milliseconds. A thread that ended takes its time with it, so a window must not outlive threads.
 */
export function preciseCpuSeconds(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      /* the thread ended while we read it */
    }
  }
  return ns / 1e9;
}

/**
 * Starts a measurement; the returned function gives CPU used since then, as a fraction of one core.
 * `read` is cpuSeconds (all CPU ever used, in ticks) or preciseCpuSeconds.
 */
export function cpuMeter(pid: number, read: (pid: number) => number = cpuSeconds): () => { cpuSec: number; wallSec: number; fraction: number } {
  const c0 = read(pid);
  const t0 = performance.now();
  return () => {
    const cpuSec = read(pid) - c0;
    const wallSec = (performance.now() - t0) / 1000;
    return { cpuSec, wallSec, fraction: cpuSec / wallSec };
  };
}

/** CPU seconds and context switches (voluntary + involuntary) of one thread, by its name. */
interface ThreadSample {
  name: string;
  cpuSec: number;
  switches: number;
}

/** Every thread of `pid` now; the main thread (tid = pid) is named `main`, others by their comm (`juice poll`, `RTC worker` …). */
function threadSamples(pid: number): Map<number, ThreadSample> {
  const out = new Map<number, ThreadSample>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out; // the process is gone
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = Number(tid) === pid ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const switches =
        Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0) + Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      out.set(Number(tid), { name, cpuSec: (Number(f[11]) + Number(f[12])) / hz, switches });
    } catch {
      /* the thread ended while we read it */
    }
  }
  return out;
}

/** CPU of a process split by thread name over a window, and its context switches. */
export interface ThreadCpu {
  /** Thread name → fraction of one core over the window (threads of one name summed). */
  byThread: Record<string, number>;
  /** Context switches per second, all threads. */
  switchesPerSec: number;
}

/**
 * Starts a per-thread measurement of `pid` (where its CPU goes: the main thread, libjuice's poll
 * thread, libdatachannel's workers …); the returned function gives the split since then. Threads
 * that started during the window count from zero.
 */
export function threadCpuMeter(pid: number): () => ThreadCpu {
  const before = threadSamples(pid);
  const t0 = performance.now();
  return () => {
    const after = threadSamples(pid);
    const wallSec = (performance.now() - t0) / 1000;
    const byThread: Record<string, number> = {};
    let switches = 0;
    for (const [tid, s] of after) {
      const b = before.get(tid);
      byThread[s.name] = (byThread[s.name] ?? 0) + (s.cpuSec - (b?.cpuSec ?? 0)) / wallSec;
      switches += s.switches - (b?.switches ?? 0);
    }
    return { byThread, switchesPerSec: switches / wallSec };
  };
}
