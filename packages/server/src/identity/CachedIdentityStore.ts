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
    const answers = identifiers.map((id) => this.#tinyIdOf(id));
    const missing = [...new Set(identifiers.filter((_, i) => answers[i] === undefined))];
    if (missing.length > 0) {
      const found = await this.#store.toTinyIds(missing);
      missing.forEach((id, i) => found[i] != null && this.#remember(id, found[i]));
    }
    return identifiers.map((id, i) => answers[i] ?? this.#tinyIds.get(id) ?? null);
  }

  async toIdentifiers(tinyIds: readonly string[]): Promise<(string | null)[]> {
    const answers = tinyIds.map((t) => this.#identifierOf(t));
    const missing = [...new Set(tinyIds.filter((_, i) => answers[i] === undefined))];
    if (missing.length > 0) {
      const found = await this.#store.toIdentifiers(missing);
      missing.forEach((t, i) => found[i] != null && this.#remember(found[i], t));
    }
    return tinyIds.map((t, i) => answers[i] ?? this.#identifiers.get(t) ?? null);
  }

  close(): Promise<void> {
    return this.#store.close();
  }

  #tinyIdOf(identifier: string): string | undefined {
    const tinyId = this.#tinyIds.get(identifier);
    if (tinyId !== undefined) this.#remember(identifier, tinyId);
    return tinyId;
  }

  #identifierOf(tinyId: string): string | undefined {
    const identifier = this.#identifiers.get(tinyId);
    if (identifier !== undefined) this.#remember(identifier, tinyId);
    return identifier;
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
