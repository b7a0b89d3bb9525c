/**
 * A small typed event emitter that runs in browsers and Node alike (no `node:events`).
 * One map per emitter declares every event and its arguments, e.g.
 * `type RoomEvents = { message: [from: string, data: string] }`.
 *
 * Emission is safe: a listener that throws is reported through `onListenerError` and the remaining
 * listeners still run, so an application bug can never leave an SDK state machine half-updated.
 */
export type EventMap<E> = { [K in keyof E]: unknown[] };
export type Listener<A extends unknown[]> = (...args: A) => void;

/** Stored untyped: the public methods keep the per-event typing. */
type AnyListener = (...args: unknown[]) => void;
interface Entry {
  fn: AnyListener;
  once: boolean;
}

export class TypedEmitter<E extends EventMap<E>> {
  #listeners = new Map<keyof E, Entry[]>();
  #onListenerError: (error: unknown, event: string) => void;

  /** @param onListenerError told about listeners that throw; by default they are ignored. */
  constructor(onListenerError?: (error: unknown, event: string) => void) {
    this.#onListenerError = onListenerError ?? (() => {});
  }

  /** Calls `listener` every time `event` is emitted. */
  on<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    this.#add(event, listener as AnyListener, false);
    return this;
  }

  /** Calls `listener` the next time `event` is emitted, then forgets it. */
  once<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    this.#add(event, listener as AnyListener, true);
    return this;
  }

  /** Removes `listener` (added with `on` or `once`) from `event`. */
  off<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    const list = this.#listeners.get(event);
    if (!list) return this;
    const i = list.findIndex((e) => e.fn === (listener as AnyListener));
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#listeners.delete(event);
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount<K extends keyof E>(event: K): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  /** Removes every listener of `event`, or of all events. */
  removeAllListeners<K extends keyof E>(event?: K): this {
    if (event === undefined) this.#listeners.clear();
    else this.#listeners.delete(event);
    return this;
  }

  /** Emits safely; returns whether anyone listened. */
  protected emit<K extends keyof E>(event: K, ...args: E[K]): boolean {
    const list = this.#listeners.get(event);
    if (!list || list.length === 0) return false;
    // A copy: listeners may add or remove listeners while we iterate.
    const snapshot = list.slice();
    if (snapshot.some((e) => e.once)) {
      const rest = list.filter((e) => !e.once);
      if (rest.length > 0) this.#listeners.set(event, rest);
      else this.#listeners.delete(event);
    }
    for (const entry of snapshot) {
      try {
        entry.fn(...args);
      } catch (err) {
        try {
          this.#onListenerError(err, String(event));
        } catch {
          /* the error reporter itself must not break emission either */
        }
      }
    }
    return true;
  }

  #add(event: keyof E, fn: AnyListener, once: boolean): void {
    if (typeof fn !== 'function') throw new TypeError('listener must be a function');
    const list = this.#listeners.get(event) ?? [];
    list.push({ fn, once });
    this.#listeners.set(event, list);
  }
}
