import { RECEIVE_PEER_CONFIG, closeQuietly } from './peer.js';
import type { WebRtc } from './webrtc.js';

/**
 * One receive peer connection made after login, in browsers, for the next room to take. The first
 * RTCPeerConnection of a page costs Chromium 12–40 ms of the page's main thread (it sets up its
 * WebRTC stack), the later ones ~2 ms: made here, that cost falls while the application is idle
 * after login instead of on the way from `enterRoom` to the first frame. (Node's @roamhq/wrtc has
 * no such first cost, and a signalling-only client must not hold a peer it never uses.)
 */
export class SparePeer {
  #pc: RTCPeerConnection | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;

  /** Makes the spare a moment from now (after whatever resolves the login), unless there is one. */
  make(rtc: WebRtc | null): void {
    if (!rtc?.browser || this.#pc || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#pc = new rtc.RTCPeerConnection(RECEIVE_PEER_CONFIG);
    }, 0);
  }

  /** The spare, now owned by the caller; null when there is none (yet). */
  take(): RTCPeerConnection | null {
    const pc = this.#pc;
    this.#pc = null;
    return pc;
  }

  /** Logged out: the spare is closed, a pending one is not made. */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pc) closeQuietly(this.#pc);
    this.#pc = null;
  }
}
