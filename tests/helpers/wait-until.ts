// The one poll loop of the tests: browser pages, server logs, anything observable only by looking again.

import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `probe` until it returns a truthy value; throws `what` (plus the last value seen) after `timeoutMs`. */
export async function waitUntil<T>(what: string, probe: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const seen = lastError ? `; last error: ${String(lastError)}` : `; last value: ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen}`);
    }
    await sleep(intervalMs);
  }
}
