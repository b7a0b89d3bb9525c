/**
 * Bitrate ceilings of a send connection's m-sections, as `b=AS` lines in the server's answer.
 *
 * Why the SDP and not `RTCRtpSender.setParameters`: @roamhq/wrtc's `setParameters` throws
 * (InvalidModificationError "modified SSRC": its parameters lose the SSRC on the way back), and a
 * remote description's `b=AS` bounds the sender in libwebrtc everywhere. The client makes every
 * offer on its send connections, so applying a new ceiling is a local renegotiation against the
 * same answer (`reapplyAnswer`): nothing goes to the server.
 */

/** The answer with each m-section whose mid is in `kbpsByMid` bounded to that rate (others unbounded). */
export function withSendLimits(sdp: string, kbpsByMid: ReadonlyMap<string, number>): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const [session, ...sections] = sdp.split(`${eol}m=`);
  const out = sections.map((body) => {
    const lines = `m=${body}`.split(eol).filter((l) => !l.startsWith('b=AS:') && !l.startsWith('b=TIAS:'));
    const mid = lines
      .find((l) => l.startsWith('a=mid:'))
      ?.slice('a=mid:'.length)
      .trim();
    const kbps = mid === undefined ? undefined : kbpsByMid.get(mid);
    if (kbps !== undefined) {
      // RFC 8866 order: m=, i=, c=, then b=.
      let at = 1;
      while (at < lines.length && (lines[at]!.startsWith('i=') || lines[at]!.startsWith('c='))) at++;
      lines.splice(at, 0, `b=AS:${kbps}`);
    }
    return lines.join(eol);
  });
  return [session, ...out].join(eol);
}

/** Applies `answer` again after a fresh local offer: how new `b=AS` ceilings take effect without the server. */
export async function reapplyAnswer(pc: RTCPeerConnection, answer: string): Promise<void> {
  if (pc.signalingState !== 'stable' || pc.connectionState === 'closed') return;
  await pc.setLocalDescription(await pc.createOffer());
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
}
