import type { MediaKind, SdpCodec } from '../sdp.js';
import { sanitizeFmtp } from '../sdp.js';

export interface OfferedSlot {
  mid: string;
  kind: MediaKind;
  codec: SdpCodec;
  ssrc: number;
  cname: string;
}

export interface SubscriberOfferInit {
  sessionId: string;
  version: number;
  ufrag: string;
  pwd: string;
  /** SHA-256, `AB:CD:…`. */
  fingerprint: string;
  candidates: readonly { address: string; port: number }[];
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
  const [first] = init.candidates;
  const lines = [
    'v=0',
    `o=- ${init.sessionId} ${init.version} IN IP4 0.0.0.0`,
    's=-',
    't=0 0',
    'a=ice-lite',
    `a=group:BUNDLE ${init.slots.map((s) => s.mid).join(' ')}`,
    'a=msid-semantic:WMS *',
    `a=fingerprint:sha-256 ${init.fingerprint}`,
  ];
  for (const slot of init.slots) {
    const { codec } = slot;
    const fmtp = sanitizeFmtp(codec);
    const encoding = codec.channels && codec.channels > 1 ? `/${codec.channels}` : '';
    const stream = `${slot.cname}-${slot.mid}`;
    lines.push(
      `m=${slot.kind} ${first?.port ?? 9} UDP/TLS/RTP/SAVPF ${codec.pt}`,
      `c=IN IP4 ${first?.address ?? '0.0.0.0'}`,
      `a=mid:${slot.mid}`,
      'a=sendonly',
      `a=ice-ufrag:${init.ufrag}`,
      `a=ice-pwd:${init.pwd}`,
      'a=setup:actpass',
      'a=rtcp-mux',
      `a=rtpmap:${codec.pt} ${codec.name}/${codec.clockRate}${encoding}`,
      ...(fmtp ? [`a=fmtp:${codec.pt} ${fmtp}`] : []),
      ...(slot.kind === 'video' ? ['nack', 'nack pli', 'ccm fir', 'goog-remb'].map((fb) => `a=rtcp-fb:${codec.pt} ${fb}`) : []),
      `a=ssrc:${slot.ssrc} cname:${slot.cname}`,
      `a=ssrc:${slot.ssrc} msid:${slot.cname} ${stream}`,
      `a=msid:${slot.cname} ${stream}`,
      ...init.candidates.map((c, i) => `a=candidate:${i + 1} 1 udp ${2130706431 - i} ${c.address} ${c.port} typ host`),
      'a=end-of-candidates',
    );
  }
  return lines.join('\r\n') + '\r\n';
}
