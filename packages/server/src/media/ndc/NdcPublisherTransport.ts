import type { PeerConnection, Track } from 'node-datachannel';
import type { PublisherTransport, TrackTransport, TransportState } from '../MediaEngine.js';
import { SdpError } from '../sdp.js';
import { describeWhenGathered } from './gathered.js';
import { guarded, warnCallbackFailed } from './native-callback.js';
import { NdcTrack } from './NdcTrack.js';

/**
 * A publisher's send connection on node-datachannel: the client offers, libdatachannel answers
 * (it answers a renegotiated offer on the spot, and reports new m-sections through `onTrack`).
 */
export class NdcPublisherTransport implements PublisherTransport {
  readonly id: string;
  readonly #pc: PeerConnection;
  readonly #tracks = new Map<string, NdcTrack>();
  #stateListener: (state: TransportState) => void = () => {};
  #negotiated = false;
  #closed = false;

  constructor(pc: PeerConnection, id: string) {
    this.#pc = pc;
    this.id = id;
    const fail = (during: string) => (err: unknown) => {
      warnCallbackFailed(id, during, err);
      this.#fail();
    };
    pc.onTrack(guarded((track: Track) => this.track(track.mid()).attach(track), fail('a new track')));
    pc.onStateChange(
      guarded((state: string) => {
        if (this.#closed) return;
        if (state === 'connected' || state === 'failed' || state === 'closed') this.#stateListener(state);
      }, fail('a state change')),
    );
  }

  async negotiate(offer: string): Promise<string> {
    if (!this.#negotiated) {
      this.#negotiated = true;
      return describeWhenGathered(this.#pc, () => this.#pc.setRemoteDescription(offer, 'offer'));
    }
    try {
      // Candidates were gathered for the first answer; libdatachannel answers a later offer at once.
      this.#pc.setRemoteDescription(offer, 'offer');
      const answer = this.#pc.localDescription();
      if (answer?.type !== 'answer') throw new Error('no answer after the renegotiated offer');
      return answer.sdp;
    } catch (err) {
      throw new SdpError(err instanceof Error ? err.message : String(err));
    }
  }

  track(mid: string): TrackTransport & NdcTrack {
    let track = this.#tracks.get(mid);
    if (!track) {
      track = new NdcTrack(this.id, mid);
      this.#tracks.set(mid, track);
    }
    return track;
  }

  onState(listener: (state: TransportState) => void): void {
    this.#stateListener = listener;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stateListener = () => {};
    for (const track of this.#tracks.values()) track.close();
    try {
      this.#pc.close();
    } catch {
      // Already torn down natively.
    }
  }

  /** A native callback threw: the connection fails as a whole (its listener tells the publications). */
  #fail(): void {
    const listener = this.#stateListener;
    this.close();
    try {
      listener('failed');
    } catch {
      // The listener failed too; the warning has the first error.
    }
  }
}
