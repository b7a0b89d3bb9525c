import type { MediaSource } from '@hudong/protocol';
import type { WebRtc } from './webrtc.js';
import { closeQuietly, gatheringComplete, type MediaRequest } from './peer.js';
import { reapplyAnswer, withSendLimits } from './send-limits.js';

export interface PublishOptions {
  /** Offer two simulcast layers (rid 'l' at half resolution, rid 'h'). Camera only. */
  simulcast?: boolean;
}

/** What a publisher counted (from its outbound-rtp stats). */
export interface PublisherStats {
  /** Keyframe requests (PLI) the SFU sent us. */
  pliCount: number;
  firCount: number;
  nackCount: number;
  packetsSent: number;
  bytesSent: number;
  /** Round trip to the SFU in seconds, from its receiver reports (null until the first one). */
  roundTripTime: number | null;
  /** Fraction (0–1) of our packets the SFU reported lost in its last receiver report (null until one). */
  fractionLost: number | null;
}

const COUNTERS = ['pliCount', 'firCount', 'nackCount', 'packetsSent', 'bytesSent'] as const;

/**
 * What the publisher counted, from a stats report of its connection (null: nothing yet). With
 * `trackId`, only the streams of that track (its media-source), for a connection carrying several.
 */
export function publisherStats(report: RTCStatsReport | null, trackId?: string): PublisherStats {
  const out: PublisherStats = { pliCount: 0, firCount: 0, nackCount: 0, packetsSent: 0, bytesSent: 0, roundTripTime: null, fractionLost: null };
  const all: Record<string, unknown>[] = [];
  report?.forEach((s: Record<string, unknown>) => all.push(s));
  const sources = new Set(all.filter((s) => (s.type === 'media-source' || s.type === 'track') && s.trackIdentifier === trackId).map((s) => s.id));
  const outbound = all.filter((s) => s.type === 'outbound-rtp' && (trackId === undefined || sources.has(s.mediaSourceId) || sources.has(s.trackId)));
  const outboundIds = new Set(outbound.map((s) => s.id));
  for (const s of outbound) for (const k of COUNTERS) out[k] += typeof s[k] === 'number' ? (s[k] as number) : 0;
  for (const s of all) {
    if (s.type !== 'remote-inbound-rtp' || (trackId !== undefined && !outboundIds.has(s.localId))) continue;
    // One per stream (simulcast layer): report the worst.
    if (typeof s.roundTripTime === 'number') out.roundTripTime = Math.max(out.roundTripTime ?? 0, s.roundTripTime);
    if (typeof s.fractionLost === 'number') out.fractionLost = Math.max(out.fractionLost ?? 0, s.fractionLost);
  }
  return out;
}

/** One source being sent to the SFU, on the shared send connection or on one of its own. */
export interface PublishedSource {
  readonly source: MediaSource;
  readonly track: MediaStreamTrack;
  /** The server's id for it, named again by `media.publicationEnded`. */
  readonly publicationId: string;
  readonly codec: string;
  /** When its connection's ICE first connected (ms since the epoch); null while it never did. */
  readonly connectedSince: number | null;
  stats(): Promise<PublisherStats>;
  /** The whole report of its connection (which may carry other sources too); null once closed. */
  report(): Promise<RTCStatsReport | null>;
  /** Bounds what it sends (its role's bitrate; undefined: no bound). */
  setMaxBitrate(kbps: number | undefined): Promise<void>;
  /** Local only (`media.unpublish` is the caller's); does not stop the track (the device owns it). Idempotent. */
  close(): void;
}

/**
 * One source sent to the SFU on a connection of its own (a simulcast camera: libdatachannel routes
 * simulcast layers only on a connection of their own): one sendonly transceiver, the client offers
 * (`media.publish` without `connectionId`), the server answers.
 */
export class PublisherTransport implements PublishedSource {
  readonly source: MediaSource;
  readonly track: MediaStreamTrack;
  /** The server's id for it, named again by `media.publicationEnded`. */
  readonly publicationId: string;
  readonly codec: string;
  #pc: RTCPeerConnection;
  #closed = false;
  #connectedSince: number | null = null;
  /** The server's answer as it came, and the mid of our one m-section. */
  #answer: string;
  #mid: string;
  /** The ceiling applied (undefined: none, as the answer came). */
  #kbps: number | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(
    source: MediaSource,
    track: MediaStreamTrack,
    res: { publicationId: string; codec: string; sdp?: string | undefined },
    pc: RTCPeerConnection,
    mid: string,
  ) {
    this.#answer = res.sdp ?? '';
    this.#mid = mid;
    this.source = source;
    this.track = track;
    this.publicationId = res.publicationId;
    this.codec = res.codec;
    this.#pc = pc;
    // Both events: @roamhq/wrtc reports ICE states more reliably than connectionState.
    const onState = () => {
      if (pc.connectionState !== 'connected' && pc.iceConnectionState !== 'connected' && pc.iceConnectionState !== 'completed') return;
      this.#connectedSince = Date.now();
      pc.removeEventListener('connectionstatechange', onState);
      pc.removeEventListener('iceconnectionstatechange', onState);
    };
    pc.addEventListener('connectionstatechange', onState);
    pc.addEventListener('iceconnectionstatechange', onState);
    onState();
  }

  /** Offers, publishes and applies the answer. Rejects with the server's AVError unchanged. */
  static async publish(
    rtc: WebRtc,
    source: MediaSource,
    track: MediaStreamTrack,
    request: MediaRequest,
    opts: PublishOptions = {},
  ): Promise<PublisherTransport> {
    const pc = new rtc.RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    try {
      const init: RTCRtpTransceiverInit = { direction: 'sendonly' };
      if (source === 'camera' && opts.simulcast) {
        init.sendEncodings = [{ rid: 'l', scaleResolutionDownBy: 2 }, { rid: 'h' }];
      }
      const transceiver = pc.addTransceiver(track, init);
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      await gatheringComplete(pc);
      const sdp = pc.localDescription?.sdp ?? offer.sdp ?? '';
      const res = await request('media.publish', { source, sdp });
      await pc.setRemoteDescription({ type: 'answer', sdp: res.sdp! });
      return new PublisherTransport(source, track, res, pc, transceiver.mid ?? '0');
    } catch (err) {
      closeQuietly(pc);
      throw err;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  get connectionState(): RTCPeerConnectionState {
    return this.#pc.connectionState;
  }

  /** When ICE first connected (ms since the epoch); null while it never did. */
  get connectedSince(): number | null {
    return this.#connectedSince;
  }

  async stats(): Promise<PublisherStats> {
    return publisherStats(await this.report());
  }

  async report(): Promise<RTCStatsReport | null> {
    return this.#closed ? null : this.#pc.getStats();
  }

  setMaxBitrate(kbps: number | undefined): Promise<void> {
    if (kbps === this.#kbps) return this.#queue.then(() => {});
    this.#kbps = kbps;
    const limits = new Map(kbps === undefined ? [] : [[this.#mid, kbps]]);
    const run = this.#queue.then(() => (this.#closed ? undefined : reapplyAnswer(this.#pc, withSendLimits(this.#answer, limits))));
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Idempotent. Does not stop the track (the device owns it). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeQuietly(this.#pc);
  }
}
