/**
 * The one boundary between what calls into the media plane on its own — a native callback of
 * node-datachannel, a timer, an immediate, a promise nobody awaits — and the unit of media work it
 * runs for (a publication, a view, a connection, a track). Nothing above it catches: a throw there
 * ends the process (native callbacks) or reaches `uncaughtException`, so it goes to `fail`, which
 * ends that unit alone with its code. Should `fail` throw too, the first error is left as a process
 * warning: nothing passes this boundary.
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

/** `guarded` for async work started without an awaiting caller: a rejection goes to `fail`. */
export function guardedAsync(work: Promise<unknown>, fail: (err: unknown) => void): void {
  work.catch((err: unknown) => failSafely(fail, err));
}

function failSafely(fail: (err: unknown) => void, err: unknown): void {
  try {
    fail(err);
  } catch (failed) {
    process.emitWarning(`media failure handling failed (${String(failed)}) after: ${(err as Error)?.stack ?? String(err)}`, 'HudongTransportError');
  }
}

/** The warning every failed native callback leaves (tests and operators look for it). */
export function warnCallbackFailed(id: string, during: string, err: unknown): void {
  process.emitWarning(`media transport ${id} failed during ${during}: ${(err as Error)?.stack ?? String(err)}`, 'HudongTransportError');
}
