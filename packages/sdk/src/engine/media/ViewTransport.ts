import type { MediaSource } from '@hudong/protocol';
import type { WebRtc } from './webrtc.js';
import { closeQuietly, connectedOrAfter, gatheringComplete, type MediaRequest } from './peer.js';

export interface ViewTarget {
  identifier: string;
  source: MediaSource;
  size: 'big' | 'small';
}

/** How long `open` waits for the transport to connect before handing out its track anyway. */
const CONNECT_WAIT_MS = 5000;

/**
 * One source of one member received from the SFU: the server offers (`media.subscribe`), we answer
 * (`media.answer`). Exposes the remote track. Closing it is local only; `media.unsubscribe` is the caller's.
 */
export class ViewTransport {
  readonly subscriptionId: string;
  readonly target: ViewTarget;
  readonly codec: string;
  readonly track: MediaStreamTrack;
  #pc: RTCPeerConnection;
  #closed = false;

  private constructor(subscriptionId: string, target: ViewTarget, codec: string, track: MediaStreamTrack, pc: RTCPeerConnection) {
    this.subscriptionId = subscriptionId;
    this.target = { ...target };
    this.codec = codec;
    this.track = track;
    this.#pc = pc;
  }

  /**
   * Subscribes and answers; resolves once the remote track exists and the transport connected (or
   * after 5 s). `onSubscribed` learns the subscription id as soon as the server gave it, so that a
   * caller can undo a subscription whose opening fails later. Server errors surface unchanged.
   */
  static async open(rtc: WebRtc, target: ViewTarget, request: MediaRequest, onSubscribed?: (subscriptionId: string) => void): Promise<ViewTransport> {
    const sub = await request('media.subscribe', { identifier: target.identifier, source: target.source, size: target.size });
    onSubscribed?.(sub.subscriptionId);
    const pc = new rtc.RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    try {
      let track: MediaStreamTrack | null = null;
      pc.addEventListener('track', (e) => {
        track ??= (e as RTCTrackEvent).track;
      });
      await pc.setRemoteDescription({ type: 'offer', sdp: sub.sdp });
      track ??= pc.getTransceivers()[0]?.receiver.track ?? null;
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      await gatheringComplete(pc);
      await request('media.answer', { subscriptionId: sub.subscriptionId, sdp: pc.localDescription?.sdp ?? answer.sdp ?? '' });
      if (!track) throw new Error(`the server's offer for ${target.identifier}'s ${target.source} carried no track`);
      await connectedOrAfter(pc, CONNECT_WAIT_MS);
      return new ViewTransport(sub.subscriptionId, target, sub.codec, track, pc);
    } catch (err) {
      closeQuietly(pc);
      throw err;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeQuietly(this.#pc);
  }
}
