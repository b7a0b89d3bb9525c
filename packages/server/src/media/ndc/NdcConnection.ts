import type { PeerConnection } from 'node-datachannel';
import type { TransportState } from '../MediaEngine.js';
import { SdpError } from '../sdp.js';
import { describeWhenGathered } from './gathered.js';
import { guarded } from '../../util/guard.js';
import { warnCallbackFailed } from './callback-warning.js';
import type { NdcTrack } from './NdcTrack.js';

/**
 * What both directions' node-datachannel connections share: the connection's state for its
 * listener, the first description gathered and later ones at once, and closing with its tracks.
 * A throw inside a native callback fails the connection as a whole (its listener is told `failed`).
 */
export abstract class NdcConnection {
  readonly id: string;
  protected readonly pc: PeerConnection;
  #stateListener: (state: TransportState) => void = () => {};
  #described = false;
  #closed = false;

  constructor(pc: PeerConnection, id: string) {
    this.pc = pc;
    this.id = id;
    pc.onStateChange(
      guarded((state: string) => {
        if (this.#closed) return;
        if (state === 'connected' || state === 'failed' || state === 'closed') this.#stateListener(state);
      }, this.failure('a state change')),
    );
  }

  onState(listener: (state: TransportState) => void): void {
    this.#stateListener = listener;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stateListener = () => {};
    for (const track of this.tracks()) track.close();
    try {
      this.pc.close();
    } catch {
      // Already torn down natively.
    }
  }

  /** Every track of the connection, detached when it closes. */
  protected abstract tracks(): Iterable<NdcTrack>;

  /**
   * Runs `apply` (setLocalDescription / setRemoteDescription) and resolves with the local `type`
   * description: the first one once ICE gathering completed (no trickle); a later one at once, as
   * libdatachannel makes it, carrying the candidates already gathered. Throws SdpError.
   */
  protected async describe(type: 'offer' | 'answer', apply: () => void): Promise<string> {
    if (!this.#described) {
      this.#described = true;
      return describeWhenGathered(this.pc, apply);
    }
    try {
      apply();
      const description = this.pc.localDescription();
      if (description?.type !== type) throw new Error(`no ${type} after renegotiating`);
      return description.sdp;
    } catch (err) {
      throw new SdpError(err instanceof Error ? err.message : String(err));
    }
  }

  /** The handler of a native callback's throw: warn, close, tell the listener `failed`. */
  protected failure(during: string): (err: unknown) => void {
    return (err) => {
      warnCallbackFailed(this.id, during, err);
      const listener = this.#stateListener;
      this.close();
      try {
        listener('failed');
      } catch {
        // The listener failed too; the warning has the first error.
      }
    };
  }
}
