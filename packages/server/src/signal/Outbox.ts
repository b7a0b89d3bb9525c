import { FanOut } from './FanOut.js';

/** A text frame: a string, or its UTF-8 bytes (a broadcast's, encoded once for all recipients). */
export type Frame = string | Buffer;

/**
 * The event frames of one connection, held back and written in order when the `FanOut` gets to
 * them. A response is written at once, after the events queued before it, so each connection still
 * sees every frame in the order the server made them.
 *
 * Why: a request's fan-out costs one socket write per recipient (an ENTER to 99 members is 99
 * writes). Written inline, it sits between the request and its own answer, and between every other
 * request read in the same round and theirs; held here, the round's answers go out first and its
 * fan-out right after.
 */
export class Outbox {
  readonly #write: (frame: Frame) => void;
  readonly #fanOut: FanOut;
  #frames: Frame[] = [];
  #bytes = 0;

  /** `write` puts one frame on the socket; it must not throw (the fan-out runs outside any request). */
  constructor(write: (frame: Frame) => void, fanOut: FanOut = FanOut.shared) {
    this.#write = write;
    this.#fanOut = fanOut;
  }

  /** Frames waiting to be written. */
  get size(): number {
    return this.#frames.length;
  }

  /** UTF-8 bytes of the frames waiting: what this connection holds here (the socket's own buffer is `ws.bufferedAmount`). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Queues an event frame. */
  push(frame: Frame): void {
    this.#frames.push(frame);
    this.#bytes += typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length;
    if (this.#frames.length === 1) this.#fanOut.waiting(this);
  }

  /** Writes the queued frames now (the fan-out's turn, or before a response or a close). */
  flush(): void {
    if (this.#frames.length === 0) return;
    this.#fanOut.done(this);
    const frames = this.#frames;
    this.#frames = [];
    this.#bytes = 0;
    for (const frame of frames) this.#write(frame);
  }

  /** Forgets the queued frames: the socket is gone. */
  drop(): void {
    this.#fanOut.done(this);
    this.#frames = [];
    this.#bytes = 0;
  }
}
