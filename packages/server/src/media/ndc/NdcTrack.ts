import type { Track } from 'node-datachannel';
import type { TrackTransport, TransportListener } from '../MediaEngine.js';
import { guarded } from '../../util/guard.js';
import { warnCallbackFailed } from './callback-warning.js';

const IGNORE: TransportListener = { onPacket() {}, onState() {} };

/**
 * One m-section's track of a node-datachannel connection. Without a media handler the track
 * delivers RTP and RTCP raw, and `sendMessageBinary` sends either (RTCP even on a recvonly track).
 * A publisher's track exists before the native side reports it (`onTrack` comes after the answer):
 * it is attached then, and sends nothing before.
 *
 * Every callback from the native side is guarded: a throw there is not caught by anyone and ends
 * the process. Listeners guard their own work; should one throw anyway, or the native side refuse
 * the callbacks (its connection closed meanwhile), this track fails alone (`onState('failed')`).
 */
export class NdcTrack implements TrackTransport {
  readonly mid: string;
  /** The connection's id, for the warning when a callback throws. */
  readonly #connectionId: string;
  #track: Track | undefined;
  #listener: TransportListener = IGNORE;
  #open = false;
  #broken = false;

  constructor(connectionId: string, mid: string, track?: Track) {
    this.#connectionId = connectionId;
    this.mid = mid;
    if (track) this.attach(track);
  }

  get open(): boolean {
    return this.#open && !this.#broken;
  }

  /** The native track of this m-section (called once, from the native `onTrack` for a publisher). */
  attach(track: Track): void {
    if (this.#track || this.#broken) return;
    this.#track = track;
    const fail = (during: string) => (err: unknown) => this.#threw(during, err);
    try {
      track.onOpen(
        guarded(() => {
          this.#open = true;
          this.#listener.onState('connected');
        }, fail('opening')),
      );
      track.onClosed(() => (this.#open = false));
      track.onMessage(guarded((buf: Buffer) => this.#listener.onPacket(buf), fail('a packet')));
      // A track attached after its connection came up may be open already (onOpen then never fires).
      if (track.isOpen()) {
        this.#open = true;
        this.#listener.onState('connected');
      }
    } catch (err) {
      this.#threw('attaching the track', err);
    }
  }

  setListener(listener: TransportListener): void {
    if (!this.#broken) this.#listener = listener;
  }

  send(buf: Buffer): boolean {
    if (!this.#open || this.#broken) return false;
    try {
      return this.#track!.sendMessageBinary(buf);
    } catch {
      // The connection closed between the check and the send (native side): a lost packet.
      return false;
    }
  }

  close(): void {
    this.#listener = IGNORE;
  }

  #threw(during: string, err: unknown): void {
    if (this.#broken) return;
    this.#broken = true;
    warnCallbackFailed(`${this.#connectionId}/${this.mid}`, during, err);
    const listener = this.#listener;
    this.#listener = IGNORE;
    try {
      listener.onState('failed');
    } catch {
      // Failed twice; the warning above has the first error.
    }
  }
}
