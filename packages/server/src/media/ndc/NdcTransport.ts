import type { PeerConnection, Track } from 'node-datachannel';
import type { TransportListener, TransportState } from '../MediaEngine.js';

const IGNORE: TransportListener = { onPacket() {}, onState() {} };

/**
 * One node-datachannel PeerConnection with one media track. Without a media handler the track
 * delivers RTP and RTCP raw, and `sendMessageBinary` sends either (RTCP even on a recvonly track).
 */
export class NdcTransport {
  readonly #pc: PeerConnection;
  #track: Track | undefined;
  #listener: TransportListener = IGNORE;
  #open = false;
  #closed = false;

  constructor(pc: PeerConnection) {
    this.#pc = pc;
    pc.onStateChange((state) => {
      if (this.#closed) return;
      if (state === 'connected') this.#listener.onState('connected');
      else if (state === 'failed' || state === 'closed') this.#listener.onState(state);
    });
  }

  protected get pc(): PeerConnection {
    return this.#pc;
  }

  /** @internal */
  attach(track: Track): void {
    this.#track = track;
    track.onOpen(() => (this.#open = true));
    track.onClosed(() => (this.#open = false));
    track.onMessage((buf) => this.#listener.onPacket(buf));
  }

  setListener(listener: TransportListener): void {
    this.#listener = listener;
  }

  send(buf: Buffer): boolean {
    if (!this.#open || this.#closed) return false;
    try {
      return this.#track!.sendMessageBinary(buf);
    } catch {
      // The track closed between the check and the send (native side): a lost packet, not an error.
      return false;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#open = false;
    this.#listener = IGNORE;
    try {
      this.#pc.close();
    } catch {
      // Already torn down natively.
    }
  }

  get state(): TransportState {
    return this.#closed ? 'closed' : this.#open ? 'connected' : 'connecting';
  }
}
