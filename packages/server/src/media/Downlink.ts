import { randomInt } from 'node:crypto';
import { ServerError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Member } from '../rooms/Member.js';
import { internalFailure } from './failure.js';
import { guarded, guardedAsync } from '../util/guard.js';
import type { MediaEngine, TrackTransport, SubscriberTransport, TransportListener } from './MediaEngine.js';
import { SenderReportGenerator, SeqRewriter } from './rtp/index.js';
import { answeredPayloadType, type MediaKind, type SdpCodec } from './sdp.js';

const DETACHED: TransportListener = { onPacket() {}, onState() {} };

/** What a slot's occupant is told when the whole connection goes. */
export interface SlotOccupant extends TransportListener {
  /** The connection failed or was dropped (`error` null: the viewer reset it). */
  connectionClosed(error: ServerError | null): void;
}

/** Where a view's slot comes from: a member's receive connection (Downlink), or a relay leg to another node (RelayLeg). */
export interface SlotHost {
  /** A slot for `occupant`, which becomes the slot transport's listener. */
  place(occupant: SlotOccupant, kind: MediaKind, codec: SdpCodec, cname: string): Slot;
  /** The occupant's view ended. */
  release(slot: Slot, occupant: SlotOccupant): void;
}

/**
 * One sendonly m-section of a member's receive connection, carrying one view at a time. Its SSRC,
 * sequence numbers and timestamps belong to the slot, not to the view: a view that takes over a
 * free slot continues them (to the receiver it is a source switch, like a simulcast layer change).
 */
export class Slot {
  readonly transport: TrackTransport;
  readonly kind: MediaKind;
  readonly codec: SdpCodec;
  readonly ssrc: number;
  readonly seq: SeqRewriter;
  readonly senderReports: SenderReportGenerator;
  /** The viewer's payload type for the codec, from its answer (the offered one until then). */
  pt: number;
  occupant: SlotOccupant | null = null;
  /** Offered and answered: a view placed here now is received without renegotiating. */
  negotiated = false;

  constructor(transport: TrackTransport, kind: MediaKind, codec: SdpCodec, ssrc: number) {
    this.transport = transport;
    this.kind = kind;
    this.codec = codec;
    this.ssrc = ssrc;
    this.pt = codec.pt;
    this.seq = new SeqRewriter(codec.clockRate);
    this.senderReports = new SenderReportGenerator(ssrc, codec.clockRate);
  }

  get mid(): string {
    return this.transport.mid;
  }

  /** Its view ended: the slot waits for the next view of the same kind and codec. */
  release(occupant: SlotOccupant): void {
    if (this.occupant !== occupant) return;
    this.occupant = null;
    this.transport.setListener(DETACHED);
  }
}

export interface DownlinkInit {
  id: string;
  member: Member;
  engine: MediaEngine;
  /** How long an offer may wait for its answer before the connection is given up (10004 TRANSPORT_TIMEOUT). */
  answerTimeoutMs: number;
  /** The video codec of the slots `open` makes (the server's preferred one); undefined: audio only. */
  openingVideoCodec?: string | undefined;
  /** How long after a view takes the last free reserve slot a new one is offered (default 250 ms). */
  reserveRefillMs?: number;
  logger: Logger;
}

/**
 * Views of one key can share a slot. Video keys carry the fmtp (an H.264 profile decides what a
 * decoder accepts); Opus parameters (FEC, stereo) do not change what the receiver can play.
 */
const slotKey = (kind: MediaKind, codec: SdpCodec) => `${kind} ${codec.name.toLowerCase()}${kind === 'video' ? ` ${codec.fmtp}` : ''}`;

/**
 * The slots a connection opened before any view starts with (`open`): one for audio and two for the
 * server's preferred video codec, in the payload types and parameters browsers use, so that the
 * first audio and the first two cameras take them without another offer.
 */
