import type { ServerEventData } from '@hudong/protocol';
import type { Logger } from '../../util/logger.js';
import type { WebRtc } from './webrtc.js';
import { GATHER_CAP_MS, RECEIVE_PEER_CONFIG, closeQuietly, connectedOrAfter, gatheringComplete, type MediaRequest } from './peer.js';

type Offer = ServerEventData<'media.subscriberOffer'>;

/** How long a view waits for its m-section to be offered, and then for the connection to come up. */
const OFFER_WAIT_MS = 10_000;
const CONNECT_WAIT_MS = 5000;
/**
 * An answer waits for our first ICE candidates, not for gathering to complete: full gathering took
 * 50–150 ms in Chromium here (its port allocator's phases), on the first view's path. (With none at
 * all, libdatachannel sometimes never connected.) The host candidates of all interfaces come
 * together; the others' the server learns from our connectivity checks.
 */
const ANSWER_AFTER_FIRST_CANDIDATE_MS = 2;
const ICE_LITE = /^a=ice-lite\r?$/m;

interface Waiter {
  connectionId: string;
  mid: string;
  resolve: (track: MediaStreamTrack) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * A room's one receive connection: every view and every received audio arrives on it, one
 * m-section (mid) each. The server offers (`media.subscriberOffer`) and we answer, one offer at a
 * time in arrival order; a new `connectionId` means the server started a new connection, and the
 * old one is dropped. Views get a clone of their m-section's track, so ending a view (or an app
 * stopping its track) never stops the m-section, which the server reuses for later views.
 */
export class SubscriberConnection {
  readonly #rtc: WebRtc;
  readonly #request: MediaRequest;
  readonly #log: Logger;
  readonly #takeSpare: () => RTCPeerConnection | null;
  #pc: RTCPeerConnection | null = null;
  /** Made by `prepare` before the first offer arrives, taken by it. */
  #prepared: RTCPeerConnection | null = null;
  #connectionId: string | null = null;
  /** Offers are applied one after another: each waits for the previous one's answer to be sent. */
  #queue: Promise<void> = Promise.resolve();
  #waiters: Waiter[] = [];
  #closed = false;

  /** `takeSpare`: a peer connection made ahead (SparePeer), used before making one. */
  constructor(rtc: WebRtc, request: MediaRequest, log: Logger, takeSpare: () => RTCPeerConnection | null = () => null) {
    this.#rtc = rtc;
    this.#request = request;
    this.#log = log;
    this.#takeSpare = takeSpare;
  }

  /**
   * Makes the peer connection the next offer will use, now: without a spare, creating one blocks
   * the page for 15–40 ms in Chromium here, which then overlaps the wait for the server's first
   * offer instead of following it.
   */
  prepare(): void {
    if (this.#closed || this.#pc || this.#prepared) return;
    this.#prepared = this.#newPeer();
  }

  /** An offer from the server; applied after the ones before it. */
  offer(offer: Offer): void {
    this.#queue = this.#queue.then(() => this.#apply(offer));
  }

  /**
   * A new track of m-section `mid` of connection `connectionId` once an applied offer has it and the
   * connection is up (or after 5 s: the server reports a connection that never comes up). Rejects
   * when that connection is dropped or replaced. (Handing the track out before the connection is
   * up measured no faster in bench/first-frame: the player the application then sets up competes
   * with Chromium's ICE and DTLS for the same CPU.)
   */
  async track(connectionId: string, mid: string): Promise<MediaStreamTrack> {
    const shared = (connectionId === this.#connectionId && this.#trackOf(mid)) || (await this.#offered(connectionId, mid));
    if (this.#pc) await connectedOrAfter(this.#pc, CONNECT_WAIT_MS);
    if (shared.readyState === 'ended') throw new Error(`the receive connection dropped m-section ${mid}`);
    return shared.clone();
  }

  /** Drops the connection (a reconnect starts a new one). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#drop(new Error('the receive connection was closed'));
    if (this.#prepared) closeQuietly(this.#prepared);
    this.#prepared = null;
  }

  async #apply(offer: Offer): Promise<void> {
    if (this.#closed) return;
    if (offer.connectionId !== this.#connectionId) {
      if (this.#pc)
        this.#drop(new Error(`the server replaced receive connection ${this.#connectionId} with ${offer.connectionId}`), offer.connectionId);
      this.#connectionId = offer.connectionId;
      this.#pc = this.#prepared ?? this.#newPeer();
      this.#prepared = null;
    }
    const pc = this.#pc!;
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      this.#settleWaiters();
      await pc.setLocalDescription(await pc.createAnswer());
      // An ICE-lite server (Hudong's native engine) never checks toward us: our candidates are of no
      // use to it, and its connection counts as up only once it has our answer's fingerprint.
      if (!ICE_LITE.test(offer.sdp)) await gatheringComplete(pc, GATHER_CAP_MS, ANSWER_AFTER_FIRST_CANDIDATE_MS);
      if (this.#pc !== pc) return;
      await this.#request('media.subscriberAnswer', {
        connectionId: offer.connectionId,
        revision: offer.revision,
        sdp: pc.localDescription?.sdp ?? '',
      });
    } catch (err) {
      // The server ends the views of an offer never answered (10004) or answered unusably (10002).
      this.#log.warn({ connectionId: offer.connectionId, revision: offer.revision, err: String(err) }, 'answering the receive connection failed');
    }
  }

  /** The connection's stats report; null while there is none. */
  async report(): Promise<RTCStatsReport | null> {
    return this.#pc ? this.#pc.getStats() : null;
  }

  #newPeer(): RTCPeerConnection {
    return this.#takeSpare() ?? new this.#rtc.RTCPeerConnection(RECEIVE_PEER_CONFIG);
  }

  #trackOf(mid: string): MediaStreamTrack | undefined {
    return this.#pc?.getTransceivers().find((t) => t.mid === mid)?.receiver.track;
  }

  #offered(connectionId: string, mid: string): Promise<MediaStreamTrack> {
    if (this.#closed) return Promise.reject(new Error('the receive connection was closed'));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        connectionId,
        mid,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(new Error(`m-section ${mid} was not offered within ${OFFER_WAIT_MS} ms`));
        }, OFFER_WAIT_MS),
      };
      this.#waiters.push(waiter);
    });
  }

  #settleWaiters(): void {
    this.#waiters = this.#waiters.filter((w) => {
      const track = w.connectionId === this.#connectionId && this.#trackOf(w.mid);
      if (!track) return true;
      clearTimeout(w.timer);
      w.resolve(track);
      return false;
    });
  }

  /** Closes the peer; its waiters fail (those for `next`, the connection taking over, go on waiting). */
  #drop(reason: Error, next?: string): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (w.connectionId === next) return true;
      clearTimeout(w.timer);
      w.reject(reason);
      return false;
    });
    if (this.#pc) closeQuietly(this.#pc);
    this.#pc = null;
  }
}
