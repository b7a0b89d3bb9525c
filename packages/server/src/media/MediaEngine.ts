import type { MediaKind, SdpCodec } from './sdp.js';

/** A transport's life as the SFU sees it: only `connected` and the end matter. */
export type TransportState = 'connecting' | 'connected' | 'failed' | 'closed';

/**
 * Receives what a transport delivers. One listener object per transport (not a closure per
 * packet): `onPacket` runs for every packet, so implementations keep it allocation-free. The
 * engine calls these from native callbacks, where a throw would end the process: listeners catch
 * their own failures (and an engine that still sees one fails that transport alone).
 */
export interface TransportListener {
  /** A decrypted RTP or RTCP packet; the buffer is only valid during the call. */
  onPacket(buf: Buffer): void;
  onState(state: TransportState): void;
}

/**
 * One m-section of a connection: a publisher's incoming stream (with the RTCP the SFU sends back),
 * or one slot of a viewer's receive connection (one outgoing stream and the viewer's RTCP for it).
 */
export interface TrackTransport {
  readonly mid: string;
  /** The track is open: packets sent now go out. `onState('connected')` follows when it opens later. */
  readonly open: boolean;
  /** Sends an RTP or RTCP packet (copied synchronously); false when it could not be sent. */
  send(buf: Buffer): boolean;
  setListener(listener: TransportListener): void;
  /** Detaches the listener; the m-section stays (its connection decides its life). Never throws. */
  close(): void;
}

/**
 * The server's end of a publisher's send connection: the client offers (first and renegotiated
 * offers alike), the server answers; one track per m-section.
 */
export interface PublisherTransport {
  readonly id: string;
  /** Applies the client's (munged) offer and resolves with the answer. Throws SdpError for an unusable offer. */
  negotiate(offer: string): Promise<string>;
  /** The track of m-section `mid` of the last negotiated offer (its packets flow once the native side has it). */
  track(mid: string): TrackTransport;
  /** The connection's state (not a track's): `failed`/`closed` end every publication on it; `reason` says why when the engine knows. */
  onState(listener: (state: TransportState, reason?: string) => void): void;
  /** Idempotent and never throws; no state callback follows. */
  close(): void;
}

export interface SlotInit {
  kind: MediaKind;
  /** The codec (name, payload type, clock rate, fmtp) the m-section offers. */
  codec: SdpCodec;
  /** SSRC of the one stream the server sends on this m-section. */
  ssrc: number;
  cname: string;
}

/**
 * The server's end of a member's receive connection: the server offers, one sendonly m-section
 * per slot. Slots are only ever added (libdatachannel closes the whole connection when its first
 * m-section goes, and never reuses a mid), so the SFU re-points free slots to new views instead.
 */
export interface SubscriberTransport {
  readonly id: string;
  /** Adds an m-section, negotiated by the next `createOffer`. */
  addSlot(init: SlotInit): TrackTransport;
  /** The offer for every slot so far; the first waits for ICE gathering (no trickle). */
  createOffer(): Promise<string>;
  /** Throws SdpError when the engine cannot use the answer. */
  setAnswer(sdp: string): void;
  /** The connection's state (not a slot's): `failed`/`closed` end every view on it; `reason` says why when the engine knows. */
  onState(listener: (state: TransportState, reason?: string) => void): void;
  /** Idempotent and never throws; no state callback follows. */
  close(): void;
}

/** Counters of an engine's UDP socket, since it opened. */
export interface MediaEngineStats {
  datagramsSent: number;
  /** Not sent: the socket's send buffer was full (what a congested network would drop). */
  datagramsDropped: number;
  /** STUN that is not a well-formed binding request for a live connection with its password. */
  stunDropped: number;
  /** Datagrams from an address no connection checked from, or of no known kind. */
  unknownDropped: number;
}

/**
 * What the SFU needs of a WebRTC stack (ICE, DTLS, SRTP); all RTP/RTCP logic stays in TypeScript
 * above it. Two implementations: Hudong's native engine (`native/`, the default) and
 * node-datachannel (`ndc/`); a test double can stand in.
 */
export interface MediaEngine {
  /** The engine's own socket counters, where it has them (the native engine). */
  stats?(): MediaEngineStats;
  createPublisherTransport(id: string): PublisherTransport;
  createSubscriberTransport(id: string): SubscriberTransport;
  close(): void;
}
