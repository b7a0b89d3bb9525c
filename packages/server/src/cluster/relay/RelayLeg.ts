import { Slot, type SlotHost, type SlotOccupant } from '../../media/Downlink.js';
import type { MediaKind, SdpCodec } from '../../media/sdp.js';
import type { RelayTrack } from './RelayTrack.js';

/**
 * The publisher's end of a relay leg: the one slot its view (a Subscription of the publication, as
 * any viewer's) sends on. The other node receives one stream per leg, however many of its members
 * watch it, and its RTCP (keyframe requests, NACKs) comes back to that view as a viewer's would.
 */
export class RelayLeg implements SlotHost {
  #slot: Slot | undefined;

  constructor(
    readonly track: RelayTrack,
    /** The SSRC the leg's stream is sent with. */
    readonly ssrc: number,
  ) {}

  place(occupant: SlotOccupant, kind: MediaKind, codec: SdpCodec): Slot {
    if (this.#slot) throw new Error(`relay leg ${this.track.legId} carries one view`);
    const slot = new Slot(this.track, kind, codec, this.ssrc);
    slot.occupant = occupant;
    this.track.setListener(occupant);
    this.#slot = slot;
    return slot;
  }

  release(slot: Slot, occupant: SlotOccupant): void {
    slot.release(occupant);
  }
}
