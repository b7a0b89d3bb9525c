import type { MediaKind, SdpCodec } from '../sdp.js';
import { sanitizeFmtp } from '../sdp.js';
import { candidateLines, mediaHead, sessionLines, type LocalTransportDescription } from './sdp-lines.js';

export interface OfferedSlot {
  mid: string;
  kind: MediaKind;
  codec: SdpCodec;
  ssrc: number;
  cname: string;
}

export interface SubscriberOfferInit extends LocalTransportDescription {
  sessionId: string;
  version: number;
  slots: readonly OfferedSlot[];
}

/**
 * The server's offer on a native receive connection: an ICE-lite agent (the client checks, the
 * server answers and follows its nomination) on the process's one UDP port, every m-section
 * sendonly, bundled and rtcp-muxed, each stream's SSRC declared. Video asks for what the SFU
 * answers: NACK, PLI, FIR (its keyframe requests) and REMB (its bandwidth estimate); no
 * transport-cc (docs/media.md).
 */
export function writeSubscriberOffer(init: SubscriberOfferInit): string {
  const lines = sessionLines(
    init.sessionId,
    init.version,
    init.slots.map((s) => s.mid),
    init.fingerprint,
  );
  for (const slot of init.slots) {
    const { codec } = slot;
    const fmtp = sanitizeFmtp(codec);
    const encoding = codec.channels && codec.channels > 1 ? `/${codec.channels}` : '';
    const stream = `${slot.cname}-${slot.mid}`;
    lines.push(
      ...mediaHead(init, {
        kind: slot.kind,
        protocol: 'UDP/TLS/RTP/SAVPF',
        payloads: String(codec.pt),
        mid: slot.mid,
        direction: 'sendonly',
        setup: 'actpass',
      }),
      `a=rtpmap:${codec.pt} ${codec.name}/${codec.clockRate}${encoding}`,
      ...(fmtp ? [`a=fmtp:${codec.pt} ${fmtp}`] : []),
      ...(slot.kind === 'video' ? ['nack', 'nack pli', 'ccm fir', 'goog-remb'].map((fb) => `a=rtcp-fb:${codec.pt} ${fb}`) : []),
      `a=ssrc:${slot.ssrc} cname:${slot.cname}`,
      `a=ssrc:${slot.ssrc} msid:${slot.cname} ${stream}`,
      `a=msid:${slot.cname} ${stream}`,
      ...candidateLines(init),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
