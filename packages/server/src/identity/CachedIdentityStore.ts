import type { IdentityStore } from './IdentityStore.js';

/**
 * A store with the pairs it has seen kept in memory (at most `capacity`, the least recently used
 * leave first) for the lookups: a pair never changes once given, so a hit is always right, and a
 * client asking for the same ids again costs no store round trip (no blocking SQLite query, no Redis
 * command). `resolve` (login) always asks the store, so that a locked or broken store shows at login.
 * Unknown ids are not kept: they may be allocated any time.
 */
export class CachedIdentityStore implements IdentityStore {
  readonly #store: IdentityStore;
  readonly #capacity: number;
  /** identifier → tinyId, in order of last use (Map keeps insertion order). */
  readonly #tinyIds = new Map<string, string>();
  readonly #identifiers = new Map<string, string>();

  constructor(store: IdentityStore, capacity: number) {
    this.#store = store;
    this.#capacity = capacity;
  }

  async resolve(identifier: string): Promise<string> {
    const tinyId = await this.#store.resolve(identifier);
    this.#remember(identifier, tinyId);
    return tinyId;
  }

  async toTinyIds(identifiers: readonly string[]): Promise<(string | null)[]> {
    const known = await this.#lookUp(
      identifiers,
      (id) => this.#tinyIds.get(id),
      (ids) => this.#store.toTinyIds(ids),
    );
    // Remembered again, hits too: they become the most recently used.
    for (const [identifier, tinyId] of known) this.#remember(identifier, tinyId);
    return identifiers.map((id) => known.get(id) ?? null);
  }

  async toIdentifiers(tinyIds: readonly string[]): Promise<(string | null)[]> {
    const known = await this.#lookUp(
      tinyIds,
      (t) => this.#identifiers.get(t),
      (ts) => this.#store.toIdentifiers(ts),
    );
    for (const [tinyId, identifier] of known) this.#remember(identifier, tinyId);
    return tinyIds.map((t) => known.get(t) ?? null);
  }

  close(): Promise<void> {
    return this.#store.close();
  }

  /** What the cache knows of `keys`, and what the store answers for the rest (each asked once); unknown keys are left out. */
  async #lookUp(
    keys: readonly string[],
    cached: (key: string) => string | undefined,
    ask: (keys: string[]) => Promise<(string | null)[]>,
  ): Promise<Map<string, string>> {
    const known = new Map<string, string>();
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      const value = cached(key);
      if (value !== undefined) known.set(key, value);
      else missing.push(key);
    }
    if (missing.length === 0) return known;
    const found = await ask(missing);
    for (const [i, key] of missing.entries()) {
      const value = found[i];
      if (value != null) known.set(key, value);
    }
    return known;
  }

  /** Adds the pair, or marks it as the most recently used; drops the least recently used over capacity. */
  #remember(identifier: string, tinyId: string): void {
    this.#tinyIds.delete(identifier);
    this.#tinyIds.set(identifier, tinyId);
    this.#identifiers.set(tinyId, identifier);
    if (this.#tinyIds.size <= this.#capacity) return;
    const [oldest, itsTinyId] = this.#tinyIds.entries().next().value as [string, string];
    this.#tinyIds.delete(oldest);
    this.#identifiers.delete(itsTinyId);
  }
}
