/** Event map: event name → listener argument tuple. */
export type EventMap<E> = { [K in keyof E]: unknown[] };

type Listener<A extends unknown[]> = (...args: A) => void;

/**
 * A typed emitter whose listeners cannot break the emitter: a throwing listener is reported and
 * the remaining listeners still run (mediasoup's safeEmit). Every emitter declares its events once,
 * as the type parameter.
 */
export class SafeEmitter<E extends EventMap<E>> {
  #listeners = new Map<keyof E, Set<Listener<never>>>();

  on<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return this;
  }

  off<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    this.#listeners.get(event)?.delete(listener as Listener<never>);
    return this;
  }

  protected safeEmit<K extends keyof E>(event: K, ...args: E[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<E[K]>)(...args);
      } catch (err) {
        // Listeners are our own wiring; a throw is a bug to surface, not a reason to stop the others.
        process.emitWarning(`listener of "${String(event)}" threw: ${(err as Error)?.stack ?? String(err)}`, 'HudongListenerError');
      }
    }
  }
}
