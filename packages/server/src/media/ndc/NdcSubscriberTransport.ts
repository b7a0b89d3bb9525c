import ndc from 'node-datachannel';
import type { PeerConnection } from 'node-datachannel';
import type { SlotInit, SubscriberTransport, TrackTransport, TransportState } from '../MediaEngine.js';
import { SdpError } from '../sdp.js';
import { describeWhenGathered } from './gathered.js';
import { guarded, warnCallbackFailed } from './native-callback.js';
import { NdcTrack } from './NdcTrack.js';

/** A member's receive connection on node-datachannel: the server offers, slots are sendonly tracks. */
export class NdcSubscriberTransport implements SubscriberTransport {
  readonly id: string;
  readonly #pc: PeerConnection;
  readonly #slots: NdcTrack[] = [];
  #stateListener: (state: TransportState) => void = () => {};
  #offered = false;
  #closed = false;

  constructor(pc: PeerConnection, id: string) {
    this.#pc = pc;
    this.id = id;
    pc.onStateChange(
      guarded(
        (state: string) => {
          if (this.#closed) return;
          if (state === 'connected' || state === 'failed' || state === 'closed') this.#stateListener(state);
        },
        (err) => {
          warnCallbackFailed(id, 'a state change', err);
          this.close();
        },
      ),
    );
  }

  addSlot(init: SlotInit): TrackTransport {
    const mid = String(this.#slots.length);
    const media = init.kind === 'video' ? new ndc.Video(mid, 'SendOnly') : new ndc.Audio(mid, 'SendOnly');
    const { codec } = init;
    const name = codec.name.toUpperCase();
    if (media instanceof ndc.Video) {
      if (name === 'VP8') media.addVP8Codec(codec.pt);
      else if (name === 'H264') media.addH264Codec(codec.pt, codec.fmtp || undefined);
      else media.addVideoCodec(codec.pt, codec.name, codec.fmtp || undefined);
    } else {
      media.addOpusCodec(codec.pt, codec.fmtp || undefined);
    }
    media.addSSRC(init.ssrc, init.cname, init.cname, `${init.cname}-${mid}`);
    const slot = new NdcTrack(this.id, mid, this.#pc.addTrack(media));
    this.#slots.push(slot);
    return slot;
  }

  async createOffer(): Promise<string> {
    if (!this.#offered) {
      this.#offered = true;
      return describeWhenGathered(this.#pc, () => this.#pc.setLocalDescription());
    }
    try {
      // Candidates were gathered for the first offer; a later one is ready at once and carries them.
      this.#pc.setLocalDescription();
      const description = this.#pc.localDescription();
      if (!description) throw new Error('no local description after renegotiating');
      return description.sdp;
    } catch (err) {
      throw new SdpError(err instanceof Error ? err.message : String(err));
    }
  }

  setAnswer(sdp: string): void {
    try {
      this.#pc.setRemoteDescription(sdp, 'answer');
    } catch (err) {
      throw new SdpError(err instanceof Error ? err.message : String(err));
    }
  }

  onState(listener: (state: TransportState) => void): void {
    this.#stateListener = listener;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stateListener = () => {};
    for (const slot of this.#slots) slot.close();
    try {
      this.#pc.close();
    } catch {
      // Already torn down natively.
    }
  }
}
