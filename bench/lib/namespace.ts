// What the media benches share before they start: the loopback-only namespace check and a log with
// the seconds since start.
import { networkInterfaces } from 'node:os';

/** Exits (2) unless we run inside ../shared/tools/netns-run, where libwebrtc gathers 127.0.0.2. */
export function requireNamespace(script: string): void {
  const inside = Object.values(networkInterfaces())
    .flat()
    .some((a) => a?.address === '127.0.0.2' && !a.internal);
  if (inside) return;
  console.error(`No non-loopback interface with 127.0.0.2: run inside the namespace, e.g.\n  ../shared/tools/netns-run node --import tsx ${script}`);
  process.exit(2);
}

/** console.error prefixed with the seconds since the bench started. */
export function elapsedLog(): (...args: unknown[]) => void {
  const t0 = Date.now();
  return (...args) => console.error(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s]`, ...args);
}

/** Resolves after `s` seconds. */
export const sleepSeconds = (s: number) => new Promise((r) => setTimeout(r, s * 1000));
