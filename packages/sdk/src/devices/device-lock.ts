import { ErrorCode, type Lang } from '@hudong/protocol';
import { avError } from '../util/errors.js';

/**
 * A virtual device is held by one context at a time, across contexts and processes: a lock file
 * `hudong-<device>.lock` in the OS temp dir holds the holder's pid; a lock whose pid is dead is
 * stale and taken over. Node only (the modules load through variable specifiers for bundlers).
 */
type Fs = typeof import('node:fs');
type Os = typeof import('node:os');
type Path = typeof import('node:path');
const FS = 'node:fs';
const OS = 'node:os';
const PATH = 'node:path';

let mods: Promise<{ fs: Fs; os: Os; path: Path }> | null = null;
function nodeModules(): Promise<{ fs: Fs; os: Os; path: Path }> {
  mods ??= Promise.all([import(/* @vite-ignore */ FS), import(/* @vite-ignore */ OS), import(/* @vite-ignore */ PATH)]).then(([fs, os, path]) => ({
    fs: fs as Fs,
    os: os as Os,
    path: path as Path,
  }));
  return mods;
}

/** Devices this process holds, by name, with their lock file paths. */
const heldHere = new Map<string, string>();
let exitHookInstalled = false;

export function lockPath(path: Path, os: Os, device: string): string {
  return path.join(os.tmpdir(), `hudong-${device}.lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function busy(device: string, pid: number, lang: Lang) {
  return avError(ErrorCode.AV_ERR_RESOURCE_IS_OCCUPIED, 'DEVICE_BUSY', `${device} is held by pid ${pid}`, lang, { device, pid });
}

/** Takes `device`; resolves with its release function (idempotent). 1008 when another holder has it. */
export async function acquireDeviceLock(device: string, lang: Lang): Promise<() => void> {
  const { fs, os, path } = await nodeModules();
  if (heldHere.has(device)) throw busy(device, process.pid, lang);
  const file = lockPath(path, os, device);
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
    }
    let pid: number;
    try {
      pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    } catch {
      continue; // removed meanwhile: try again
    }
    // Our own pid with no holder here is a leftover (pids are reused); a dead pid is stale.
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw busy(device, pid, lang);
    try {
      fs.unlinkSync(file);
    } catch {
      /* someone else removed it */
    }
  }
  heldHere.set(device, file);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const f of heldHere.values()) releaseFile(fs, f);
    });
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (heldHere.get(device) === file) heldHere.delete(device);
    releaseFile(fs, file);
  };
}

function releaseFile(fs: Fs, file: string): void {
  try {
    if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
  } catch {
    /* gone already */
  }
}
