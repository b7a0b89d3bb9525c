import { RECEIVE_PEER_CONFIG, closeQuietly } from './peer.js';
import type { WebRtc } from './webrtc.js';

/**
 * One receive peer connection made while logging in, in browsers, for the next room to take. The
 * first RTCPeerConnection of a page costs Chromium 12–40 ms of the page's main thread (it sets up
 * its WebRTC stack), the later ones ~2 ms: made while the login is on the wire, that cost no longer
 * falls on the way from `enterRoom` to the first frame. (Node's @roamhq/wrtc has no such first
 * cost, and a signalling-only client must not hold a peer it never uses.)
 */
export class SparePeer {
  #pc: RTCPeerConnection | null = null;

  /** Makes the spare now, unless there is one (browsers only). */
  make(rtc: WebRtc | null): void {
    if (!rtc?.browser || this.#pc) return;
    this.#pc = new rtc.RTCPeerConnection(RECEIVE_PEER_CONFIG);
  }

  /** The spare, now owned by the caller; null when there is none. */
  take(): RTCPeerConnection | null {
    const pc = this.#pc;
    this.#pc = null;
    return pc;
  }

  /** Logged out (or the login failed): the spare is closed. */
  close(): void {
    if (this.#pc) closeQuietly(this.#pc);
    this.#pc = null;
  }
}
