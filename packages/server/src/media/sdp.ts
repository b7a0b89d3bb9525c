/**
 * The SDP the SFU reads and rewrites (docs/media.md). libdatachannel
 * answers whatever an offer contains, so a publisher's offer is cut down to what we forward before
 * it reaches the engine; the engine's answer then agrees to exactly that. sdp-transform parses and
 * writes; what to keep is decided here.
 */
import { parse, parseParams, write, type MediaDescription, type SessionDescription } from 'sdp-transform';

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

export class SdpError extends Error {
  override readonly name = 'SdpError';
}

export const EXT_MID = 'urn:ietf:params:rtp-hdrext:sdes:mid';
const EXT_RID = 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id';
const EXT_REPAIRED_RID = 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id';
/** Header extensions a publisher may keep: everything else we neither read nor forward meaningfully. */
const KEPT_EXTENSIONS = new Set([EXT_MID, EXT_RID, EXT_REPAIRED_RID]);
/** rtcp-fb the SFU answers (transport-cc is left out on purpose: we send REMB, not its feedback). */
const KEPT_FEEDBACK = new Set(['nack', 'nack pli', 'ccm fir', 'goog-remb']);

/** sdp-transform skips every line it cannot read, so "not an SDP" shows as a missing `v=0`. */
export function parseSdp(sdp: string): SessionDescription {
  const session = parse(sdp);
  if (session.version !== 0) throw new SdpError('not an SDP: no "v=0" line');
  return session;
}

/**
 * sdp-transform writes the attributes in its own order (rtpmap before fmtp and rtcp-fb, which
 * libdatachannel needs; the order is otherwise free) and each line as it read it, but for
 * msid-semantic, always written `a=msid-semantic: <semantic> <token>` (Chromium's own form).
 * libwebrtc's `a=msid-semantic: WMS` (no token) reads as an empty semantic and would come back
 * with two spaces: that one is kept as written.
 */
function writeSdp(session: SessionDescription): string {
  const msid = session.msidSemantic;
  if (msid?.semantic === '') {
    delete session.msidSemantic;
    session.invalid = [...(session.invalid ?? []), { value: `msid-semantic: ${msid.token}` }];
  }
  return write(session);
}

/** fmtp parameters a viewer's offer may carry, per codec; anything else a publisher wrote stays with it. */
const FMTP_KEYS: Record<string, ReadonlySet<string>> = {
  opus: new Set([
    'minptime',
    'ptime',
    'maxptime',
    'useinbandfec',
    'usedtx',
    'stereo',
    'sprop-stereo',
    'maxplaybackrate',
    'sprop-maxcapturerate',
    'maxaveragebitrate',
    'cbr',
  ]),
  h264: new Set(['profile-level-id', 'packetization-mode', 'level-asymmetry-allowed', 'max-mbps', 'max-fs', 'max-br', 'max-dpb', 'max-cpb']),
  vp8: new Set(['max-fr', 'max-fs']),
};
/** A parameter value: a number, a flag or a hex profile. */
const FMTP_VALUE = /^[0-9A-Za-z.]{1,16}$/;
/** What libwebrtc and browsers offer for Opus; an Opus offer without fmtp gets it (libdatachannel needs one). */
export const OPUS_DEFAULT_FMTP = 'minptime=10;useinbandfec=1';

/**
 * The fmtp a publisher's codec is offered to its viewers with: only the parameters known for the
 * codec, each once, with a short alphanumeric value, in the publisher's order (so that equal
 * parameters make equal slots); Opus without any gets the browsers' default. A publisher's fmtp is
 * never copied into viewers' offers verbatim.
 */
export function sanitizeFmtp(codec: Pick<SdpCodec, 'name' | 'fmtp'>): string {
  const name = codec.name.toLowerCase();
  const known = FMTP_KEYS[name];
  const kept = new Map<string, string>();
  for (const param of (known ? codec.fmtp : '').slice(0, 1024).split(';')) {
    const at = param.indexOf('=');
    if (at < 0) continue;
    const key = param.slice(0, at).trim().toLowerCase();
    const value = param.slice(at + 1).trim();
    if (known!.has(key) && !kept.has(key) && FMTP_VALUE.test(value)) kept.set(key, value);
  }
  const fmtp = [...kept].map(([key, value]) => `${key}=${value}`).join(';');
  return fmtp === '' && name === 'opus' ? OPUS_DEFAULT_FMTP : fmtp;
}