const OPENING_CODECS: Record<string, SdpCodec> = {
  opus: { pt: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1' },
  vp8: { pt: 96, name: 'VP8', clockRate: 90000, channels: undefined, fmtp: '' },
  h264: {
    pt: 102,
    name: 'H264',
    clockRate: 90000,
    channels: undefined,
    fmtp: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
  },
};

/** Video slots `open` makes: the first view's, and one in reserve for the next. */
const OPENING_VIDEO_SLOTS = 2;
const RESERVE_REFILL_MS = 250;

/**
 * A member's one receive connection: every view and every received audio of that member travels on
 * it, each on a slot. The server offers (libdatachannel renegotiates reliably only from one side),
 * one offer in flight at a time: slots added meanwhile go into the next offer, which follows the
 * answer. Views reuse free slots of their kind and codec, so a view that replaces another costs no
 * negotiation at all, and the SDP stays as large as the most views ever open at once.
 *
 * An opened connection (`open`) also keeps a video slot of the preferred codec in reserve: a view
 * added to a live connection takes it and shows its first frame without an offer and answer
 * (issue 9: ≤ 100 ms). Taking the last one offers a new reserve a moment later
 * (`reserveRefillMs`), so that the renegotiation does not compete with the new view's first frame.
 *
 * A failed negotiation (an answer that does not come, or cannot be used) or a failed connection
 * closes the downlink: every view on it ends with the code saying why, never silently.
 */
export class Downlink implements SlotHost {
  readonly id: string;
  readonly #member: Member;
  readonly #transport: SubscriberTransport;
  readonly #logger: Logger;
  readonly #answerTimeoutMs: number;
  readonly #openingCodecs: SdpCodec[];
  readonly #reserveRefillMs: number;
  /** Set by `open`: the key whose free slots are refilled, and the pending refill. */
  #reserve: { key: string; codec: SdpCodec; refill: NodeJS.Timeout | null } | null = null;
  readonly #slots: Slot[] = [];
  readonly #free = new Map<string, Slot[]>();
  #revision = 0;
  /** The slots the offer in flight carries, and its timer; null when none is in flight. */
  #inFlight: { revision: number; slots: Slot[]; timer: NodeJS.Timeout } | null = null;
  #offerScheduled = false;
  /** Told when the next offer is sent, or the downlink closes (`open`'s callers). */
  #onOfferSent: (() => void)[] = [];
  #closed = false;
  readonly #onClose: () => void;

  constructor(init: DownlinkInit, onClose: () => void) {
    this.id = init.id;
    this.#member = init.member;
    this.#logger = init.logger;
    this.#answerTimeoutMs = init.answerTimeoutMs;
    const video = OPENING_CODECS[init.openingVideoCodec?.toLowerCase() ?? ''];
    this.#openingCodecs = [OPENING_CODECS.opus!, ...(video ? Array<SdpCodec>(OPENING_VIDEO_SLOTS).fill(video) : [])];
    this.#reserveRefillMs = init.reserveRefillMs ?? RESERVE_REFILL_MS;
    this.#onClose = onClose;
    this.#transport = init.engine.createSubscriberTransport(init.id);
    this.#transport.onState((state, reason) => {
      if (state === 'failed' || state === 'closed')
        this.close(new ServerError('TRANSPORT_FAILED', `the receive connection ${state}${reason ? `: ${reason}` : ''}`));
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get slotCount(): number {
    return this.#slots.length;
  }

  /**
   * A slot for a view of `codec`: a free one if there is one, else a new m-section offered next
   * (coalesced with the other views asked for in the same turn of the event loop).
   */
  place(occupant: SlotOccupant, kind: MediaKind, codec: SdpCodec, cname: string): Slot {
    const key = slotKey(kind, codec);
    const free = this.#free.get(key);
    let slot = free?.pop();
    if (!slot) slot = this.#addSlot(kind, codec, cname);
    else if (free!.length === 0 && this.#reserve?.key === key) this.#scheduleRefill();
    slot.occupant = occupant;
    slot.transport.setListener(occupant);
    return slot;
  }

  /**
   * Offers the connection now, before any view, so that its handshake is done when the first view
   * comes: with a free audio slot and a free video slot (an offer needs an m-section; the first
   * received audio and the first view take them). Resolves once that offer is sent (at once when
   * the connection was opened already, or is closed).
   */
  open(): Promise<void> {
    if (this.#slots.length > 0 || this.#closed) return Promise.resolve();
    const sent = new Promise<void>((resolve) => this.#onOfferSent.push(resolve));
    for (const codec of this.#openingCodecs) {
      const kind: MediaKind = codec.name === 'opus' ? 'audio' : 'video';
      const key = slotKey(kind, codec);
      this.#freeList(key).push(this.#addSlot(kind, codec, `hudong-${this.id}`));
      if (kind === 'video') this.#reserve = { key, codec, refill: null };
    }
    return sent;
  }

  /** The view on `slot` ended: it is free for the next view of its kind and codec. */
  release(slot: Slot, occupant: SlotOccupant): void {
    if (slot.occupant !== occupant) return;
    slot.release(occupant);
    if (this.#closed) return;
    this.#freeList(slotKey(slot.kind, slot.codec)).push(slot);
  }

  /** media.subscriberAnswer. Throws BAD_SDP (after closing the downlink) for an answer it cannot use. */
  answer(connectionId: string, revision: number, sdp: string): void {
    const inFlight = this.#inFlight;
    if (connectionId !== this.id || !inFlight || revision !== inFlight.revision) {
      throw new ServerError(
        'BAD_SDP',
        `no offer ${revision} of connection ${connectionId} waits for an answer (${inFlight ? `waiting: ${this.id} #${inFlight.revision}` : 'none waits'})`,
      );
    }
    clearTimeout(inFlight.timer);
    this.#inFlight = null;
    try {
      for (const slot of inFlight.slots) {
        const pt = answeredPayloadType(sdp, slot.mid, slot.codec.name);
        if (pt === undefined) throw new Error(`m-section ${slot.mid} does not accept ${slot.codec.name}`);
        slot.pt = pt;
      }
      this.#transport.setAnswer(sdp);
    } catch (err) {
      const error = new ServerError('BAD_SDP', `the answer to offer ${revision} is not usable: ${err instanceof Error ? err.message : String(err)}`);
      this.close(error);
      throw error;
    }
    for (const slot of inFlight.slots) slot.negotiated = true;
    if (this.#slots.some((s) => !s.negotiated)) this.#scheduleOffer();
  }

  /** Ends the connection and every view on it with `error` (null: the viewer asked). Idempotent. */
  close(error: ServerError | null): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#inFlight) clearTimeout(this.#inFlight.timer);
    if (this.#reserve?.refill) clearTimeout(this.#reserve.refill);
    this.#inFlight = null;
    this.#transport.close();
    for (const slot of this.#slots) slot.occupant?.connectionClosed(error);
    this.#free.clear();
    this.#offerSettled();
    if (error) this.#logger.warn({ connection: this.id, code: error.detail.code, message: error.message }, 'receive connection closed');
    this.#onClose();
  }

  /** `fn` as a timer callback: a throw ends this connection and its views with INTERNAL. */
  #guarded(what: string, fn: () => void): () => void {
    return guarded(fn, (err) => this.#fail(what, err));
  }

  #fail(what: string, err: unknown): void {
    this.#logger.error({ err, connection: this.id }, `receive connection ${what} failed; closing it`);
    this.close(internalFailure('receive connection', what, err));
  }

  /** A new m-section, offered next (coalesced with the others added in the same turn). */
  #addSlot(kind: MediaKind, codec: SdpCodec, cname: string): Slot {
    const ssrc = randomInt(2, 0xffffffff);
    const slot = new Slot(this.#transport.addSlot({ kind, codec, ssrc, cname }), kind, codec, ssrc);
    this.#slots.push(slot);
    this.#scheduleOffer();
    return slot;
  }

  #freeList(key: string): Slot[] {
    let free = this.#free.get(key);
    if (!free) this.#free.set(key, (free = []));
    return free;
  }

  #scheduleRefill(): void {
    const reserve = this.#reserve!;
    if (reserve.refill) return;
    reserve.refill = setTimeout(
      this.#guarded('reserve refill', () => {
        reserve.refill = null;
        const free = this.#freeList(reserve.key);
        if (!this.#closed && free.length === 0) free.push(this.#addSlot('video', reserve.codec, `hudong-${this.id}`));
      }),
      this.#reserveRefillMs,
    );
    reserve.refill.unref();
  }

  #scheduleOffer(): void {
    if (this.#offerScheduled || this.#inFlight || this.#closed) return;
    this.#offerScheduled = true;
    setImmediate(
      this.#guarded('offer', () => {
        this.#offerScheduled = false;
        guardedAsync(this.#offer(), (err) => this.#fail('offer', err));
      }),
    );
  }

  async #offer(): Promise<void> {
    if (this.#closed || this.#inFlight) return;
    const slots = this.#slots.filter((s) => !s.negotiated);
    if (slots.length === 0) return;
    const revision = ++this.#revision;
    const timer = setTimeout(
      this.#guarded('answer timer', () =>
        this.close(
          new ServerError('TRANSPORT_TIMEOUT', `offer ${revision} of the receive connection was not answered within ${this.#answerTimeoutMs} ms`),
        ),
      ),
      this.#answerTimeoutMs,
    );
    timer.unref();
    this.#inFlight = { revision, slots, timer };
    let sdp: string;
    try {
      sdp = await this.#transport.createOffer();
    } catch (err) {
      this.close(
        new ServerError(
          'INTERNAL',
          `could not make offer ${revision} of the receive connection: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
      return;
    }
    if (this.#closed) return;
    this.#member.owner.send('media.subscriberOffer', { connectionId: this.id, revision, sdp });
    this.#offerSettled();
  }

  #offerSettled(): void {
    for (const resolve of this.#onOfferSent.splice(0)) resolve();
  }
}
