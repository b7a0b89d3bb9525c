import type { IdentityStore } from './IdentityStore.js';
import { allocateTinyId } from './tinyId.js';

/** Identities for this process's lifetime only: what a server without `dataDir` uses. */
export class MemoryIdentityStore implements IdentityStore {
  readonly #sdkAppId: number;
  readonly #tinyIds = new Map<string, string>();
  readonly #identifiers = new Map<string, string>();

  constructor(sdkAppId: number) {
    this.#sdkAppId = sdkAppId;
  }

  async resolve(identifier: string): Promise<string> {
    const known = this.#tinyIds.get(identifier);
    if (known !== undefined) return known;
    const tinyId = allocateTinyId(this.#sdkAppId, identifier, (t) => this.#identifiers.get(t));
    this.#tinyIds.set(identifier, tinyId);
    this.#identifiers.set(tinyId, identifier);
    return tinyId;
  }

  async toTinyIds(identifiers: readonly string[]): Promise<(string | null)[]> {
    return identifiers.map((id) => this.#tinyIds.get(id) ?? null);
  }

  async toIdentifiers(tinyIds: readonly string[]): Promise<(string | null)[]> {
    return tinyIds.map((t) => this.#identifiers.get(t) ?? null);
  }

  async close(): Promise<void> {
    // Nothing held outside the maps.
  }
}
