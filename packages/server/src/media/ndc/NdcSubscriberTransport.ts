import ndc from 'node-datachannel';
import type { SlotInit, SubscriberTransport, TrackTransport } from '../MediaEngine.js';
import { SdpError, sanitizeFmtp } from '../sdp.js';
import { NdcConnection } from './NdcConnection.js';
import { NdcTrack } from './NdcTrack.js';

/** A member's receive connection on node-datachannel: the server offers, slots are sendonly tracks. */
export class NdcSubscriberTransport extends NdcConnection implements SubscriberTransport {
  readonly #slots: NdcTrack[] = [];

  addSlot(init: SlotInit): TrackTransport {
    const mid = String(this.#slots.length);
    const media = init.kind === 'video' ? new ndc.Video(mid, 'SendOnly') : new ndc.Audio(mid, 'SendOnly');
    const { codec } = init;
    const name = codec.name.toUpperCase();
    // node-datachannel takes a string or nothing (undefined throws "profile (String) expected").
    const fmtp = sanitizeFmtp(codec);
    if (media instanceof ndc.Video) {
      if (name === 'VP8') media.addVP8Codec(codec.pt);
      else if (name === 'H264' && fmtp) media.addH264Codec(codec.pt, fmtp);
      else if (name === 'H264') media.addH264Codec(codec.pt);
      else if (fmtp) media.addVideoCodec(codec.pt, codec.name, fmtp);
      else media.addVideoCodec(codec.pt, codec.name);
    } else {
      media.addOpusCodec(codec.pt, fmtp);
    }
    media.addSSRC(init.ssrc, init.cname, init.cname, `${init.cname}-${mid}`);
    const slot = new NdcTrack(this.id, mid, this.pc.addTrack(media));
    this.#slots.push(slot);
    return slot;
  }

  createOffer(): Promise<string> {
    return this.describe('offer', () => this.pc.setLocalDescription());
  }

  setAnswer(sdp: string): void {
    try {
      this.pc.setRemoteDescription(sdp, 'answer');
    } catch (err) {
      throw new SdpError(err instanceof Error ? err.message : String(err));
    }
  }

  protected tracks(): Iterable<NdcTrack> {
    return this.#slots;
  }
}
