import { ServerError } from '../errors.js';

/**
 * What a throw inside a publication's, a view's or a receive connection's own work (a timer, a
 * packet callback, an offer) becomes: the 10001 INTERNAL error that ends that unit alone, naming
 * what failed (guard.ts brings the throw here). The process and every other unit go on.
 */
export function internalFailure(owner: 'publication' | 'view' | 'receive connection', what: string, err: unknown): ServerError {
  return new ServerError('INTERNAL', `the ${owner}'s ${what} failed: ${err instanceof Error ? err.message : String(err)}`);
}
