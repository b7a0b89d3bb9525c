import { networkInterfaces } from 'node:os';
import type { MediaEngine, PublisherTransport, SubscriberTransport } from '../MediaEngine.js';
import type { NativeAddon, NativeDownlinkEngine as NativeEngine } from './addon.js';
import { NativeSubscriberTransport, type NativeDownlinkHost } from './NativeSubscriberTransport.js';

export interface NativeDownlinkOptions {
  /** Bind to (and announce) this IPv4 address only. @default every interface, announcing each non-loopback IPv4 address */
  bindAddress?: string | undefined;
  /** The first free port of this range; without it the OS picks. */
  portRange?: { min: number; max: number } | undefined;
}

/**
 * Members' receive connections on the native engine, everything else on `publishers` (the send
 * connections, on node-datachannel). The receive side is where a packet is multiplied by its
 * views, so that is where the per-view cost lives: one N-API call, an SRTP protect and a slot in a
 * sendmmsg batch per view, instead of libdatachannel's per-packet locks, copies and sendto
 * (docs/media.md "Native fan-out").
 */
export class NativeDownlinkEngine implements MediaEngine, NativeDownlinkHost {
  readonly native: NativeEngine;
  readonly candidateAddresses: readonly string[];
  readonly #publishers: MediaEngine;
  readonly #transports = new Set<NativeSubscriberTransport>();
  #closed = false;

  constructor(addon: NativeAddon, publishers: MediaEngine, options: NativeDownlinkOptions = {}) {
    this.#publishers = publishers;
    this.native = new addon.DownlinkEngine(options.bindAddress ?? '', options.portRange?.min ?? 0, options.portRange?.max ?? 0);
    this.candidateAddresses = options.bindAddress ? [options.bindAddress] : hostAddresses();
  }

  createPublisherTransport(id: string): PublisherTransport {
    return this.#publishers.createPublisherTransport(id);
  }

  createSubscriberTransport(id: string): SubscriberTransport {
    const transport = new NativeSubscriberTransport(this, id);
    this.#transports.add(transport);
    const close = transport.close.bind(transport);
    transport.close = () => {
      this.#transports.delete(transport);
      close();
    };
    return transport;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const transport of [...this.#transports]) transport.close();
    this.native.close();
    this.#publishers.close();
  }
}

/**
 * What a host candidate can be: each IPv4 address of an interface that is not loopback (libwebrtc
 * and Chromium skip those, as libdatachannel does), or 127.0.0.1 on a machine with nothing else.
 */
function hostAddresses(): string[] {
  const addresses = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal)
    .map((a) => a.address);
  return addresses.length > 0 ? addresses : ['127.0.0.1'];
}
