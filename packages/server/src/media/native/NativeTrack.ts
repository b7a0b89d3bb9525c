import type { TrackTransport, TransportListener } from '../MediaEngine.js';
import type { NativePeerTransport } from './addon.js';

const IGNORE: TransportListener = { onPacket() {}, onState() {} };

/**
 * One m-section of a native connection: a slot of a receive connection (open once the connection
 * is up and an answer has accepted it: before, its packets would reach a client that has not
 * negotiated its SSRC), or a published source of a send connection (open with the connection).
 */
export class NativeTrack implements TrackTransport {
  readonly mid: string;
  readonly #native: NativePeerTransport;
  #listener: TransportListener = IGNORE;
  #open = false;

  constructor(mid: string, native: NativePeerTransport) {
    this.mid = mid;
    this.#native = native;
  }

  get open(): boolean {
    return this.#open;
  }

  get listener(): TransportListener {
    return this.#listener;
  }

  setListener(listener: TransportListener): void {
    this.#listener = listener;
  }

  send(buf: Buffer): boolean {
    return this.#open && this.#native.send(buf);
  }

  /** Packets may go out now: the listener hears `connected` once. */
  markOpen(): void {
    if (this.#open) return;
    this.#open = true;
    this.#listener.onState('connected');
  }

  markClosed(): void {
    this.#open = false;
  }

  close(): void {
    this.#listener = IGNORE;
  }
}
