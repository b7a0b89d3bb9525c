import type { SlotInit, SubscriberTransport, TrackTransport } from '../MediaEngine.js';
import { parseSdp } from '../sdp.js';
import { NativeConnection } from './NativeConnection.js';
import { NativeTrack } from './NativeTrack.js';
import { routeRtcp } from './rtcp-route.js';
import { writeSubscriberOffer, type OfferedSlot } from './subscriber-offer.js';

/**
 * A member's receive connection on the native engine: the server offers (the SDP is written
 * here), one sendonly m-section per slot. Slots are only added, as on every engine (MediaEngine's
 * SubscriberTransport).
 */
export class NativeSubscriberTransport extends NativeConnection implements SubscriberTransport {
  readonly #slots: NativeTrack[] = [];
  readonly #offered: OfferedSlot[] = [];
  readonly #bySsrc = new Map<number, NativeTrack>();
  #version = 0;
  /** Slots of the offer in flight, and of the last answered one. */
  #pendingCount = 0;
  #answeredCount = 0;

  addSlot(init: SlotInit): TrackTransport {
    const mid = String(this.#slots.length);
    const slot = new NativeTrack(mid, this.native);
    this.#slots.push(slot);
    this.#offered.push({ mid, kind: init.kind, codec: init.codec, ssrc: init.ssrc, cname: init.cname });
    this.#bySsrc.set(init.ssrc, slot);
    return slot;
  }

  createOffer(): Promise<string> {
    this.#pendingCount = this.#offered.length;
    return Promise.resolve(writeSubscriberOffer({ sessionId: this.sessionId, version: this.#version++, ...this.local, slots: this.#offered }));
  }

  setAnswer(sdp: string): void {
    this.applyRemote(parseSdp(sdp), 'actpass');
    this.#answeredCount = Math.max(this.#answeredCount, this.#pendingCount);
    if (this.connected) this.onConnected();
  }

  protected tracks(): Iterable<NativeTrack> {
    return this.#slots;
  }

  protected onConnected(): void {
    for (let i = 0; i < this.#answeredCount; i++) this.#slots[i]!.markOpen();
  }

  protected onRtcp(compound: Buffer): void {
    routeRtcp(compound, (ssrc, packet) => this.#bySsrc.get(ssrc)?.listener.onPacket(packet));
  }

  /** A receive connection carries no media from the client. */
  protected onRtp(): void {}
}
