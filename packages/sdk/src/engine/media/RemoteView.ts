import type { MediaSource } from '@hudong/protocol';
import type { MediaRequest } from './peer.js';
import type { SubscriberConnection } from './SubscriberConnection.js';

export interface ViewTarget {
  identifier: string;
  source: MediaSource;
  size: 'big' | 'small';
}

/**
 * One source of one member received from the SFU, on the room's receive connection: subscribed
 * (`media.subscribe` names its m-section) and handed out as its own track. Closing it is local
 * (its track ends); `media.unsubscribe` is the caller's.
 */
export class RemoteView {
  readonly subscriptionId: string;
  readonly target: ViewTarget;
  readonly codec: string;
  readonly track: MediaStreamTrack;
  /** Its m-section on the receive connection (what its stats are found by: @roamhq/wrtc's name the track otherwise). */
  readonly mid: string;
  #closed = false;

  private constructor(subscriptionId: string, target: ViewTarget, codec: string, track: MediaStreamTrack, mid: string) {
    this.subscriptionId = subscriptionId;
    this.mid = mid;
    this.target = { ...target };
    this.codec = codec;
    this.track = track;
  }

  /**
   * Subscribes; resolves once its m-section is offered and the connection is up (or after 5 s).
   * `onSubscribed` learns the subscription id as soon as the server gave it, so that a caller can
   * undo a subscription whose opening fails later. Server errors surface unchanged.
   */
  static async open(
    connection: SubscriberConnection,
    target: ViewTarget,
    request: MediaRequest,
    onSubscribed?: (subscriptionId: string) => void,
  ): Promise<RemoteView> {
    const sub = await request('media.subscribe', { identifier: target.identifier, source: target.source, size: target.size });
    onSubscribed?.(sub.subscriptionId);
    const track = await connection.track(sub.connectionId, sub.mid);
    return new RemoteView(sub.subscriptionId, target, sub.codec, track, sub.mid);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.track.stop();
  }
}
