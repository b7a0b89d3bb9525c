/**
 * The SDP the SFU reads and rewrites: one m-section per transport (docs/media.md). libdatachannel
 * answers whatever an offer contains, so a publisher's offer is cut down to what we forward before
 * it reaches the engine; the engine's answer then agrees to exactly that.
 */

export type MediaKind = 'audio' | 'video';

/** One payload type of an m-section. */
export interface SdpCodec {
  pt: number;
  /** As in rtpmap (`VP8`, `H264`, `opus`, `rtx` …). */
  name: string;
  clockRate: number;
  channels: number | undefined;
  /** The fmtp parameters, '' when none. */
  fmtp: string;
}

export interface SdpExtmap {
  id: number;
  uri: string;
}

/** What one m-section says. */
export interface SdpMedia {
  kind: string;
  mid: string | undefined;
  codecs: SdpCodec[];
  extmaps: SdpExtmap[];
  /** `a=rid` ids with their direction, in SDP order. */
  rids: { id: string; direction: string }[];
  /** Media SSRCs, retransmission (FID) SSRCs excluded. */
  ssrcs: number[];
}

/** An SDP split into its session part and its m-sections, line by line. */
export interface SdpSections {
  session: string[];
  media: string[][];
}

export class SdpError extends Error {
  override readonly name = 'SdpError';
}

export const EXT_MID = 'urn:ietf:params:rtp-hdrext:sdes:mid';
export const EXT_RID = 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id';
export const EXT_REPAIRED_RID = 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id';
/** Header extensions a publisher may keep: everything else we neither read nor forward meaningfully. */
const KEPT_EXTENSIONS = new Set([EXT_MID, EXT_RID, EXT_REPAIRED_RID]);
/** rtcp-fb the SFU answers (transport-cc is left out on purpose: we send REMB, not its feedback). */
const KEPT_FEEDBACK = new Set(['nack', 'nack pli', 'ccm fir', 'goog-remb']);

export function splitSdp(sdp: string): SdpSections {
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines[0] !== 'v=0') throw new SdpError('an SDP starts with "v=0"');
  const session: string[] = [];
  const media: string[][] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) media.push([line]);
    else if (media.length > 0) media[media.length - 1]!.push(line);
    else session.push(line);
  }
  return { session, media };
}

export function joinSdp(sections: SdpSections): string {
  return [...sections.session, ...sections.media.flat()].join('\r\n') + '\r\n';
}

