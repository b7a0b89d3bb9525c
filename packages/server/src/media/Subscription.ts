import type { ViewSize } from '@hudong/protocol';
import { ServerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { SafeEmitter } from '../util/SafeEmitter.js';
import { internalFailure } from './failure.js';
import { guarded } from '../util/guard.js';
import type { Slot, SlotHost, SlotOccupant } from './Downlink.js';
import type { TransportState } from './MediaEngine.js';
import type { MediaStats } from './MediaStats.js';
import type { Publication, PublishedLayer } from './Publication.js';
import { SentHistory, SimulcastSelector, Vp8Rewriter, parseRtcp, rewriteRtpHeader, type RtpHeader } from './rtp/index.js';

/** Sent packets remembered for NACKs; a power of two. */
const HISTORY = 1024;
/**
 * A packet is resent at most once in this long, however often it is NACKed: the viewer cannot have
 * seen the resend before (the RTT is not measured on these legs; on the networks this SFU serves it
 * is below this, and libwebrtc repeats a NACK only after an RTT).
 */
export const RESEND_INTERVAL_MS = 40;
/** NACKed sequence numbers handled per RTCP packet (one NACK item names up to 17); the rest are ignored. */
export const MAX_NACKED_PER_RTCP = 256;

export interface SubscriptionEvents {
  /**
   * Closed: unsubscribed, the viewer left or lost its RECV bit, the transport failed or timed out,
   * its own work threw (INTERNAL), or its publication ended (NOT_PUBLISHING). `error` is what the
   * viewer is told with `media.subscriptionEnded` (null: it asked, or it left).
   */
  close: [error: ServerError | null];
}

export interface SubscriptionInit {
  id: string;
  publication: Publication;
  size: ViewSize;
  /** The viewer's receive connection, or a relay leg to another node's viewers: the view takes a slot on it. */
  downlink: SlotHost;
  /** Names the stream to the viewer (RTCP CNAME and msid). */
  cname: string;
  stats: MediaStats;
  dropRate: number;
  connectTimeoutMs: number;
  /** Carries the view's ids; a failure of its own work is logged here. */
  logger: Logger;
}

/**
 * One view: one viewer receiving one publication on a slot of the viewer's receive connection.
 * Owned by the publication (`Publication.subscribe`); the viewer's member media only indexes it.
 * Keeps that viewer's rewriting state (layer choice, PT, VP8 picture ids; SSRC, seq and timestamps
 * continue the slot's), answers its NACKs from the publication's packet store, relays its keyframe
 * requests and sends it sender reports. Two ways to end: `close` (the viewer's side, including its
 * connection failing) and `publicationClosed` (the parent went away).
 */
export class Subscription extends SafeEmitter<SubscriptionEvents> implements SlotOccupant {
  readonly id: string;
  readonly publication: Publication;
  readonly #downlink: SlotHost;
  readonly #slot: Slot;
  readonly #stats: MediaStats;
  readonly #logger: Logger;
  readonly #dropRate: number;
  readonly #isVideo: boolean;
  readonly #selector: SimulcastSelector | undefined;
  readonly #vp8: Vp8Rewriter | undefined;
  /** Video without simulcast: nothing is forwarded before the first keyframe (it cannot be decoded). */
  #started: boolean;
  #connected = false;
  #closed = false;
  /** First transmissions toward the viewer (the test hook's drops included: lost on the way) and resends for its NACKs. */
  #sentPackets = 0;
  #resentPackets = 0;
  #connectTimer: NodeJS.Timeout | undefined;
  readonly #sent: SentHistory;

  constructor(init: SubscriptionInit) {
    super();
    this.id = init.id;
    this.publication = init.publication;
    this.#downlink = init.downlink;
    this.#stats = init.stats;
    this.#logger = init.logger;
    this.#dropRate = init.dropRate;
    const { codec, kind } = init.publication.offer;
    this.#isVideo = kind === 'video';
    this.#started = !this.#isVideo;
    if (init.publication.simulcast) {
      this.#selector = new SimulcastSelector(
        init.publication.layerRids.map((rid) => ({ rid })),
        { wanted: init.size },
      );
      if (codec.name.toUpperCase() === 'VP8') this.#vp8 = new Vp8Rewriter();
    }
    this.#sent = new SentHistory(HISTORY, this.#vp8 !== undefined);
    this.#slot = init.downlink.place(this, kind, codec, init.cname);
    this.#connectTimer = setTimeout(
      guarded(
        () => this.close(new ServerError('TRANSPORT_TIMEOUT', `the view did not connect within ${init.connectTimeoutMs} ms`)),
        (err) => this.#fail('connect timer', err),
      ),
      init.connectTimeoutMs,
    );
    this.#connectTimer.unref();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The m-section of the viewer's receive connection this view is on. */
  get mid(): string {
    return this.#slot.mid;
  }

  /**
   * A slot already open (a free one reused) carries the view at once; a new one after its
   * negotiation. Meanwhile a video asks its publisher for a keyframe already: it is in the store, to
   * be replayed, by the time the slot opens.
   */
  start(): void {
    if (this.#slot.transport.open) this.onState('connected');
    else if (this.#isVideo) this.publication.requestKeyframe(performance.now());
  }

  /** Switches between simulcast layers (on the new layer's next keyframe); a no-op without simulcast. */
  setSize(size: ViewSize): void {
    if (this.#selector) this.#selector.wanted = size;
  }

  onState(state: TransportState): void {
    if (this.#closed) return;
    if (state === 'connected') {
      clearTimeout(this.#connectTimer);
      this.#connected = true;
      // A new video view cannot decode before a keyframe: the newest one from the store, else ask
      // for one (the publication guards its request).
      const nowMs = performance.now();
      if (this.#isVideo && !this.publication.replayLatestKeyframe(this, nowMs)) this.publication.requestKeyframe(nowMs);
    } else {
      this.close(new ServerError('TRANSPORT_FAILED', `the view's transport ${state}`));
    }
  }

  /**
   * One publisher packet, parsed once by the publication: `packet.buffer` is rewritten in place and
   * sent (the next view rewrites it again; `packet`'s fields keep the values as received).
   */
  forward(packet: RtpHeader, layer: PublishedLayer, keyframe: boolean, nowMs: number): void {
    if (!this.#connected) return;
    try {
      const { ssrc, payloadOffset, payloadLength } = packet;
      if (this.#selector) {
        const decision = this.#selector.onPacket(ssrc, keyframe, nowMs, layer.rid);
        if (decision.needKeyframe) this.publication.requestKeyframe(nowMs, this.#selector.targetSsrc);
        if (!decision.forward) return;
      } else if (!this.#started) {
        if (!keyframe) {
          this.publication.requestKeyframe(nowMs);
          return;
        }
        this.#started = true;
      }
      const slot = this.#slot;
      const out = slot.seq.rewrite(ssrc, packet.seq, packet.timestamp, nowMs);
      if (!out) return;
      const buf = packet.buffer;
      if (this.#vp8 && payloadLength > 0) this.#vp8.rewrite(ssrc, buf, payloadOffset, payloadOffset + payloadLength);
      rewriteRtpHeader(buf, slot.pt, out.seq, out.timestamp, slot.ssrc);
      this.#sent.record(buf, layer.index, packet.seq, payloadOffset, payloadLength);
      slot.senderReports.onPacketSent(payloadLength);
      this.#sentPackets++;
      if (this.#dropRate > 0 && Math.random() < this.#dropRate) {
        this.#stats.rtpDroppedByTest++;
        return;
      }
      if (slot.transport.send(buf)) this.#stats.rtpForwarded++;
    } catch (err) {
      this.#fail('forwarding', err);
    }
  }

  /**
   * Packets sent to the viewer for the first time, and resent for its NACKs, since the view began:
   * with what the viewer received, its loss before repair (room.getQualityStats, media.viewStats).
   */
  get delivery(): { packets: number; resent: number } {
    return { packets: this.#sentPackets, resent: this.#resentPackets };
  }

  /** RTCP from the viewer (a sendonly track delivers only RTCP). */
  onPacket(buf: Buffer): void {
    if (this.#closed) return;
    try {
      let nackBudget = MAX_NACKED_PER_RTCP;
      for (const item of parseRtcp(buf)) {
        switch (item.type) {
          case 'pli':
          case 'fir':
            this.#stats.keyframeRequestsReceived++;
            this.publication.requestKeyframe(performance.now(), this.#selector?.currentSsrc);
            break;
          case 'nack': {
            this.#stats.nackReceived++;
            const handled = Math.min(item.seqs.length, nackBudget);
            this.#stats.nackItemsIgnored += item.seqs.length - handled;
            nackBudget -= handled;
            const nowMs = performance.now();
            for (let i = 0; i < handled; i++) this.#retransmit(item.seqs[i]!, nowMs);
            break;
          }
          default:
            break;
        }
      }
    } catch (err) {
      this.#fail('RTCP handling', err);
    }
  }

  /** A sender report translated from the publisher's, so the viewer can sync audio and video. */
  sendSenderReport(nowMs: number): void {
    if (!this.#connected) return;
    try {
      const { seq, senderReports, transport } = this.#slot;
      const source = seq.sourceSsrc;
      const clock = source === undefined ? undefined : this.publication.clockOf(source);
      if (!clock) return;
      transport.send(senderReports.build(clock, seq.timestampOffset, nowMs));
    } catch (err) {
      this.#fail('sender report', err);
    }
  }

  /** Ends the view from the viewer's side (`error` null: it asked, or it left). Idempotent. */
  close(error: ServerError | null): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#connected = false;
    clearTimeout(this.#connectTimer);
    this.#downlink.release(this.#slot, this);
    this.safeEmit('close', error);
  }

  /** The viewer's receive connection failed or was reset: the view ends with it. */
  connectionClosed(error: ServerError | null): void {
    this.close(error);
  }

  /** Its publication ended (unpublished, replaced, failed, its member left): the viewer is told NOT_PUBLISHING. */
  publicationClosed(reason: string): void {
    const { member, source } = this.publication;
    this.close(new ServerError('NOT_PUBLISHING', `"${member.identifier}" stopped publishing ${source} (${reason})`));
  }

  #fail(what: string, err: unknown): void {
    this.#logger.error({ err }, `view ${what} failed; ending the view`);
    this.close(internalFailure('view', what, err));
  }

  #retransmit(outSeq: number, nowMs: number): void {
    const original = this.#sent.original(outSeq);
    const stored = original && this.publication.stored(original.layer, original.seq);
    if (!stored) return;
    if (!this.#sent.mayResend(outSeq, nowMs, RESEND_INTERVAL_MS)) {
      this.#stats.retransmissionsSuppressed++;
      return;
    }
    // The store's copy is shared by every view: rebuild a private copy as it was sent.
    const buf = this.publication.scratch.subarray(0, stored.length);
    stored.copy(buf);
    this.#sent.restore(buf, outSeq);
    // Counted as tried, as first sends are: libdatachannel's false may mean queued, not dropped.
    this.#resentPackets++;
    if (this.#slot.transport.send(buf)) this.#stats.rtpRetransmitted++;
  }
}
