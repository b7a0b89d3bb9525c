import type { MediaSource } from '@hudong/protocol';
import { SERVER_DEFAULTS } from '../config.js';
import { ServerError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Member } from '../rooms/Member.js';
import { SafeEmitter } from '../util/SafeEmitter.js';
import { internalFailure } from './failure.js';
import { guarded } from '../util/guard.js';
import type { TrackTransport, TransportListener, TransportState } from './MediaEngine.js';
import type { MediaStats } from './MediaStats.js';
import {
  BandwidthEstimator,
  KeyframeThrottle,
  NackGenerator,
  ReceptionStats,
  RetransmissionBuffer,
  RtpHeader,
  buildFir,
  buildNack,
  buildPli,
  buildReceiverReport,
  buildRemb,
  isH264Keyframe,
  isRtcp,
  isVp8Keyframe,
  parseRtcp,
  seqDelta,
  type SourceClock,
} from './rtp/index.js';
import type { PublishedSection } from './sdp.js';
import { Subscription, type SubscriptionInit } from './Subscription.js';

/** Bookkeeping period: NACKs, deferred keyframe requests and REMB are checked this often. */
const TICK_MS = 20;
/** Sender reports on subscriber legs and receiver reports to the publisher (docs/media.md: every second). */
const SR_EVERY_TICKS = 50;
/**
 * A new view of a video without simulcast starts with the newest keyframe and what followed it,
 * from the packet store, when that keyframe is this recent: its decoder starts at once instead of
 * waiting for a keyframe request to be answered (and the publisher is spared the spike).
 */
const REPLAY_MAX_AGE_MS = 1000;
/**
 * New SSRCs a publication takes (beyond one per layer) before it counts as hostile: a real publisher
 * changes its SSRC only when it restarts a source, while each new one costs a packet store and the
 * node's SRTP state. Past it the publication ends with 10005 TOO_MANY_SSRCS.
 */
export const MAX_SSRC_CHANGES = 32;

/** SSRC the SFU signs its feedback to publishers with (any value; receivers only match media SSRCs). */
const FEEDBACK_SSRC = 1;

export interface PublicationEvents {
  /** The first RTP packet arrived: the publication is announced (HAS_…). */
  live: [];
  /**
   * Closed: unpublished, replaced, transport failed or timed out, SEND bit taken, member left, or
   * its own work threw (INTERNAL). Its subscriptions have ended before this is emitted.
   * `error` is what the publisher is told with `media.publicationEnded` (null: it asked, or it left).
   */
  close: [reason: string, error: ServerError | null];
}

export interface PublicationInit {
  id: string;
  member: Member;
  source: MediaSource;
  /** Its m-section of the publisher's offer. */
  offer: PublishedSection;
  /** That m-section's track on the publisher's send connection. */
  transport: TrackTransport;
  stats: MediaStats;
  /** Carries the publication's ids; a failure of its own work is logged here. */
  logger: Logger;
  /** A transport not connected after this long ends the publication (10004 TRANSPORT_TIMEOUT). */
  connectTimeoutMs: number;
  /** Bounds of each layer's packet store. @default the server's defaults (`retransmissionPackets`, `maxRtpPacketBytes`) */
  store?: StoreLimits;
}

/** What one layer's packet store holds at most: `packets` × `maxPacketBytes` bytes. */
export interface StoreLimits {
  /** Packets kept per layer (a power of two). */
  packets: number;
  /** Larger RTP packets are dropped on arrival: neither stored nor forwarded. */
  maxPacketBytes: number;
}

/** One incoming stream as its views see it: where it sits among the simulcast layers. */
export interface PublishedLayer {
  /** Index in the offer's rid order (lowest first); 0 without simulcast. */
  readonly index: number;
  readonly rid: string | undefined;
}

/** One incoming stream (a simulcast layer, or the only stream). */
interface Layer extends PublishedLayer {
  ssrc: number;
  store: RetransmissionBuffer;
  nacks: NackGenerator;
  keyframes: KeyframeThrottle;
  clock: SourceClock | undefined;
  reception: ReceptionStats;
  /** The newest sequence number received. */
  newestSeq: number;
  /** The first packet of the newest keyframe, and when it came. */
  lastKeyframe: { seq: number; atMs: number } | undefined;
}

/**
 * One member × source being published: receives its transport, keeps the receive-side state
 * (NACK generation, bandwidth estimate → REMB, keyframe detection, packet store for
 * retransmission) and fans each packet out to its subscriptions, which it owns: `subscribe`
 * makes them, `close` ends them (`publicationClosed`). One timer per publication drives the
 * periodic work of the publication and of all its subscriptions. A throw in any of that work
 * ends this publication (or the one view) with INTERNAL, never the process.
 */
