import { ServerError } from '../errors.js';

/**
 * A store exception as the client sees it: still locked after the busy timeout → 10004 STORE_BUSY,
 * anything else (corrupt file, disk full, file removed) → 10001 STORE_FAILED. Both keep the
 * SQLite code and message so that the operator can act on the log line.
 */
export function storeError(err: unknown, timeoutMs: number): ServerError {
  if (err instanceof ServerError) return err;
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'ERROR';
  const message = err instanceof Error ? err.message : String(err);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new ServerError('STORE_BUSY', `identity store stayed locked for more than ${timeoutMs} ms (${code}: ${message})`);
  }
  return new ServerError('STORE_FAILED', `identity store failed (${code}: ${message})`);
}
