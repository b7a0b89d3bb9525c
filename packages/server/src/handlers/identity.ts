import type { Handler } from './types.js';

export const toTinyIds: Handler<'identity.toTinyIds'> = async ({ services }, { identifiers }) => ({
  tinyIds: await services.store.toTinyIds(identifiers),
});

export const toIdentifiers: Handler<'identity.toIdentifiers'> = async ({ services }, { tinyIds }) => ({
  identifiers: await services.store.toIdentifiers(tinyIds),
});
