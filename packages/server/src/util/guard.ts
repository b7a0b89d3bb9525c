/**
 * The one boundary between what calls into the server on its own — a native callback of
 * node-datachannel, a timer, an immediate, a promise nobody awaits — and the unit of work it runs for
 * (a publication, a view, a connection, a session, a room, an invite). Nothing above it catches: a
 * throw there ends the process (native callbacks) or reaches `uncaughtException`, so it goes to
 * `fail`, which ends (or at least logs) that unit alone. Should `fail` throw too, the first error is
 * left as a process warning: nothing passes this boundary.
 */
export function guarded<A extends unknown[]>(fn: (...args: A) => void, fail: (err: unknown) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (err) {
      failSafely(fail, err);
    }
  };
}

/**
 * `guarded` for a timer's or an immediate's callback whose unit has no logger of its own (a session's
 * grace, an invite's expiry, a room's paced count): a failure is left as a process warning naming
 * `what` (stderr, with the stack), and the process carries on.
 */
export function contained(what: string, fn: () => void): () => void {
  return guarded(fn, (err) => warnFailed(what, err));
}

/** The process warning of a contained failure (stderr, with the stack). */
export function warnFailed(what: string, err: unknown): void {
  process.emitWarning(`${what} failed: ${(err as Error)?.stack ?? String(err)}`, 'HudongFailure');
}

/** `guarded` for async work started without an awaiting caller: a rejection goes to `fail`. */
export function guardedAsync(work: Promise<unknown>, fail: (err: unknown) => void): void {
  work.catch((err: unknown) => failSafely(fail, err));
}

function failSafely(fail: (err: unknown) => void, err: unknown): void {
  try {
    fail(err);
  } catch (failed) {
    process.emitWarning(`failure handling failed (${String(failed)}) after: ${(err as Error)?.stack ?? String(err)}`, 'HudongFailure');
  }
}
