/**
 * The nodes a client may use (API.md section 5: `serverUrl` may be a list). The client stays on the
 * node that works — reconnecting there first keeps a resumable session — and moves on to the next,
 * in the given order and round again, each time an attempt on the current one fails.
 */
export class ServerList {
  readonly #urls: readonly string[];
  #index = 0;

  constructor(urls: readonly string[]) {
    if (urls.length === 0) throw new RangeError('a server list needs at least one URL');
    this.#urls = [...urls];
  }

  get size(): number {
    return this.#urls.length;
  }

  /** Where the next attempt goes. */
  get current(): string {
    return this.#urls[this.#index]!;
  }

  /** An attempt on `current` failed: the next attempt goes to the next URL. */
  failed(): void {
    this.#index = (this.#index + 1) % this.#urls.length;
  }
}
