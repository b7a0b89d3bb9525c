import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What the native module (packages/server/native, built by its build.mjs) exports. */
export interface NativeAddon {
  TransportEngine: new (address: string, portMin: number, portMax: number) => NativeTransportEngine;
}

/** What a native connection tells its listener. */
export const PeerEventKind = {
  Connected: 0,
  /** `data`: why (the peer closing included). */
  Failed: 1,
  /** `data`: the length of one decrypted RTCP packet (compound), at the start of the engine's `inbox`. */
  Rtcp: 2,
  /** `data`: the length of one decrypted RTP packet, at the start of the engine's `inbox`. */
  Rtp: 3,
} as const;
export type PeerEventKind = (typeof PeerEventKind)[keyof typeof PeerEventKind];

export interface NativeTransportEngine {
  readonly port: number;
  /** SHA-256 fingerprint of the process's DTLS certificate, `AB:CD:…`. */
  readonly fingerprint: string;
  /** Where each received packet is, during its event only (one Buffer for all: no allocation per packet). */
  readonly inbox: Buffer;
  createTransport(ufrag: string, pwd: string, onEvent: (kind: PeerEventKind, data: number | string | undefined) => void): NativePeerTransport;
  stats(): { datagramsSent: number; datagramsDropped: number; sendCalls: number; stunDropped: number; unknownDropped: number };
  /** Closes every transport (no events) and the socket. */
  close(): void;
}

export interface NativePeerTransport {
  /** From the client's answer: its certificate's fingerprint, and the server's DTLS role. */
  setRemote(fingerprint: string, role: 'client' | 'server'): void;
  /** Protects and queues an RTP or RTCP packet (sent before the event loop next waits); false when not connected. */
  send(buf: Buffer): boolean;
  close(): void;
}

const ADDON_PATH = fileURLToPath(new URL('../../../native/build/hudong_media.node', import.meta.url));

let loaded: NativeAddon | string | undefined;

/** The native module, or why there is none (not built: no compiler or Node headers at install). */
export function loadNativeAddon(): NativeAddon | string {
  if (loaded === undefined) {
    if (!existsSync(ADDON_PATH)) loaded = `${ADDON_PATH} is not built (packages/server/native/build.mjs needs g++ and Node's headers)`;
    else {
      try {
        loaded = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
      } catch (err) {
        loaded = `${ADDON_PATH} does not load: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
  }
  return loaded;
}
