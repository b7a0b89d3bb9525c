import { ServerError } from '../errors.js';

/**
 * What a throw inside a publication's or a view's own work (a timer, a packet callback) becomes:
 * the 10001 INTERNAL error that ends that publication or view alone, naming what failed. The
 * process and every other publication go on.
 */
export function internalFailure(owner: 'publication' | 'view', what: string, err: unknown): ServerError {
  return new ServerError('INTERNAL', `the ${owner}'s ${what} failed: ${err instanceof Error ? err.message : String(err)}`);
}
