import type { PeerConnection, Track } from 'node-datachannel';
import type { TransportListener, TransportState } from '../MediaEngine.js';

const IGNORE: TransportListener = { onPacket() {}, onState() {} };

/**
 * One node-datachannel PeerConnection with one media track. Without a media handler the track
 * delivers RTP and RTCP raw, and `sendMessageBinary` sends either (RTCP even on a recvonly track).
 *
 * Every callback from the native side is guarded: a throw there is not caught by anyone and ends
 * the process. Listeners guard their own work (a publication or view ends with INTERNAL); should
 * one throw anyway, or the native calls here throw, this transport fails alone.
 */
export class NdcTransport {
  readonly #pc: PeerConnection;
  /** The publication's or view's id, for the warning when a callback throws. */
  readonly #id: string;
  #track: Track | undefined;
  #listener: TransportListener = IGNORE;
  #open = false;
  #closed = false;

  constructor(pc: PeerConnection, id: string) {
    this.#pc = pc;
    this.#id = id;
    pc.onStateChange((state) => {
      if (this.#closed) return;
      try {
        if (state === 'connected') this.#listener.onState('connected');
        else if (state === 'failed' || state === 'closed') this.#listener.onState(state);
      } catch (err) {
        this.#threw('a state change', err);
      }
    });
  }

  protected get pc(): PeerConnection {
    return this.#pc;
  }

  /** @internal Called from the engine, for a publisher from the native `onTrack` callback. */
  attach(track: Track): void {
    try {
      this.#track = track;
      track.onOpen(() => (this.#open = true));
      track.onClosed(() => (this.#open = false));
      track.onMessage((buf) => {
        try {
          this.#listener.onPacket(buf);
        } catch (err) {
          this.#threw('a packet', err);
        }
      });
    } catch (err) {
      // A track of a connection closed meanwhile: the native side refuses the callbacks.
      this.#threw('attaching the track', err);
    }
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

  /** Something threw inside a native callback: close, tell the listener the transport failed, never rethrow. */
  #threw(during: string, err: unknown): void {
    if (this.#closed) return;
    process.emitWarning(`media transport ${this.#id} failed during ${during}: ${(err as Error)?.stack ?? String(err)}`, 'HudongTransportError');
    const listener = this.#listener;
    this.close();
    try {
      listener.onState('failed');
    } catch {
      // The listener failed twice; the transport is closed and the warning above has the first error.
    }
  }

  get state(): TransportState {
    return this.#closed ? 'closed' : this.#open ? 'connected' : 'connecting';
  }
}
