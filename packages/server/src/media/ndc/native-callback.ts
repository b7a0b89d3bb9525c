/**
 * A callback handed to node-datachannel: a throw inside it reaches no JavaScript caller and ends the
 * process, so it goes to `failed` instead (which must not throw either).
 */
export function guarded<A extends unknown[]>(fn: (...args: A) => void, failed: (err: unknown) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (err) {
      failed(err);
    }
  };
}

/** The warning every failed native callback leaves (tests and operators look for it). */
export function warnCallbackFailed(id: string, during: string, err: unknown): void {
  process.emitWarning(`media transport ${id} failed during ${during}: ${(err as Error)?.stack ?? String(err)}`, 'HudongTransportError');
}