/** The payload types of an m-section, in m-line order, with their rtpmap and fmtp. */
export function codecsOf(media: MediaDescription): SdpCodec[] {
  // A malformed m-line still opens a section, with none of its fields.
  if (!media.type) throw new SdpError('an m-line reads "m=<media> <port> <proto> <payload types>"');
  const pts = [
    ...new Set(
      String(media.payloads ?? '')
        .split(' ')
        .filter(Boolean)
        .map(Number),
    ),
  ];
  return pts.map((pt) => {
    if (!Number.isInteger(pt) || pt < 0 || pt > 127)
      throw new SdpError(`bad payload type in m=${media.type} ${media.port} ${media.protocol} ${media.payloads}`);
    const rtp = media.rtp.find((r) => r.payload === pt);
    return {
      pt,
      name: rtp?.codec ?? '',
      clockRate: rtp?.rate ?? 0,
      channels: rtp?.encoding === undefined ? undefined : Number(rtp.encoding),
      fmtp: media.fmtp.find((f) => f.payload === pt)?.config ?? '',
    };
  });
}

/** The parameter `name` of an fmtp line, lower-cased, or undefined. */
function fmtpParam(fmtp: string, name: string): string | undefined {
  const value = Object.entries(parseParams(fmtp)).find(([key]) => key.toLowerCase() === name)?.[1];
  return value === undefined ? undefined : String(value).toLowerCase();
}

/** H.264 profiles in order of preference: constrained baseline first, which every decoder has. */
const H264_PROFILE_RANK = ['42e01f', '42001f', '42e034', '42c01f'];

/**
 * The codec a publisher's m-section will send with: Opus for audio; for video the first of
 * `preference` the offer has (H.264 only with packetization-mode=1). Undefined: nothing in common.
 */
