import ndc from 'node-datachannel';
import type { RtcConfig } from 'node-datachannel';
import type { MediaEngine, PublisherTransport, SubscriberTransport, SubscriberTransportInit } from '../MediaEngine.js';
import { SdpError } from '../sdp.js';
import { describeWhenGathered } from './gathered.js';
import { NdcTransport } from './NdcTransport.js';

export interface NdcEngineOptions {
  portRange?: { min: number; max: number } | undefined;
  /** Bind to (and announce) this address only. */
  bindAddress?: string | undefined;
  /** One UDP socket for every transport of the process (libjuice mux mode) instead of one each. @default false */
  iceUdpMux?: boolean | undefined;
}

class NdcPublisherTransport extends NdcTransport implements PublisherTransport {
  answer = '';
}

class NdcSubscriberTransport extends NdcTransport implements SubscriberTransport {
  offer = '';

  setAnswer(sdp: string): void {
    try {
      this.pc.setRemoteDescription(sdp, 'answer');
    } catch (err) {
      throw new SdpError(err instanceof Error ? err.message : String(err));
    }
  }
}

/** Engines open in this process: libdatachannel's threads keep Node alive until the last one cleans up. */
let openEngines = 0;

/** The MediaEngine on node-datachannel (libdatachannel: ICE, DTLS, SRTP in native code). */
export class NdcEngine implements MediaEngine {
  readonly #config: RtcConfig;
  readonly #transports = new Set<NdcTransport>();
  #closed = false;

  constructor(options: NdcEngineOptions = {}) {
    openEngines++;
    this.#config = {
      iceServers: [],
      ...(options.portRange ? { portRangeBegin: options.portRange.min, portRangeEnd: options.portRange.max } : {}),
      ...(options.bindAddress ? { bindAddress: options.bindAddress } : {}),
      ...(options.iceUdpMux ? { enableIceUdpMux: true } : {}),
    };
  }

  async createPublisherTransport(id: string, offer: string): Promise<PublisherTransport> {
    const pc = new ndc.PeerConnection(id, this.#config);
    const transport = this.#track(new NdcPublisherTransport(pc, id));
    pc.onTrack((track) => transport.attach(track));
    try {
      transport.answer = await describeWhenGathered(pc, () => pc.setRemoteDescription(offer, 'offer'));
    } catch (err) {
      transport.close();
      throw err;
    }
    return transport;
  }

  async createSubscriberTransport(init: SubscriberTransportInit): Promise<SubscriberTransport> {
    const pc = new ndc.PeerConnection(init.id, this.#config);
    const transport = this.#track(new NdcSubscriberTransport(pc, init.id));
    try {
      const media = init.kind === 'video' ? new ndc.Video('0', 'SendOnly') : new ndc.Audio('0', 'SendOnly');
      const { codec } = init;
      const name = codec.name.toUpperCase();
      if (media instanceof ndc.Video) {
        if (name === 'VP8') media.addVP8Codec(codec.pt);
        else if (name === 'H264') media.addH264Codec(codec.pt, codec.fmtp || undefined);
        else media.addVideoCodec(codec.pt, codec.name, codec.fmtp || undefined);
      } else {
        media.addOpusCodec(codec.pt, codec.fmtp || undefined);
      }
      media.addSSRC(init.ssrc, init.cname, init.cname, `${init.cname}-${init.kind}`);
      transport.attach(pc.addTrack(media));
      transport.offer = await describeWhenGathered(pc, () => pc.setLocalDescription());
    } catch (err) {
      transport.close();
      throw err;
    }
    return transport;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const transport of [...this.#transports]) transport.close();
    this.#transports.clear();
    if (--openEngines === 0) ndc.cleanup();
  }

  #track<T extends NdcTransport>(transport: T): T {
    this.#transports.add(transport);
    const close = transport.close.bind(transport);
    transport.close = () => {
      this.#transports.delete(transport);
      close();
    };
    return transport;
  }
}
