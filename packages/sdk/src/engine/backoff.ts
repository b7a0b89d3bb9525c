/** Reconnect delays: 200 ms doubling to a 2 s ceiling (first attempt is immediate). */
export const BACKOFF_INITIAL_MS = 200;
export const BACKOFF_MAX_MS = 2000;

export function nextBackoff(previousMs: number): number {
  return Math.min(previousMs * 2, BACKOFF_MAX_MS);
}