/** Reads one m-section (its lines, the `m=` line first). */
export function parseMedia(lines: readonly string[]): SdpMedia {
  const m = /^m=(\S+) \S+ \S+(?: (.*))?$/.exec(lines[0] ?? '');
  if (!m) throw new SdpError(`bad m-line: ${lines[0] ?? '(none)'}`);
  const pts = (m[2] ?? '').split(' ').filter(Boolean).map(Number);
  const codecs = new Map<number, SdpCodec>();
  for (const pt of pts) {
    if (!Number.isInteger(pt) || pt < 0 || pt > 127) throw new SdpError(`bad payload type in ${lines[0]}`);
    codecs.set(pt, { pt, name: '', clockRate: 0, channels: undefined, fmtp: '' });
  }
  const media: SdpMedia = { kind: m[1]!, mid: undefined, codecs: [], extmaps: [], rids: [], ssrcs: [] };
  const fid = new Set<number>();
  const ssrcs = new Set<number>();
  for (const line of lines) {
    let r: RegExpExecArray | null;
    if ((r = /^a=rtpmap:(\d+) ([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(line))) {
      const codec = codecs.get(Number(r[1]));
      if (codec) Object.assign(codec, { name: r[2], clockRate: Number(r[3]), channels: r[4] ? Number(r[4]) : undefined });
    } else if ((r = /^a=fmtp:(\d+) (.*)$/.exec(line))) {
      const codec = codecs.get(Number(r[1]));
      if (codec) codec.fmtp = r[2]!;
    } else if ((r = /^a=extmap:(\d+)(?:\/\w+)? (\S+)/.exec(line))) {
      media.extmaps.push({ id: Number(r[1]), uri: r[2]! });
    } else if ((r = /^a=mid:(\S+)/.exec(line))) {
      media.mid = r[1];
    } else if ((r = /^a=rid:(\S+) (send|recv)/.exec(line))) {
      media.rids.push({ id: r[1]!, direction: r[2]! });
    } else if ((r = /^a=ssrc-group:FID (\d+) (\d+)/.exec(line))) {
      fid.add(Number(r[2]));
    } else if ((r = /^a=ssrc:(\d+) /.exec(line))) {
      ssrcs.add(Number(r[1]));
    }
  }
  media.codecs = [...codecs.values()];
  media.ssrcs = [...ssrcs].filter((s) => !fid.has(s));
  return media;
}

/** The parameter `name` of an fmtp line, lower-cased, or undefined. */
export function fmtpParam(fmtp: string, name: string): string | undefined {
  for (const part of fmtp.split(';')) {
    const [key, value] = part.trim().split('=');
    if (key?.toLowerCase() === name) return value?.toLowerCase();
  }
  return undefined;
}

/** H.264 profiles in order of preference: constrained baseline first, which every decoder has. */
const H264_PROFILE_RANK = ['42e01f', '42001f', '42e034', '42c01f'];

/**
 * The codec a publisher's m-section will send with: Opus for audio; for video the first of
 * `preference` the offer has (H.264 only with packetization-mode=1). Undefined: nothing in common.
 */
export function chooseCodec(media: SdpMedia, preference: readonly string[]): SdpCodec | undefined {
  const named = (name: string) => media.codecs.filter((c) => c.name.toLowerCase() === name.toLowerCase());
  if (media.kind === 'audio') return named('opus')[0];
  for (const wanted of preference) {
    let candidates = named(wanted);
    if (wanted.toUpperCase() === 'H264') {
      candidates = candidates.filter((c) => fmtpParam(c.fmtp, 'packetization-mode') === '1');
      const rank = (c: SdpCodec) => {
        const i = H264_PROFILE_RANK.indexOf(fmtpParam(c.fmtp, 'profile-level-id') ?? '');
        return i < 0 ? H264_PROFILE_RANK.length : i;
      };
      candidates.sort((a, b) => rank(a) - rank(b));
    }
    if (candidates[0]) return candidates[0];
  }
  return undefined;
}

/** A publisher's offer, cut down to what the SFU forwards. */
export interface PublisherOffer {
  /** The offer to give the engine. */
  sdp: string;
  kind: MediaKind;
  codec: SdpCodec;
  /** Header extension ids of the offer (undefined when not offered). */
  extIds: { mid: number | undefined; rid: number | undefined };
  /** Simulcast rids, lowest quality first; empty without simulcast. */
  rids: string[];
  /** The `a=simulcast` value of the offer (`send h;m;l`), to be mirrored in the answer. */
  simulcast: string | undefined;
}

/**
 * Checks a publisher offer (exactly one m-section of `kind`) and rewrites it to the chosen codec:
 * other payload types (RTX, RED, FEC included: retransmissions then come on the media SSRC),
 * transport-cc and unknown header extensions, and RTX SSRC lines go.
 * Throws SdpError for an unusable SDP; returns undefined when no codec is in common.
 */
export function mungePublisherOffer(sdp: string, kind: MediaKind, preference: readonly string[]): PublisherOffer | undefined {
  const sections = splitSdp(sdp);
  if (sections.media.length !== 1) throw new SdpError(`a publisher offer has one m-section, this one has ${sections.media.length}`);
  const lines = sections.media[0]!;
  const media = parseMedia(lines);
  if (media.kind !== kind) throw new SdpError(`expected an ${kind} m-section, got ${media.kind}`);
  if (!lines.some((l) => l.startsWith('a=fingerprint:')) && !sections.session.some((l) => l.startsWith('a=fingerprint:'))) {
    throw new SdpError('the offer has no DTLS fingerprint');
  }
  const codec = chooseCodec(media, preference);
  if (!codec) return undefined;
  const keptExtIds = new Set(media.extmaps.filter((e) => KEPT_EXTENSIONS.has(e.uri)).map((e) => e.id));
  const fidSsrcs = new Set<string>();
  for (const line of lines) {
    const r = /^a=ssrc-group:FID \d+ (\d+)/.exec(line);
    if (r) fidSsrcs.add(r[1]!);
  }
  const out: string[] = [];
  for (const line of lines) {
    if (line.startsWith('m=')) {
      out.push(line.replace(/^(m=\S+ \S+ \S+)(?: .*)?$/, `$1 ${codec.pt}`));
      continue;
    }
    let r: RegExpExecArray | null;
    if ((r = /^a=(?:rtpmap|fmtp):(\d+) /.exec(line))) {
      if (Number(r[1]) === codec.pt) out.push(line);
    } else if ((r = /^a=rtcp-fb:(\d+|\*) (.*)$/.exec(line))) {
      if ((r[1] === '*' || Number(r[1]) === codec.pt) && KEPT_FEEDBACK.has(r[2]!.trim())) out.push(line);
    } else if ((r = /^a=extmap:(\d+)/.exec(line))) {
      if (keptExtIds.has(Number(r[1]))) out.push(line);
    } else if (line.startsWith('a=ssrc-group:FID')) {
      // RTX was removed with its payload type.
    } else if ((r = /^a=ssrc:(\d+) /.exec(line))) {
      if (!fidSsrcs.has(r[1]!)) out.push(line);
    } else {
      out.push(line);
    }
  }
  sections.media[0] = out;
  const ext = (uri: string) => media.extmaps.find((e) => e.uri === uri && keptExtIds.has(e.id))?.id;
  const simulcast = lines.find((l) => l.startsWith('a=simulcast:'))?.slice('a=simulcast:'.length);
  const sendRids = media.rids.filter((r) => r.direction === 'send').map((r) => r.id);
  return {
    sdp: joinSdp(sections), kind, codec,
    extIds: { mid: ext(EXT_MID), rid: ext(EXT_RID) },
    rids: orderRids(sendRids), simulcast,
  };
}

/**
 * Simulcast rids from lowest to highest quality. The SDP does not say which layer is which; the
 * names the SDKs use do: `q`/`h`/`f` (quarter, half, full) or `l`/`m`/`h` (low, medium, high).
 * Other names: the SDP order is taken as lowest first.
 */
export function orderRids(rids: readonly string[]): string[] {
  const set = new Set(rids);
  const rankTable: Record<string, number> = set.has('f') || set.has('q')
    ? { q: 0, h: 1, f: 2 }
    : set.has('l') || set.has('m') ? { l: 0, m: 1, h: 2 } : {};
  return rids
    .map((id, index) => ({ id, rank: rankTable[id] ?? 10 + index }))
    .sort((a, b) => a.rank - b.rank)
    .map((r) => r.id);
}

/**
 * Makes the engine's answer accept the offer's simulcast. libdatachannel either leaves out
 * `a=rid`/`a=simulcast` or echoes them with the offer's direction (`send`); a browser then sends
 * nothing at all, or only its first layer. The answer must say `recv` for every offered rid.
 */
export function completePublisherAnswer(answer: string, offer: PublisherOffer): string {
  if (offer.rids.length === 0 || offer.simulcast === undefined) return answer;
  const sections = splitSdp(answer);
  const lines = sections.media[0];
  if (!lines) return answer;
  const kept = lines.filter((l) => !l.startsWith('a=simulcast:') && !l.startsWith('a=rid:'));
  const recv = offer.simulcast.replace(/^send\b/, 'recv');
  // Keep the offer's rid order for the simulcast line as written there; rid lines order is free.
  kept.push(...offer.rids.map((id) => `a=rid:${id} recv`), `a=simulcast:${recv}`);
  sections.media[0] = kept;
  return joinSdp(sections);
}

/** The payload type the answer gives `codecName` (a subscriber may renumber). */
export function answeredPayloadType(answer: string, codecName: string): number | undefined {
  const sections = splitSdp(answer);
  const lines = sections.media[0];
  if (!lines) throw new SdpError('the answer has no m-section');
  if (/^m=\S+ 0 /.test(lines[0]!)) throw new SdpError('the answer rejects the m-section (port 0)');
  const media = parseMedia(lines);
  return media.codecs.find((c) => c.name.toLowerCase() === codecName.toLowerCase())?.pt;
}
