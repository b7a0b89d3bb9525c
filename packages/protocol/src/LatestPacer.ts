/**
 * Hands on the latest of a changing value at most once per `intervalMs`, skipping a value equal to
 * the last one handed on. The pacing of `room.memberCount` (API.md: `memberCountChanged` at most
 * once a second): the server sends the count with it, the SDK emits the event with it, so a burst of
 * joins costs one event per interval however large the room.
 */
export class LatestPacer<T> {
  readonly #intervalMs: () => number;
  readonly #deliver: (value: T) => void;
  readonly #soon: (run: () => void) => void;
  readonly #now: () => number;
  #latest: T | undefined;
  #delivered: T | undefined;
  #lastAt = -Infinity;
  #pending = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  /**
   * `soon`: how a value goes out when the last one is older than the interval — at once (the
   * default), or deferred (the server lets the event-loop round finish, so a same-round burst is one
   * value). `now`: the clock, in milliseconds. A function `intervalMs` is asked each time a value
   * waits (the server stretches the interval in very large rooms).
   */
  constructor(
    intervalMs: number | (() => number),
    deliver: (value: T) => void,
    options: { soon?: (run: () => void) => void; now?: () => number } = {},
  ) {
    this.#intervalMs = typeof intervalMs === 'number' ? () => intervalMs : intervalMs;
    this.#deliver = deliver;
    this.#soon = options.soon ?? ((run) => run());
    this.#now = options.now ?? (() => performance.now());
  }

  /** Records `value` as the latest; it goes out when the interval allows. */
  set(value: T): void {
    if (this.#closed) return;
    this.#latest = value;
    if (this.#pending) return;
    this.#pending = true;
    const wait = this.#lastAt + this.#intervalMs() - this.#now();
    if (wait <= 0) this.#soon(() => this.#fire());
    else this.#timer = setTimeout(() => this.#fire(), wait);
  }

  /** Takes `value` as already known to the receiver (a snapshot told it), without handing it on. */
  known(value: T): void {
    this.#delivered = value;
  }

  /** Drops what is pending; nothing is handed on any more. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #fire(): void {
    this.#pending = false;
    this.#timer = undefined;
    if (this.#closed || this.#latest === this.#delivered) return;
    this.#lastAt = this.#now();
    this.#delivered = this.#latest;
    this.#deliver(this.#latest as T);
  }
}
