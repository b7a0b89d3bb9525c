import ndc from 'node-datachannel';
import type { RtcConfig } from 'node-datachannel';
import type { MediaEngine, PublisherTransport, SubscriberTransport } from '../MediaEngine.js';
import { NdcSubscriberTransport } from './NdcSubscriberTransport.js';
import { NdcPublisherTransport } from './NdcPublisherTransport.js';
import { OpenTransports } from '../OpenTransports.js';

export interface NdcEngineOptions {
  portRange?: { min: number; max: number } | undefined;
  /** Bind to (and announce) this address only. */
  bindAddress?: string | undefined;
  /** One UDP socket for every transport of the process (libjuice mux mode) instead of one each. @default false */
  iceUdpMux?: boolean | undefined;
}

/** Engines open in this process: libdatachannel's threads keep Node alive until the last one cleans up. */
let openEngines = 0;

/** The MediaEngine on node-datachannel (libdatachannel: ICE, DTLS, SRTP in native code). */
export class NdcEngine implements MediaEngine {
  readonly #config: RtcConfig;
  readonly #transports = new OpenTransports();
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

  createPublisherTransport(id: string): PublisherTransport {
    return this.#transports.track(new NdcPublisherTransport(new ndc.PeerConnection(id, this.#config), id));
  }

  createSubscriberTransport(id: string): SubscriberTransport {
    return this.#transports.track(new NdcSubscriberTransport(new ndc.PeerConnection(id, this.#config), id));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#transports.closeAll();
    if (--openEngines === 0) ndc.cleanup();
  }
}
