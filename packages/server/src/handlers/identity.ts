import { ServerError } from '../errors.js';
import type { Handler, Services } from './types.js';

export const toTinyIds: Handler<'identity.toTinyIds'> = async ({ services }, { identifiers }) => ({
  tinyIds: await services.store.toTinyIds(withinBatchLimit(services, identifiers, 'identifiers')),
});

export const toIdentifiers: Handler<'identity.toIdentifiers'> = async ({ services }, { tinyIds }) => ({
  identifiers: await services.store.toIdentifiers(withinBatchLimit(services, tinyIds, 'tinyIds')),
});

/** A lookup is answered in one go: its size is what one request may cost the store (and, with SQLite, the event loop). */
function withinBatchLimit(services: Services, ids: readonly string[], what: string): readonly string[] {
  const { maxIdentityBatch } = services.config;
  if (ids.length > maxIdentityBatch) {
    throw new ServerError('IDENTITY_BATCH_LIMIT', `${ids.length} ${what} in one lookup, more than maxIdentityBatch (${maxIdentityBatch})`);
  }
  return ids;
}
