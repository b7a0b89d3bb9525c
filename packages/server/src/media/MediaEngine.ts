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

interface Transport {
  /** Sends an RTP or RTCP packet (copied synchronously); false when it could not be sent. */
  send(buf: Buffer): boolean;
  setListener(listener: TransportListener): void;
  /** Idempotent and never throws; no `onState('closed')` follows a close the SFU asked for. */
  close(): void;
}

/** The server's end of a publisher's transport: it answered the client's offer. */
export interface PublisherTransport extends Transport {
  readonly answer: string;
}

/** The server's end of a view: it offered one sendonly m-section and waits for the client's answer. */
export interface SubscriberTransport extends Transport {
  readonly offer: string;
  /** Throws when the engine cannot use the answer. */
  setAnswer(sdp: string): void;
}

export interface SubscriberTransportInit {
  id: string;
  kind: MediaKind;
  /** The publication's codec (name, payload type, clock rate, fmtp). */
  codec: SdpCodec;
  /** SSRC of the one stream the server sends on this transport. */
  ssrc: number;
  cname: string;
}

/**
 * What the SFU needs of a WebRTC stack (ICE, DTLS, SRTP); all RTP/RTCP logic stays in TypeScript
 * above it. The one implementation is node-datachannel (`ndc/`); a test double can stand in.
 */
export interface MediaEngine {
  /** Answers a (munged) publisher offer once ICE gathering completes. Throws SdpError for an unusable offer. */
  createPublisherTransport(id: string, offer: string): Promise<PublisherTransport>;
  createSubscriberTransport(init: SubscriberTransportInit): Promise<SubscriberTransport>;
  close(): void;
}
