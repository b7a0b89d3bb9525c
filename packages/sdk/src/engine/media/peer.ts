import type { MethodName, ParamsOf, ResultOf } from '@hudong/protocol';

/** The one thing transports need from the session: a `media.*` request (errors surface unchanged). */
export type MediaRequest = <M extends MethodName>(method: M, params: ParamsOf<M>) => Promise<ResultOf<M>>;

/** Every receive connection's configuration (one transport for all its m-sections). */
export const RECEIVE_PEER_CONFIG: RTCConfiguration = { bundlePolicy: 'max-bundle' };

/** Non-trickle: the SDP is sent once gathering is complete, or after `capMs` with what there is. */
export const GATHER_CAP_MS = 2000;

/**
 * Resolves when ICE gathering completed, or after `capMs`, or (with `afterFirstMs`) that long after
 * the first candidate: enough when the other side learns the rest from our connectivity checks.
 */
export function gatheringComplete(pc: RTCPeerConnection, capMs = GATHER_CAP_MS, afterFirstMs?: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', onState);
      pc.removeEventListener('icecandidate', onCandidate);
      resolve();
    };
    const onState = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const onCandidate = (e: Event) => {
      if (!(e as RTCPeerConnectionIceEvent).candidate) done();
      else if (afterFirstMs !== undefined) setTimeout(done, afterFirstMs);
    };
    const timer = setTimeout(done, capMs);
    pc.addEventListener('icegatheringstatechange', onState);
    pc.addEventListener('icecandidate', onCandidate);
  });
}

/** Resolves when the transport is connected, or after `capMs` (whatever happened: the server reports failures). */
export function connectedOrAfter(pc: RTCPeerConnection, capMs: number): Promise<void> {
  const up = () => pc.connectionState === 'connected' || pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed';
  const down = () => pc.connectionState === 'failed' || pc.connectionState === 'closed' || pc.signalingState === 'closed';
  if (up() || down()) return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (up() || down()) done();
    };
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('connectionstatechange', check);
      pc.removeEventListener('iceconnectionstatechange', check);
      resolve();
    };
    const timer = setTimeout(done, capMs);
    pc.addEventListener('connectionstatechange', check);
    pc.addEventListener('iceconnectionstatechange', check);
  });
}

/** Closes without throwing (a closed or half-built connection may). */
export function closeQuietly(pc: RTCPeerConnection): void {
  try {
    pc.close();
  } catch {
    /* already closed */
  }
}
