import type { TrackTransport, TransportListener } from '../MediaEngine.js';
import type { NativeDownlinkTransport } from './addon.js';

const IGNORE: TransportListener = { onPacket() {}, onState() {} };

/**
 * One m-section of a native receive connection. It is open once the connection is up and an
 * answer has accepted the m-section; before, its packets would reach a client that has not
 * negotiated its SSRC.
 */
export class NativeSlot implements TrackTransport {
  readonly mid: string;
  readonly ssrc: number;
  readonly #native: NativeDownlinkTransport;
  #listener: TransportListener = IGNORE;
  #open = false;

  constructor(mid: string, ssrc: number, native: NativeDownlinkTransport) {
    this.mid = mid;
    this.ssrc = ssrc;
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

  /** The connection is up and the m-section answered: the listener hears `connected` once. */
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
