/** NAL unit types (RFC 6184 §5.2, H.264 Table 7-1) that matter for keyframe detection. */
const NAL_IDR = 5;
const NAL_SPS = 7;
const STAP_A = 24;
const FU_A = 28;

const startsKeyframe = (nalType: number) => nalType === NAL_IDR || nalType === NAL_SPS;

/**
 * Whether an H.264 RTP payload (RFC 6184) starts a keyframe: an IDR slice or an SPS, sent as a
 * single NAL unit, inside a STAP-A aggregate, or as the first fragment of an FU-A. Encoders send
 * SPS/PPS right before the IDR, so the SPS packet is the first of the keyframe.
 */
export function isKeyframe(payload: Buffer): boolean {
  if (payload.length < 1) return false;
  const type = payload[0]! & 0x1f;
  if (type === FU_A) {
    // FU header: S (start) bit, then the fragmented NAL unit's type.
    return payload.length >= 2 && (payload[1]! & 0x80) !== 0 && startsKeyframe(payload[1]! & 0x1f);
  }
  if (type === STAP_A) {
    // 16-bit NALU size, then the NAL unit, repeated.
    for (let at = 1; at + 2 < payload.length;) {
      const size = payload.readUInt16BE(at);
      if (size === 0 || at + 2 + size > payload.length) return false;
      if (startsKeyframe(payload[at + 2]! & 0x1f)) return true;
      at += 2 + size;
    }
    return false;
  }
  return startsKeyframe(type);
}
