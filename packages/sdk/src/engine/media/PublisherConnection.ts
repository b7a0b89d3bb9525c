import type { MediaSource } from '@hudong/protocol';
import type { WebRtc } from './webrtc.js';
import { closeQuietly, gatheringComplete, type MediaRequest } from './peer.js';
import { reapplyAnswer, withSendLimits } from './send-limits.js';
import { publisherStats, type PublishedSource, type PublisherStats } from './PublisherTransport.js';

/** A client-chosen name for one send connection: the server replaces its end when the name changes. */
function newConnectionId(): string {
  return `pub-${Math.random().toString(36).slice(2, 10)}${Date.now().toString(36)}`;
}

/** One source on the shared send connection; closing it takes the track off its m-section. */
class SharedPublication implements PublishedSource {
  readonly source: MediaSource;
  readonly track: MediaStreamTrack;
  readonly publicationId: string;
  readonly codec: string;
  readonly #connection: PublisherConnection;
  #closed = false;

  constructor(connection: PublisherConnection, source: MediaSource, track: MediaStreamTrack, res: { publicationId: string; codec: string }) {
    this.#connection = connection;
    this.source = source;
    this.track = track;
    this.publicationId = res.publicationId;
    this.codec = res.codec;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get connectedSince(): number | null {
    return this.#connection.connectedSince;
  }

  stats(): Promise<PublisherStats> {
    return this.#closed ? Promise.resolve(publisherStats(null)) : this.#connection.stats(this.track);
  }

  report(): Promise<RTCStatsReport | null> {
    return this.#closed ? Promise.resolve(null) : this.#connection.report();
  }

  setMaxBitrate(kbps: number | undefined): Promise<void> {
    return this.#closed ? Promise.resolve() : this.#connection.setMaxBitrate(this.source, kbps);
  }

  /** Idempotent. Keeps the m-section for the next publish of the source; does not stop the track. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#connection.release(this.source, this.track);
  }
}

/**
 * A room's one send connection: every source that needs no connection of its own (all but a
 * simulcast camera) is an m-section of it. The client offers — when a source gets its first
 * m-section — and the server answers; one negotiation at a time. A source published again reuses
 * its m-section (`replaceTrack`, no offer). `reset` gives the connection up (it failed, or the
 * session reconnected): the next publish starts a new one under a new name, which the server's
 * end follows.
 */
export class PublisherConnection {
  readonly #rtc: WebRtc;
  readonly #request: MediaRequest;
  #pc: RTCPeerConnection | null = null;
  #connectionId = newConnectionId();
  #transceivers = new Map<MediaSource, RTCRtpTransceiver>();
  #queue: Promise<unknown> = Promise.resolve();
  #connectedSince: number | null = null;
  /** The server's last answer as it came; applied with the ceilings of `#limits` (send-limits.ts). */
  #answer: string | null = null;
  #limits = new Map<MediaSource, number>();

  constructor(rtc: WebRtc, request: MediaRequest) {
    this.#rtc = rtc;
    this.#request = request;
  }

  /** When ICE first connected (ms since the epoch); null while it never did. */
  get connectedSince(): number | null {
    return this.#connectedSince;
  }

  /** Publishes `track` as `source` after the negotiations before it. Rejects with the server's AVError unchanged. */
  publish(source: MediaSource, track: MediaStreamTrack): Promise<PublishedSource> {
    const run = this.#queue.then(() => this.#publish(source, track));
    this.#queue = run.catch(() => {});
    return run;
  }

  /** @internal What the streams of `track` counted (the connection's stats report holds every source's). */
  async stats(track: MediaStreamTrack): Promise<PublisherStats> {
    return publisherStats(await this.report(), track.id);
  }

  /** @internal The connection's stats report; null while there is none. */
  async report(): Promise<RTCStatsReport | null> {
    return this.#pc ? this.#pc.getStats() : null;
  }

  /** @internal Bounds `source`'s m-section (undefined: no bound), after the negotiations before it. */
  setMaxBitrate(source: MediaSource, kbps: number | undefined): Promise<void> {
    const run = this.#queue.then(async () => {
      if (kbps === undefined ? !this.#limits.delete(source) : this.#limits.get(source) === kbps) return;
      if (kbps !== undefined) this.#limits.set(source, kbps);
      if (this.#pc && this.#answer !== null) await reapplyAnswer(this.#pc, this.#limited(this.#answer));
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /** @internal A publication closed locally: its m-section sends nothing until the source is published again. */
  release(source: MediaSource, track: MediaStreamTrack): void {
    const sender = this.#transceivers.get(source)?.sender;
    if (sender?.track !== track) return;
    this.#queue = this.#queue.then(() => sender.replaceTrack(null)).catch(() => {});
  }

  /** Gives the connection up; the next publish starts a new one. Idempotent. */
  reset(): void {
    if (this.#pc) closeQuietly(this.#pc);
    this.#pc = null;
    this.#transceivers.clear();
    this.#answer = null;
    this.#connectedSince = null;
    this.#connectionId = newConnectionId();
  }

  async #publish(source: MediaSource, track: MediaStreamTrack): Promise<PublishedSource> {
    const pc = this.#pc ?? this.#open();
    const connectionId = this.#connectionId;
    const existing = this.#transceivers.get(source);
    if (existing?.mid) {
      await existing.sender.replaceTrack(track);
      const res = await this.#request('media.publish', { source, connectionId, mid: existing.mid });
      return new SharedPublication(this, source, track, res);
    }
    const transceiver = pc.addTransceiver(track, { direction: 'sendonly' });
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gatheringComplete(pc);
      const res = await this.#request('media.publish', { source, connectionId, mid: transceiver.mid!, sdp: pc.localDescription!.sdp });
      this.#transceivers.set(source, transceiver);
      await pc.setRemoteDescription({ type: 'answer', sdp: this.#limited(res.sdp!) });
      this.#answer = res.sdp!;
      return new SharedPublication(this, source, track, res);
    } catch (err) {
      // Refused: the connection goes back to what was agreed before, without this m-section.
      if (this.#transceivers.get(source) === transceiver) this.#transceivers.delete(source);
      if (this.#pc === pc) await this.#rollback(pc, transceiver);
      throw err;
    }
  }

  /** `answer` with each source's ceiling on its m-section. */
  #limited(answer: string): string {
    const byMid = new Map<string, number>();
    for (const [source, kbps] of this.#limits) {
      const mid = this.#transceivers.get(source)?.mid;
      if (mid) byMid.set(mid, kbps);
    }
    return withSendLimits(answer, byMid);
  }

  #open(): RTCPeerConnection {
    const pc = new this.#rtc.RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    this.#pc = pc;
    // Both events: @roamhq/wrtc reports ICE states more reliably than connectionState.
    const onState = () => {
      if (this.#pc !== pc || this.#connectedSince !== null) return;
      if (pc.connectionState === 'connected' || pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed')
        this.#connectedSince = Date.now();
    };
    pc.addEventListener('connectionstatechange', onState);
    pc.addEventListener('iceconnectionstatechange', onState);
    return pc;
  }

  async #rollback(pc: RTCPeerConnection, transceiver: RTCRtpTransceiver): Promise<void> {
    try {
      if (pc.signalingState === 'have-local-offer') await pc.setLocalDescription({ type: 'rollback' });
      transceiver.stop();
    } catch {
      // An implementation without rollback: start over rather than keep a half-agreed connection.
      if (this.#transceivers.size === 0) this.reset();
    }
  }
}