export class Publication extends SafeEmitter<PublicationEvents> implements TransportListener {
  readonly id: string;
  readonly member: Member;
  readonly source: MediaSource;
  readonly offer: PublishedSection;
  readonly #transport: TrackTransport;
  readonly #stats: MediaStats;
  readonly #logger: Logger;
  readonly #isVideo: boolean;
  readonly #isVp8: boolean;
  readonly #vp8Simulcast: boolean;
  readonly #payloadHead = Buffer.alloc(6);
  readonly #bwe = new BandwidthEstimator();
  readonly #layers: Layer[] = [];
  readonly #bySsrc = new Map<number, Layer>();
  /** SSRCs taken after each layer's first (see MAX_SSRC_CHANGES). */
  #ssrcChanges = 0;
  /** The one header view of this publication: every received packet is parsed into it, once. */
  readonly #packet = new RtpHeader();
  /** Its views, which packets go to; replaced (not changed) when one comes or goes, so a loop over it is not disturbed. */
  #fanout: readonly Subscription[] = [];
  #mediaSsrcs: number[] = [];
  readonly #timer: NodeJS.Timeout;
  readonly #connectTimer: NodeJS.Timeout;
  #ticks = 0;
  #live = false;
  #closed = false;
  readonly #store: StoreLimits;
  /** Scratch space for retransmissions and replays: the store's copy must not be rewritten in place. */
  readonly scratch: Buffer;
  /** The header view of replayed packets (the live one, #packet, may be mid-use). */
  readonly #replayed = new RtpHeader();

  constructor(init: PublicationInit) {
    super();
    this.id = init.id;
    this.member = init.member;
    this.source = init.source;
    this.offer = init.offer;
    this.#transport = init.transport;
    this.#stats = init.stats;
    this.#logger = init.logger;
    this.#store = init.store ?? { packets: SERVER_DEFAULTS.retransmissionPackets, maxPacketBytes: SERVER_DEFAULTS.maxRtpPacketBytes };
    this.scratch = Buffer.allocUnsafe(this.#store.maxPacketBytes);
    this.#isVideo = init.offer.kind === 'video';
    this.#isVp8 = init.offer.codec.name.toUpperCase() === 'VP8';
    this.#vp8Simulcast = this.#isVp8 && init.offer.rids.length > 1;
    init.transport.setListener(this);
    this.#timer = setInterval(
      guarded(
        () => this.#tick(),
        (err) => this.#fail('timer', err),
      ),
      TICK_MS,
    );
    this.#timer.unref();
    this.#connectTimer = setTimeout(
      guarded(
        () =>
          this.close('transport timeout', new ServerError('TRANSPORT_TIMEOUT', `the publication did not connect within ${init.connectTimeoutMs} ms`)),
        (err) => this.#fail('connect timer', err),
      ),
      init.connectTimeoutMs,
    );
    this.#connectTimer.unref();
    // A track that carried an earlier publication of the source is open already.
    if (init.transport.open) this.onState('connected');
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** True from the first RTP packet on. */
  get live(): boolean {
    return this.#live;
  }

  get simulcast(): boolean {
    return this.offer.rids.length > 1;
  }

  /** Simulcast rids, lowest first, for subscription selectors. */
  get layerRids(): readonly string[] {
    return this.offer.rids;
  }

  get subscriptionCount(): number {
    return this.#fanout.length;
  }

