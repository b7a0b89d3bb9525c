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

/**
 * A Redis command's failure as the client sees it (the cluster's identity store and sessions): no
 * answer within the command timeout → 10004 STORE_BUSY; unreachable or refused → 10001 STORE_FAILED.
 */
export function redisStoreError(err: unknown, timeoutMs: number): ServerError {
  if (err instanceof ServerError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (message === 'Command timed out') return new ServerError('STORE_BUSY', `Redis did not answer within ${timeoutMs} ms`);
  // ioredis' words for "not connected" (its offline queue is off), which say little to an operator.
  if (message.includes('enableOfflineQueue')) return new ServerError('STORE_FAILED', 'Redis is unreachable (reconnecting)');
  if (message === 'Connection is closed.') return new ServerError('STORE_FAILED', 'the connection to Redis dropped before it answered');
  return new ServerError('STORE_FAILED', `Redis failed (${message})`);
}
