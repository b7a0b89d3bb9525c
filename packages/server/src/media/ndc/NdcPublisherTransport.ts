import type { PeerConnection, Track } from 'node-datachannel';
import type { PublisherTransport, TrackTransport } from '../MediaEngine.js';
import { guarded } from '../../util/guard.js';
import { NdcConnection } from './NdcConnection.js';
import { NdcTrack } from './NdcTrack.js';

/**
 * A publisher's send connection on node-datachannel: the client offers, libdatachannel answers
 * (it answers a renegotiated offer on the spot, and reports new m-sections through `onTrack`).
 */
export class NdcPublisherTransport extends NdcConnection implements PublisherTransport {
  readonly #tracks = new Map<string, NdcTrack>();

  constructor(pc: PeerConnection, id: string) {
    super(pc, id);
    pc.onTrack(guarded((track: Track) => this.track(track.mid()).attach(track), this.failure('a new track')));
  }

  negotiate(offer: string): Promise<string> {
    return this.describe('answer', () => this.pc.setRemoteDescription(offer, 'offer'));
  }

  track(mid: string): TrackTransport & NdcTrack {
    let track = this.#tracks.get(mid);
    if (!track) {
      track = new NdcTrack(this.id, mid);
      this.#tracks.set(mid, track);
    }
    return track;
  }

  protected tracks(): Iterable<NdcTrack> {
    return this.#tracks.values();
  }
}