  /** A new view of this publication, owned by it: it ends when the view closes or the publication does. */
  subscribe(init: Omit<SubscriptionInit, 'publication'>): Subscription {
    if (this.#closed) throw new Error(`publication ${this.id} is closed`);
    const subscription = new Subscription({ ...init, publication: this });
    this.#fanout = [...this.#fanout, subscription];
    subscription.on('close', () => {
      this.#fanout = this.#fanout.filter((s) => s !== subscription);
    });
    return subscription;
  }

  /**
   * Sends `view` the newest keyframe and every packet after it, from the store, so that it can
   * decode at once. False (nothing sent) without simulcast-free video, a keyframe younger than
   * REPLAY_MAX_AGE_MS, or every packet since it in the store.
   */
  replayLatestKeyframe(view: Subscription, nowMs: number): boolean {
    const layer = this.#layers[0];
    const keyframe = layer?.lastKeyframe;
    if (!this.#isVideo || this.simulcast || !layer || !keyframe || nowMs - keyframe.atMs > REPLAY_MAX_AGE_MS) return false;
    const count = seqDelta(layer.newestSeq, keyframe.seq) + 1;
    if (count < 1 || count > this.#store.packets) return false;
    for (let i = 0; i < count; i++) if (!layer.store.get((keyframe.seq + i) & 0xffff)) return false;
    const packet = this.#replayed;
    for (let i = 0; i < count; i++) {
      const stored = layer.store.get((keyframe.seq + i) & 0xffff)!;
      const buf = this.scratch.subarray(0, stored.length);
      stored.copy(buf);
      if (!packet.parse(buf)) continue;
      view.forward(packet, layer, i === 0, nowMs);
    }
    this.#stats.keyframesReplayed++;
    return true;
  }

  /** The stored packet with original sequence number `seq` of layer `index` (a view; copy before storing more). */
  stored(index: number, seq: number): Buffer | undefined {
    return this.#layers[index]?.store.get(seq);
  }

  /** The publisher's clock for `ssrc` from its last sender report. */
  clockOf(ssrc: number): SourceClock | undefined {
    return this.#bySsrc.get(ssrc)?.clock;
  }

  /**
   * Asks the publisher for a keyframe on `ssrc` (default: every layer), at most one request per
   * 500 ms per stream: one keyframe answers every request made before it. Views call this from
   * their own work; a throw here is the publication's failure, not theirs.
   */
  requestKeyframe(nowMs: number, ssrc?: number): void {
    try {
      for (const layer of this.#layers) {
        if (!layer || (ssrc !== undefined && layer.ssrc !== ssrc)) continue;
        const request = layer.keyframes.request(nowMs);
        if (request) this.#sendKeyframeRequest(layer, request.firSeqNr);
      }
    } catch (err) {
      this.#fail('keyframe request', err);
    }
  }

  onState(state: TransportState): void {
    if (state === 'connected') {
      clearTimeout(this.#connectTimer);
    } else {
      this.close(`transport ${state}`, new ServerError('TRANSPORT_FAILED', `the publication's transport ${state}`));
    }
  }

  /** Every packet of the publisher: the hot path. */
  onPacket(buf: Buffer): void {
    if (this.#closed) return;
    try {
      if (isRtcp(buf)) this.#onRtcp(buf);
      else this.#onRtp(buf);
    } catch (err) {
      this.#fail(isRtcp(buf) ? 'RTCP handling' : 'packet handling', err);
    }
  }

  /**
   * Closes the publication: first its subscriptions (each told `publicationClosed`), then the
   * `close` event. Idempotent.
   */
  close(reason: string, error: ServerError | null = null): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#connectTimer);
    this.#transport.close();
    for (const subscription of this.#fanout) subscription.publicationClosed(reason);
    this.safeEmit('close', reason, error);
  }

  #fail(what: string, err: unknown): void {
    this.#logger.error({ err }, `publication ${what} failed; ending the publication`);
    this.close('internal error', internalFailure('publication', what, err));
  }

  #onRtp(buf: Buffer): void {
    if (buf.length > this.#store.maxPacketBytes) {
      this.#stats.rtpOversized++;
      return;
    }
    const packet = this.#packet;
    if (!packet.parse(buf) || packet.payloadType !== this.offer.codec.pt) return;
    const nowMs = performance.now();
    this.#stats.rtpReceived++;
    const layer = this.#bySsrc.get(packet.ssrc) ?? this.#addLayer(packet);
    if (!layer) return;
    const { seq, payloadOffset, payloadLength } = packet;
    layer.store.store(seq, buf);
    layer.nacks.onPacket(seq, nowMs);
    layer.reception.onPacket(seq, packet.timestamp, nowMs);
    this.#bwe.onPacket(packet.ssrc, seq, buf.length, nowMs);
    const keyframe = this.#isVideo && payloadLength > 0 && this.#isKeyframe(buf, payloadOffset, payloadOffset + payloadLength);
    if (seqDelta(seq, layer.newestSeq) > 0) layer.newestSeq = seq;
    if (keyframe) {
      layer.keyframes.onKeyframe();
      layer.lastKeyframe = { seq, atMs: nowMs };
    }
    if (!this.#live) {
      this.#live = true;
      this.safeEmit('live');
    }
    const fanout = this.#fanout;
    // Simulcast VP8: each view rewrites PictureID/TL0PICIDX in place; give each the original bytes.
    const headLength = this.#vp8Simulcast ? Math.min(6, payloadLength) : 0;
    if (headLength > 0) buf.copy(this.#payloadHead, 0, payloadOffset, payloadOffset + headLength);
    for (let i = 0; i < fanout.length; i++) {
      if (headLength > 0 && i > 0) this.#payloadHead.copy(buf, payloadOffset, 0, headLength);
      fanout[i]!.forward(packet, layer, keyframe, nowMs);
    }
  }

  #isKeyframe(buf: Buffer, offset: number, end: number): boolean {
    const b0 = buf[offset]!;
    if (this.#isVp8) {
      // Only the first packet of partition 0 can start a keyframe: check cheaply before parsing.
      return (b0 & 0x10) !== 0 && (b0 & 0x07) === 0 && isVp8Keyframe(buf.subarray(offset, end));
    }
    const nal = b0 & 0x1f;
    return (nal === 5 || nal === 7 || nal === 24 || nal === 28) && isH264Keyframe(buf.subarray(offset, end));
  }

  /** A new SSRC: with simulcast, placed by its rid (header extension); without, it is the stream. */
  #addLayer(packet: RtpHeader): Layer | undefined {
    let index = 0;
    let rid: string | undefined;
    if (this.simulcast) {
      const ridId = this.offer.extIds.rid;
      rid = ridId === undefined ? undefined : packet.extension(ridId)?.toString('ascii');
      if (rid === undefined) return undefined; // cannot place it yet; the rid comes on early packets
      index = this.offer.rids.indexOf(rid);
      if (index < 0) return undefined;
    }
    // The layer's previous stream (a new SSRC for the same rid, or the only stream) is gone.
    const previous = this.#layers[index];
    if (previous && ++this.#ssrcChanges > MAX_SSRC_CHANGES) {
      this.close(
        'too many SSRCs',
        new ServerError('TOO_MANY_SSRCS', `the publisher changed the SSRC of its ${this.source} more than ${MAX_SSRC_CHANGES} times`),
      );
      return undefined;
    }
    if (previous) {
      this.#bySsrc.delete(previous.ssrc);
      this.#bwe.forget(previous.ssrc);
    }
    const { ssrc } = packet;
    const layer: Layer = {
      ssrc,
      index,
      rid,
      store: new RetransmissionBuffer(this.#store.packets),
      nacks: new NackGenerator(),
      keyframes: new KeyframeThrottle(500),
      clock: undefined,
      reception: new ReceptionStats(ssrc, this.offer.codec.clockRate),
      newestSeq: packet.seq,
      lastKeyframe: undefined,
    };
    this.#layers[index] = layer;
    this.#bySsrc.set(ssrc, layer);
    this.#mediaSsrcs = [...this.#bySsrc.keys()];
    return layer;
  }

  #onRtcp(buf: Buffer): void {
    for (const item of parseRtcp(buf)) {
      if (item.type === 'sr') {
        const layer = this.#bySsrc.get(item.ssrc);
        if (layer) layer.clock = { ntp: item.ntp, rtpTimestamp: item.rtpTimestamp, receivedAtMs: performance.now() };
      }
    }
  }

  #sendReceiverReport(nowMs: number): void {
    const blocks = [];
    for (const layer of this.#layers) {
      const block = layer?.reception.report(nowMs, layer.clock);
      if (block) blocks.push(block);
    }
    if (blocks.length > 0 && this.#transport.send(buildReceiverReport(FEEDBACK_SSRC, blocks))) this.#stats.receiverReportsSent++;
  }

  #sendKeyframeRequest(layer: Layer, firSeqNr: number): void {
    // PLI is what libwebrtc and browsers answer; FIR goes along for encoders that only honour it.
    const pli = buildPli(FEEDBACK_SSRC, layer.ssrc);
    const fir = buildFir(FEEDBACK_SSRC, [{ ssrc: layer.ssrc, seqNr: firSeqNr }]);
    if (this.#transport.send(Buffer.concat([pli, fir]))) this.#stats.keyframeRequestsSent++;
  }

  #tick(): void {
    if (this.#closed) return;
    const nowMs = performance.now();
    let step = 'NACK';
    try {
      for (const layer of this.#layers) {
        if (!layer) continue;
        step = 'NACK';
        const missing = layer.nacks.due(nowMs);
        if (missing.length > 0 && this.#transport.send(buildNack(FEEDBACK_SSRC, layer.ssrc, missing))) this.#stats.nackSent++;
        step = 'keyframe request';
        const deferred = layer.keyframes.due(nowMs);
        if (deferred) this.#sendKeyframeRequest(layer, deferred.firSeqNr);
      }
      step = 'REMB';
      if (this.#isVideo && this.#mediaSsrcs.length > 0) {
        const bitrate = this.#bwe.rembDue(nowMs);
        if (bitrate !== undefined && this.#transport.send(buildRemb(FEEDBACK_SSRC, bitrate, this.#mediaSsrcs))) this.#stats.rembSent++;
      }
      if (++this.#ticks % SR_EVERY_TICKS === 0) {
        // Each view guards its own sender report: one failing ends that view only.
        for (const subscription of this.#fanout) subscription.sendSenderReport(nowMs);
        step = 'receiver report';
        this.#sendReceiverReport(nowMs);
      }
    } catch (err) {
      this.#fail(step, err);
    }
  }
}
