import { networkInterfaces } from 'node:os';
import type { MediaEngine, MediaEngineStats, PublisherTransport, SubscriberTransport } from '../MediaEngine.js';
import type { NativeAddon, NativeTransportEngine } from './addon.js';
import type { NativeHost } from './NativeConnection.js';
import { NativePublisherTransport } from './NativePublisherTransport.js';
import { NativeSubscriberTransport } from './NativeSubscriberTransport.js';
import { OpenTransports } from '../OpenTransports.js';

export interface NativeEngineOptions {
  /** Bind to (and announce) this IPv4 address only. @default every interface, announcing each non-loopback IPv4 address */
  bindAddress?: string | undefined;
  /** The first free port of this range; without it the OS picks. */
  portRange?: { min: number; max: number } | undefined;
}

/**
 * The MediaEngine on Hudong's native module (packages/server/native): ICE-lite, DTLS-SRTP and
 * SRTP in C++ on one UDP socket, read on the main thread (no thread hand-off per packet) and written
 * in sendmmsg batches. A packet forwarded to N views costs N N-API calls, N SRTP protects and N
 * slots of a batch, instead of node-datachannel's per-packet locks, copies, thread hops and sendto
 * (docs/media.md "Native media engine").
 */
export class NativeEngine implements MediaEngine, NativeHost {
  readonly native: NativeTransportEngine;
  readonly candidateAddresses: readonly string[];
  readonly #transports = new OpenTransports();
  #closed = false;

  constructor(addon: NativeAddon, options: NativeEngineOptions = {}) {
    this.native = new addon.TransportEngine(options.bindAddress ?? '', options.portRange?.min ?? 0, options.portRange?.max ?? 0);
    this.candidateAddresses = options.bindAddress ? [options.bindAddress] : hostAddresses();
  }

  stats(): MediaEngineStats {
    return this.native.stats();
  }

  createPublisherTransport(id: string): PublisherTransport {
    return this.#transports.track(new NativePublisherTransport(this, id));
  }

  createSubscriberTransport(id: string): SubscriberTransport {
    return this.#transports.track(new NativeSubscriberTransport(this, id));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#transports.closeAll();
    this.native.close();
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
