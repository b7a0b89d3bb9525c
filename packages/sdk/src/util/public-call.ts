import type { AVError, Lang } from '@hudong/protocol';
import { errorFields, toAVError } from './errors.js';
import type { Logger } from './logger.js';
import { assertMainThread } from './main-thread.js';

/**
 * The frame of every public async method: 1007 off the main thread, any failure as an AVError
 * (never a bare Error), and one warn line `{op, code, codeName, detail}` 'operation failed'.
 */
export function publicCall<T>(op: string, env: { lang: Lang; log: Logger }, fn: () => Promise<T>): Promise<T> {
  let work: Promise<T>;
  try {
    assertMainThread(op, env.lang);
    work = fn();
  } catch (err) {
    work = Promise.reject(err);
  }
  return work.catch((err: unknown) => {
    const e: AVError = toAVError(err, env.lang);
    env.log.warn({ op, ...errorFields(e) }, 'operation failed');
    throw e;
  });
}
