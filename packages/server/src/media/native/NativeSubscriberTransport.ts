import { randomBytes } from 'node:crypto';
import type { SlotInit, SubscriberTransport, TrackTransport, TransportState } from '../MediaEngine.js';
import { SdpError, parseSdp } from '../sdp.js';
import { guarded } from '../../util/guard.js';
import { warnCallbackFailed } from '../ndc/callback-warning.js';
import { DownlinkEventKind, type NativeDownlinkEngine, type NativeDownlinkTransport } from './addon.js';
import { NativeSlot } from './NativeSlot.js';
import { routeRtcp } from './rtcp-route.js';
import { writeSubscriberOffer, type OfferedSlot } from './subscriber-offer.js';

export interface NativeDownlinkHost {
  readonly native: NativeDownlinkEngine;
  /** The addresses announced as host candidates, all on the engine's one port. */
  readonly candidateAddresses: readonly string[];
}

/**
 * A member's receive connection on the native engine (packages/server/native): ICE-lite, DTLS-SRTP
 * and batched sends in C++ on the process's one UDP socket; the offer is written here. Slots are
 * only added, as on every engine (MediaEngine's SubscriberTransport).
 */
export class NativeSubscriberTransport implements SubscriberTransport {
  readonly id: string;
  readonly #host: NativeDownlinkHost;
  readonly #native: NativeDownlinkTransport;
  readonly #ufrag = randomBytes(6).toString('base64');
  readonly #pwd = randomBytes(18).toString('base64');
  readonly #sessionId = BigInt.asUintN(62, randomBytes(8).readBigUInt64BE()).toString();
  readonly #slots: NativeSlot[] = [];
  readonly #offered: OfferedSlot[] = [];
  readonly #bySsrc = new Map<number, NativeSlot>();
  #version = 0;
  /** Slots of the offer in flight, and of the last answered one. */
  #pendingCount = 0;
  #answeredCount = 0;
  #remoteFingerprint: string | undefined;
  #connected = false;
  #closed = false;
  #stateListener: (state: TransportState) => void = () => {};

  constructor(host: NativeDownlinkHost, id: string) {
    this.id = id;
    this.#host = host;
    this.#native = host.native.createTransport(
      this.#ufrag,
      this.#pwd,
      guarded(
        (kind: DownlinkEventKind, data: Buffer | string | undefined) => this.#onEvent(kind, data),
        (err) => this.#threw(err),
      ),
    );
  }

  addSlot(init: SlotInit): TrackTransport {
    const mid = String(this.#slots.length);
    const slot = new NativeSlot(mid, init.ssrc, this.#native);
    this.#slots.push(slot);
    this.#offered.push({ mid, kind: init.kind, codec: init.codec, ssrc: init.ssrc, cname: init.cname });
    this.#bySsrc.set(init.ssrc, slot);
    return slot;
  }

  createOffer(): Promise<string> {
    this.#pendingCount = this.#offered.length;
    return Promise.resolve(
      writeSubscriberOffer({
        sessionId: this.#sessionId,
        version: this.#version++,
        ufrag: this.#ufrag,
        pwd: this.#pwd,
        fingerprint: this.#host.native.fingerprint,
        candidates: this.#host.candidateAddresses.map((address) => ({ address, port: this.#host.native.port })),
        slots: this.#offered,
      }),
    );
  }

  setAnswer(sdp: string): void {
    const { fingerprint, role } = answerTransport(sdp);
    if (this.#remoteFingerprint === undefined) {
      this.#remoteFingerprint = fingerprint;
      this.#native.setRemote(fingerprint, role);
    } else if (fingerprint.toUpperCase() !== this.#remoteFingerprint.toUpperCase()) {
      throw new SdpError('the answer changes the DTLS fingerprint of a live connection');
    }
    this.#answeredCount = Math.max(this.#answeredCount, this.#pendingCount);
    if (this.#connected) this.#openAnswered();
  }

  onState(listener: (state: TransportState) => void): void {
    this.#stateListener = listener;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stateListener = () => {};
    for (const slot of this.#slots) {
      slot.markClosed();
      slot.close();
    }
    this.#native.close();
  }

  #onEvent(kind: DownlinkEventKind, data: Buffer | string | undefined): void {
    if (this.#closed) return;
    if (kind === DownlinkEventKind.Rtcp) {
      routeRtcp(data as Buffer, (ssrc, packet) => this.#bySsrc.get(ssrc)?.listener.onPacket(packet));
    } else if (kind === DownlinkEventKind.Connected) {
      this.#connected = true;
      this.#stateListener('connected');
      this.#openAnswered();
    } else {
      for (const slot of this.#slots) slot.markClosed();
      this.#stateListener('failed');
    }
  }

  #openAnswered(): void {
    for (let i = 0; i < this.#answeredCount; i++) this.#slots[i]!.markOpen();
  }

  #threw(err: unknown): void {
    warnCallbackFailed(this.id, 'a native event', err);
    const listener = this.#stateListener;
    this.close();
    try {
      listener('failed');
    } catch {
      // The listener failed too; the warning has the first error.
    }
  }
}

/** The DTLS side of a receive connection's answer: the client's fingerprint and the server's role. */
function answerTransport(sdp: string): { fingerprint: string; role: 'client' | 'server' } {
  const session = parseSdp(sdp);
  const media = session.media[0];
  const fingerprint = media?.fingerprint ?? session.fingerprint;
  if (!fingerprint || fingerprint.type.toLowerCase() !== 'sha-256') throw new SdpError('the answer has no sha-256 a=fingerprint');
  const setup = media?.setup ?? session.setup ?? 'active';
  if (setup !== 'active' && setup !== 'passive') throw new SdpError(`the answer's a=setup:${setup} is neither active nor passive`);
  // The client active: it starts the handshake, the server is DTLS's server.
  return { fingerprint: fingerprint.hash, role: setup === 'active' ? 'server' : 'client' };
}
