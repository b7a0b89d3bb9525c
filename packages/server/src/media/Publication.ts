import type { MediaSource } from '@hudong/protocol';
import { ServerError } from '../errors.js';
import type { Member } from '../rooms/Member.js';
import { SafeEmitter } from '../util/SafeEmitter.js';
import type { PublisherTransport, TransportListener, TransportState } from './MediaEngine.js';
import type { MediaStats } from './MediaStats.js';
import {
  BandwidthEstimator, KeyframeThrottle, NackGenerator, ReceptionStats, RetransmissionBuffer, buildFir, buildNack, buildPli, buildReceiverReport, buildRemb,
  isH264Keyframe, isVp8Keyframe, parseRtcp, RtpPacket, type SourceClock,
} from './rtp/index.js';
import type { PublisherOffer } from './sdp.js';
import type { Subscription } from './Subscription.js';

/** Bookkeeping period: NACKs, deferred keyframe requests and REMB are checked this often. */
const TICK_MS = 20;
/** Sender reports on subscriber legs and receiver reports to the publisher (docs/media.md: every second). */
const SR_EVERY_TICKS = 50;
/** Packets kept per stream for retransmission: ~1 s of 2.5 Mbps video. */
const STORE_PACKETS = 1024;
/** SSRC the SFU signs its feedback to publishers with (any value; receivers only match media SSRCs). */
const FEEDBACK_SSRC = 1;

export interface PublicationEvents {
  /** The first RTP packet arrived: the publication is announced (HAS_…). */
  live: [];
  /**
   * Closed: unpublished, replaced, transport failed or timed out, SEND bit taken, member left.
   * `error` is what the publisher is told with `media.publicationEnded` (null: it asked, or it left).
   */
  close: [reason: string, error: ServerError | null];
}

/** One incoming stream (a simulcast layer, or the only stream). */
interface Layer {
  ssrc: number;
  /** Index in the offer's rid order (lowest first); 0 without simulcast. */
  index: number;
  rid: string | undefined;
  store: RetransmissionBuffer;
  nacks: NackGenerator;
  keyframes: KeyframeThrottle;
  clock: SourceClock | undefined;
  reception: ReceptionStats;
}

/**
 * One member × source being published: receives its transport, keeps the receive-side state
 * (NACK generation, bandwidth estimate → REMB, keyframe detection, packet store for
 * retransmission) and fans each packet out to its subscriptions. One timer per publication drives
 * the periodic work of the publication and of all its subscriptions.
 */
export class Publication extends SafeEmitter<PublicationEvents> implements TransportListener {
  readonly id: string;
  readonly member: Member;
  readonly source: MediaSource;
  readonly offer: PublisherOffer;
  readonly #transport: PublisherTransport;
  readonly #stats: MediaStats;
  readonly #isVideo: boolean;
  readonly #isVp8: boolean;
  readonly #vp8Simulcast: boolean;
  readonly #payloadHead = Buffer.alloc(6);
  readonly #bwe = new BandwidthEstimator();
  readonly #layers: Layer[] = [];
  readonly #bySsrc = new Map<number, Layer>();
  #subscriptions: Subscription[] = [];
  #mediaSsrcs: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  #ticks = 0;
  #live = false;
  #connected = false;
  #closed = false;
  /** Scratch space for retransmissions: the store's copy must not be rewritten in place. */
  readonly scratch = Buffer.allocUnsafe(1500);