export function chooseCodec(kind: string, codecs: readonly SdpCodec[], preference: readonly string[]): SdpCodec | undefined {
  const named = (name: string) => codecs.filter((c) => c.name.toLowerCase() === name.toLowerCase());
  if (kind === 'audio') return named('opus')[0];
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

/** One m-section of a publisher's offer, as the SFU forwards it. */
export interface PublishedSection {
  mid: string;
  kind: MediaKind;
  codec: SdpCodec;
  /** Header extension ids of the offer (undefined when not offered). */
  extIds: { mid: number | undefined; rid: number | undefined };
  /** Simulcast rids, lowest quality first; empty without simulcast. */
  rids: string[];
  /** The stream list the offer's `a=simulcast` sends (`h;m;l`, as written there), which the answer receives. */
  simulcast: string | undefined;
}

/** A publisher's offer of one m-section (a connection of its own), cut down to what the SFU forwards. */
export interface PublisherOffer extends PublishedSection {
  /** The offer to give the engine. */
  sdp: string;
}

/** A publisher's whole send connection offer, every m-section cut down to what the SFU forwards. */
export interface ConnectionOffer {
  sdp: string;
  /** By mid; undefined for an m-section with no codec in common (or rejected, port 0). */
  sections: Map<string, PublishedSection | undefined>;
}

/**
 * Rewrites one m-section of a publisher offer to the chosen codec: other payload types (RTX, RED,
 * FEC included: retransmissions then come on the media SSRC), transport-cc and unknown header
 * extensions, and RTX SSRC lines go. Undefined (and left as it is) when no codec is in common.
 */
function mungeSection(session: SessionDescription, media: MediaDescription, preference: readonly string[]): PublishedSection | undefined {
  const codecs = codecsOf(media);
  if (!media.fingerprint && !session.fingerprint) throw new SdpError('the offer has no DTLS fingerprint');
  if (media.type !== 'audio' && media.type !== 'video') throw new SdpError(`an m-section of type ${media.type} cannot be published`);
  const kind: MediaKind = media.type;
  const chosen = chooseCodec(kind, codecs, preference);
  if (!chosen) return undefined;
  const codec = { ...chosen, fmtp: sanitizeFmtp(chosen) };

  const isCodec = (pt: number | string) => Number(pt) === codec.pt;
  media.payloads = String(codec.pt);
  media.rtp = media.rtp.filter((r) => isCodec(r.payload));
  media.fmtp = media.fmtp.filter((f) => isCodec(f.payload));
  media.rtcpFb = media.rtcpFb?.filter(
    (fb) => (fb.payload === '*' || isCodec(fb.payload)) && KEPT_FEEDBACK.has(fb.subtype ? `${fb.type} ${fb.subtype}` : fb.type),
  );
  delete media.rtcpFbTrrInt;
  media.ext = media.ext?.filter((e) => KEPT_EXTENSIONS.has(e.uri));
  // RTX went with its payload type: its SSRC (the second of each FID group) goes too.
  const fid = media.ssrcGroups?.filter((g) => g.semantics === 'FID') ?? [];
  // sdp-transform reads a one-SSRC group as a number.
  const rtxSsrcs = new Set(fid.map((g) => Number(String(g.ssrcs).split(' ')[1])));
  media.ssrcGroups = media.ssrcGroups?.filter((g) => g.semantics !== 'FID');
  media.ssrcs = media.ssrcs?.filter((s) => !rtxSsrcs.has(Number(s.id)));

  const extId = (uri: string) => media.ext?.find((e) => e.uri === uri)?.value;
  const { simulcast } = media;
  return {
    mid: String(media.mid ?? ''),
    kind,
    codec,
    extIds: { mid: extId(EXT_MID), rid: extId(EXT_RID) },
    rids: orderRids((media.rids ?? []).filter((r) => r.direction === 'send').map((r) => String(r.id))),
    simulcast: simulcast?.dir1 === 'send' ? simulcast.list1 : simulcast?.dir2 === 'send' ? simulcast.list2 : undefined,
  };
}

/**
 * Checks a publisher offer of exactly one m-section of `kind` (a connection of its own) and
 * rewrites it to the chosen codec (see mungeSection). Throws SdpError for an unusable SDP; returns
 * undefined when no codec is in common.
 */
export function mungePublisherOffer(sdp: string, kind: MediaKind, preference: readonly string[]): PublisherOffer | undefined {
  const session = parseSdp(sdp);
  if (session.media.length !== 1) throw new SdpError(`a publisher offer has one m-section, this one has ${session.media.length}`);
  const media = session.media[0]!;
  codecsOf(media);
  if (media.type !== kind) throw new SdpError(`expected an ${kind} m-section, got ${media.type}`);
  const section = mungeSection(session, media, preference);
  return section && { ...section, sdp: writeSdp(session) };
}

/**
 * Checks and rewrites a publisher's whole send connection offer (any number of m-sections, each
 * as mungeSection does). The rewrite of each m-section depends on it alone, so a renegotiated offer
 * keeps what an earlier one agreed (payload types, extension ids). Throws SdpError when unusable.
 */
export function mungeConnectionOffer(sdp: string, preference: readonly string[]): ConnectionOffer {
  const session = parseSdp(sdp);
  if (session.media.length === 0) throw new SdpError('the offer has no m-section');
  const sections = new Map<string, PublishedSection | undefined>();
  for (const media of session.media) {
    if (media.mid === undefined) throw new SdpError(`an m=${media.type} section has no a=mid`);
    sections.set(String(media.mid), media.port === 0 ? undefined : mungeSection(session, media, preference));
  }
  return { sdp: writeSdp(session), sections };
}

/**
 * Simulcast rids from lowest to highest quality. The SDP does not say which layer is which; the
 * names the SDKs use do: `q`/`h`/`f` (quarter, half, full) or `l`/`m`/`h` (low, medium, high).
 * Other names: the SDP order is taken as lowest first.
 */
export function orderRids(rids: readonly string[]): string[] {
  const set = new Set(rids);
  const rankTable: Record<string, number> =
    set.has('f') || set.has('q') ? { q: 0, h: 1, f: 2 } : set.has('l') || set.has('m') ? { l: 0, m: 1, h: 2 } : {};
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
  const session = parseSdp(answer);
  const media = session.media[0];
  if (!media) return answer;
  media.rids = offer.rids.map((id) => ({ id, direction: 'recv' }));
  // The stream list as the offer wrote it: its order and alternatives are the browser's.
  media.simulcast = { dir1: 'recv', list1: offer.simulcast };
  return writeSdp(session);
}

/** The payload type the answer gives `codecName` on m-section `mid` (a subscriber may renumber). */
export function answeredPayloadType(answer: string, mid: string, codecName: string): number | undefined {
  const media = parseSdp(answer).media.find((m) => String(m.mid) === mid);
  if (!media) throw new SdpError(`the answer has no m-section ${mid}`);
  if (media.port === 0) throw new SdpError(`the answer rejects m-section ${mid} (port 0)`);
  return codecsOf(media).find((c) => c.name.toLowerCase() === codecName.toLowerCase())?.pt;
}
