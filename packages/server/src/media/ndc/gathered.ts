import type { PeerConnection } from 'node-datachannel';
import { guarded } from '../../util/guard.js';
import { SdpError } from '../sdp.js';

/** ICE gathering of a host-only transport takes milliseconds; this bounds a stuck one. */
const GATHER_TIMEOUT_MS = 5000;

/**
 * Runs `start` (setRemoteDescription / setLocalDescription) and resolves with the local SDP once
 * gathering completed, so the SDP carries every candidate (no trickle). The callback is registered
 * before `start`, or a fast gathering would be missed.
 */
export function describeWhenGathered(pc: PeerConnection, start: () => void): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('ICE gathering did not complete')), GATHER_TIMEOUT_MS);
    // A native callback: a throw (the connection closed meanwhile) fails this description only.
    pc.onGatheringStateChange(
      guarded((state: string) => {
        if (state !== 'complete') return;
        clearTimeout(timer);
        const description = pc.localDescription();
        if (description) resolve(description.sdp);
        else reject(new Error('no local description after gathering'));
      }, reject),
    );
    try {
      start();
    } catch (err) {
      clearTimeout(timer);
      reject(new SdpError(err instanceof Error ? err.message : String(err)));
    }
  });
}
