/**
 * Waits for `promise`, but no longer than `ms`: resolves true when it settled in time, false when
 * the time ran out (a rejection in time rejects). The timer never outlives the wait.
 */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), outOfTime]);
  } finally {
    clearTimeout(timer);
  }
}