  constructor(id: string, member: Member, source: MediaSource, offer: PublisherOffer, transport: PublisherTransport, stats: MediaStats) {
    super();
    this.id = id;
    this.member = member;
    this.source = source;
    this.offer = offer;
    this.#transport = transport;
    this.#stats = stats;
    this.#isVideo = offer.kind === 'video';
    this.#isVp8 = offer.codec.name.toUpperCase() === 'VP8';
    this.#vp8Simulcast = this.#isVp8 && offer.rids.length > 1;
    transport.setListener(this);
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    this.#timer.unref();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** True from the first RTP packet on. */
  get live(): boolean {
    return this.#live;
  }

  get connected(): boolean {
    return this.#connected;
  }

  get simulcast(): boolean {
    return this.offer.rids.length > 1;
  }

  get subscriptionCount(): number {
    return this.#subscriptions.length;
  }

  /** @internal */
  addSubscription(subscription: Subscription): void {
    this.#subscriptions = [...this.#subscriptions, subscription];
  }

  /** @internal */
  removeSubscription(subscription: Subscription): void {
    this.#subscriptions = this.#subscriptions.filter((s) => s !== subscription);
  }

  /** The stored packet with original sequence number `seq` of layer `index` (a view; copy before storing more). */
  stored(index: number, seq: number): Buffer | undefined {
    return this.#layers[index]?.store.get(seq);
  }

  /** The publisher's clock for `ssrc` from its last sender report. */
  clockOf(ssrc: number): SourceClock | undefined {
    return this.#bySsrc.get(ssrc)?.clock;
  }

  /** Layers seen so far, lowest first (simulcast), for subscription selectors. */
  get layerRids(): readonly string[] {
    return this.offer.rids;
  }

  /**
   * Asks the publisher for a keyframe on `ssrc` (default: every layer), at most one request per
   * 500 ms per stream: one keyframe answers every request made before it.
   */
  requestKeyframe(nowMs: number, ssrc?: number): void {
    for (const layer of this.#layers) {
      if (ssrc !== undefined && layer.ssrc !== ssrc) continue;
      const request = layer.keyframes.request(nowMs);
      if (request) this.#sendKeyframeRequest(layer, request.firSeqNr);
    }
  }

  onState(state: TransportState): void {
    if (state === 'connected') this.#connected = true;
    else this.close(`transport ${state}`, new ServerError('TRANSPORT_FAILED', `the publication's transport ${state}`));
  }

  /** Every packet of the publisher: the hot path. */
  onPacket(buf: Buffer): void {
    const length = buf.length;
    if (length < 12 || buf[0]! >> 6 !== 2) return;
    const second = buf[1]!;
    if (second >= 192 && second <= 223) {
      this.#onRtcp(buf);
      return;
    }
    // RTP header, parsed inline (no view object per packet).
    const first = buf[0]!;
    let offset = 12 + (first & 0x0f) * 4;
    if (first & 0x10) {
      if (offset + 4 > length) return;
      offset += 4 + buf.readUInt16BE(offset + 2) * 4;
    }
    let end = length;
    if (first & 0x20) end -= buf[length - 1]!;
    if (offset > end) return;
    if ((second & 0x7f) !== this.offer.codec.pt) return;
    const ssrc = buf.readUInt32BE(8);
    const seq = buf.readUInt16BE(2);
    const timestamp = buf.readUInt32BE(4);
    const nowMs = performance.now();
    this.#stats.rtpReceived++;
    const layer = this.#bySsrc.get(ssrc) ?? this.#addLayer(buf, ssrc);
    if (!layer) return;
    layer.store.store(seq, buf);
    layer.nacks.onPacket(seq, nowMs);
    layer.reception.onPacket(seq, timestamp, nowMs);
    this.#bwe.onPacket(ssrc, seq, length, nowMs);
    let keyframe = false;
    if (this.#isVideo && end > offset) keyframe = this.#isKeyframe(buf, offset, end);
    if (keyframe) layer.keyframes.onKeyframe();
    if (!this.#live) {
      this.#live = true;
      this.safeEmit('live');
    }
    const subscriptions = this.#subscriptions;
    // Simulcast VP8: each view rewrites PictureID/TL0PICIDX in place; give each the original bytes.
    const headLength = this.#vp8Simulcast ? Math.min(6, end - offset) : 0;
    if (headLength > 0) buf.copy(this.#payloadHead, 0, offset, offset + headLength);
    for (let i = 0; i < subscriptions.length; i++) {
      if (headLength > 0 && i > 0) this.#payloadHead.copy(buf, offset, 0, headLength);
      subscriptions[i]!.forward(buf, ssrc, seq, timestamp, keyframe, layer.index, layer.rid, offset, end - offset, nowMs);
    }
  }

  /** Closes the publication and its subscriptions (they are told by their owner). Idempotent. */
  close(reason: string, error: ServerError | null = null): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#transport.close();
    this.safeEmit('close', reason, error);
    this.#subscriptions = [];
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

  /** A new SSRC: with simulcast, placed by its rid; without, it is the stream. */
  #addLayer(buf: Buffer, ssrc: number): Layer | undefined {
    let index = 0;
    let rid: string | undefined;
    if (this.simulcast) {
      rid = this.#readRid(buf);
      if (rid === undefined) return undefined; // cannot place it yet; the rid comes on early packets
      index = this.offer.rids.indexOf(rid);
      if (index < 0) return undefined;
      const previous = this.#layers[index];
      if (previous) this.#bySsrc.delete(previous.ssrc);
    } else if (this.#layers[0]) {
      this.#bySsrc.delete(this.#layers[0].ssrc);
    }
    const layer: Layer = {
      ssrc, index, rid, store: new RetransmissionBuffer(STORE_PACKETS), nacks: new NackGenerator(),
      keyframes: new KeyframeThrottle(500), clock: undefined, reception: new ReceptionStats(ssrc, this.offer.codec.clockRate),
    };
    this.#layers[index] = layer;
    this.#bySsrc.set(ssrc, layer);
    this.#mediaSsrcs = [...this.#bySsrc.keys()];
    return layer;
  }

  #readRid(buf: Buffer): string | undefined {
    const id = this.offer.extIds.rid;
    if (id === undefined) return undefined;
    // Rare (once per new SSRC): the view object is fine here.
    const value = RtpPacket.from(buf)?.getExtension(id);
    return value?.toString('ascii');
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
    for (const layer of this.#layers) {
      if (!layer) continue;
      const missing = layer.nacks.due(nowMs);
      if (missing.length > 0 && this.#transport.send(buildNack(FEEDBACK_SSRC, layer.ssrc, missing))) this.#stats.nackSent++;
      const deferred = layer.keyframes.due(nowMs);
      if (deferred) this.#sendKeyframeRequest(layer, deferred.firSeqNr);
    }
    if (this.#isVideo && this.#mediaSsrcs.length > 0) {
      const bitrate = this.#bwe.rembDue(nowMs);
      if (bitrate !== undefined && this.#transport.send(buildRemb(FEEDBACK_SSRC, bitrate, this.#mediaSsrcs))) this.#stats.rembSent++;
    }
    if (++this.#ticks % SR_EVERY_TICKS === 0) {
      for (const subscription of this.#subscriptions) subscription.sendSenderReport(nowMs);
      this.#sendReceiverReport(nowMs);
    }
  }
}
