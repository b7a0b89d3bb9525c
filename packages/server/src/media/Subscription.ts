import type { ViewSize } from '@hudong/protocol';
import { ServerError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Member } from '../rooms/Member.js';
import { SafeEmitter } from '../util/SafeEmitter.js';
import { internalFailure } from './failure.js';
import type { SubscriberTransport, TransportListener, TransportState } from './MediaEngine.js';
import type { MediaStats } from './MediaStats.js';
import type { Publication, PublishedLayer } from './Publication.js';
import {
  SenderReportGenerator,
  SentHistory,
  SeqRewriter,
  SimulcastSelector,
  Vp8Rewriter,
  parseRtcp,
  rewriteRtpHeader,
  type RtpHeader,
} from './rtp/index.js';
import { answeredPayloadType } from './sdp.js';

/** Sent packets remembered for NACKs; a power of two. */
const HISTORY = 1024;

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
  viewer: Member;
  publication: Publication;
  size: ViewSize;
  transport: SubscriberTransport;
  ssrc: number;
  stats: MediaStats;
  dropRate: number;
  connectTimeoutMs: number;
  /** Carries the view's ids; a failure of its own work is logged here. */
  logger: Logger;
}

/**
 * One view: one viewer receiving one publication on its own transport. Owned by the publication
 * (`Publication.subscribe`); the viewer's member media only indexes it. Keeps that viewer's
 * rewriting state (layer choice, SSRC/PT/seq/timestamp, VP8 picture ids), answers its NACKs from
 * the publication's packet store, relays its keyframe requests and sends it sender reports. Two
 * ways to end: `close` (the viewer's side) and `publicationClosed` (the parent went away).
 */
export class Subscription extends SafeEmitter<SubscriptionEvents> implements TransportListener {
  readonly id: string;
  readonly viewer: Member;
  readonly publication: Publication;
  readonly #transport: SubscriberTransport;
  readonly #stats: MediaStats;
  readonly #logger: Logger;
  readonly #dropRate: number;
  readonly #ssrc: number;
  #pt: number;
  readonly #isVideo: boolean;
  readonly #seq: SeqRewriter;
  readonly #sr: SenderReportGenerator;
  readonly #selector: SimulcastSelector | undefined;
  readonly #vp8: Vp8Rewriter | undefined;
  /** Video without simulcast: nothing is forwarded before the first keyframe (it cannot be decoded). */
  #started: boolean;
  #connected = false;
  #closed = false;
  #connectTimer: NodeJS.Timeout | undefined;
  readonly #sent: SentHistory;

  constructor(init: SubscriptionInit) {
    super();
    this.id = init.id;
    this.viewer = init.viewer;
    this.publication = init.publication;
    this.#transport = init.transport;
    this.#stats = init.stats;
    this.#logger = init.logger;
    this.#dropRate = init.dropRate;
    this.#ssrc = init.ssrc;
    const { codec, kind } = init.publication.offer;
    this.#pt = codec.pt;
    this.#isVideo = kind === 'video';
    this.#started = !this.#isVideo;
    this.#seq = new SeqRewriter(codec.clockRate);
    this.#sr = new SenderReportGenerator(init.ssrc, codec.clockRate);
    if (init.publication.simulcast) {
      this.#selector = new SimulcastSelector(
        init.publication.layerRids.map((rid) => ({ rid })),
        { wanted: init.size },
      );
      if (codec.name.toUpperCase() === 'VP8') this.#vp8 = new Vp8Rewriter();
    }
    this.#sent = new SentHistory(HISTORY, this.#vp8 !== undefined);
    init.transport.setListener(this);
    this.#connectTimer = setTimeout(() => {
      this.close(new ServerError('TRANSPORT_TIMEOUT', `the view did not connect within ${init.connectTimeoutMs} ms`));
    }, init.connectTimeoutMs);
    this.#connectTimer.unref();
  }

  get closed(): boolean {
    return this.#closed;
  }

  get offer(): string {
    return this.#transport.offer;
  }

  /** Completes the transport with the viewer's answer; throws ServerError BAD_SDP. */
  setAnswer(sdp: string): void {
    let pt: number | undefined;
    try {
      pt = answeredPayloadType(sdp, this.publication.offer.codec.name);
      this.#transport.setAnswer(sdp);
    } catch (err) {
      throw new ServerError('BAD_SDP', `the answer is not usable: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (pt === undefined) throw new ServerError('BAD_SDP', `the answer does not accept ${this.publication.offer.codec.name}`);
    this.#pt = pt;
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
      // A new view cannot decode until the next keyframe: ask for one now (the publication guards its request).
      this.publication.requestKeyframe(performance.now());
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
      const out = this.#seq.rewrite(ssrc, packet.seq, packet.timestamp, nowMs);
      if (!out) return;
      const buf = packet.buffer;
      if (this.#vp8 && payloadLength > 0) this.#vp8.rewrite(ssrc, buf.subarray(payloadOffset, payloadOffset + payloadLength));
      rewriteRtpHeader(buf, this.#pt, out.seq, out.timestamp, this.#ssrc);
      this.#sent.record(buf, layer.index, packet.seq, payloadOffset, payloadLength);
      this.#sr.onPacketSent(payloadLength);
      if (this.#dropRate > 0 && Math.random() < this.#dropRate) {
        this.#stats.rtpDroppedByTest++;
        return;
      }
      if (this.#transport.send(buf)) this.#stats.rtpForwarded++;
    } catch (err) {
      this.#fail('forwarding', err);
    }
  }

  /** RTCP from the viewer (a sendonly track delivers only RTCP). */
  onPacket(buf: Buffer): void {
    if (this.#closed) return;
    try {
      for (const item of parseRtcp(buf)) {
        switch (item.type) {
          case 'pli':
          case 'fir':
            this.#stats.keyframeRequestsReceived++;
            this.publication.requestKeyframe(performance.now(), this.#selector?.currentSsrc);
            break;
          case 'nack':
            this.#stats.nackReceived++;
            for (const seq of item.seqs) this.#retransmit(seq);
            break;
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
      const source = this.#seq.sourceSsrc;
      const clock = source === undefined ? undefined : this.publication.clockOf(source);
      if (!clock) return;
      this.#transport.send(this.#sr.build(clock, this.#seq.timestampOffset, nowMs));
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
    this.#transport.close();
    this.safeEmit('close', error);
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

  #retransmit(outSeq: number): void {
    const original = this.#sent.original(outSeq);
    const stored = original && this.publication.stored(original.layer, original.seq);
    if (!stored) return;
    // The store's copy is shared by every view: rebuild a private copy as it was sent.
    const buf = this.publication.scratch.subarray(0, stored.length);
    stored.copy(buf);
    this.#sent.restore(buf, outSeq);
    if (this.#transport.send(buf)) this.#stats.rtpRetransmitted++;
  }
}
