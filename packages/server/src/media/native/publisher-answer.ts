import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { candidateLines, mediaHead, sessionLines, type LocalTransportDescription } from './sdp-lines.js';

/**
 * The server's answer to a publisher's (munged: one codec per m-section, only the header extensions
 * and feedback the SFU uses) send-connection offer on the native engine: ICE-lite, `setup:passive`
 * (the client starts DTLS), every offered m-section received as offered — its payload type, fmtp,
 * rtcp-fb and extension ids echoed, its simulcast rids received — or rejected (port 0) when the
 * offer rejected it or does not send on it.
 */
export function writePublisherAnswer(offer: SessionDescription, local: LocalTransportDescription, sessionId: string, version: number): string {
  const lines = sessionLines(
    sessionId,
    version,
    offer.media.filter(receives).map((m) => String(m.mid)),
    local.fingerprint,
  );
  for (const media of offer.media) {
    const payloads = String(media.payloads ?? '')
      .split(' ')
      .filter(Boolean);
    if (!receives(media)) {
      lines.push(`m=${media.type} 0 ${media.protocol} ${payloads[0] ?? '0'}`, 'c=IN IP4 0.0.0.0', `a=mid:${media.mid}`, 'a=inactive');
      continue;
    }
    lines.push(
      ...mediaHead(local, {
        kind: media.type,
        protocol: media.protocol,
        payloads: payloads.join(' '),
        mid: String(media.mid),
        direction: 'recvonly',
        setup: 'passive',
      }),
      ...(media.ext ?? []).map((e) => `a=extmap:${e.value} ${e.uri}`),
      ...media.rtp.map((r) => `a=rtpmap:${r.payload} ${r.codec}/${r.rate}${r.encoding ? `/${r.encoding}` : ''}`),
      ...media.fmtp.map((f) => `a=fmtp:${f.payload} ${f.config}`),
      ...(media.rtcpFb ?? []).map((f) => `a=rtcp-fb:${f.payload} ${f.type}${f.subtype ? ` ${f.subtype}` : ''}`),
      ...simulcastAnswer(media),
      ...candidateLines(local),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/** The client sends on it: an m-section to receive. */
function receives(media: MediaDescription): boolean {
  return media.port !== 0 && (media.direction === undefined || media.direction === 'sendonly' || media.direction === 'sendrecv');
}

/** Every rid the offer sends, received (a browser sends nothing, or one layer, to an answer that says otherwise). */
function simulcastAnswer(media: MediaDescription): string[] {
  const rids = (media.rids ?? []).filter((r) => r.direction === 'send');
  const { simulcast } = media;
  const list = simulcast?.dir1 === 'send' ? simulcast.list1 : simulcast?.dir2 === 'send' ? simulcast.list2 : undefined;
  if (rids.length === 0 || list === undefined) return [];
  return [...rids.map((r) => `a=rid:${r.id} recv`), `a=simulcast:recv ${list}`];
}
