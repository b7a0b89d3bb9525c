import { z } from 'zod';

/** Bumped on any incompatible change of a message below; `login` carries it. */
export const PROTOCOL_VERSION = 1;

/** 1–128 printable characters, no whitespace: what an app account id (identifier) may be. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what the pattern refuses
export const Identifier = z.string().regex(/^[^\s\u0000-\u001f\u007f]{1,128}$/u, 'identifier must be 1–128 printable characters without whitespace');
const UINT64_LIMIT = 2n ** 64n;
/** uint64 as a decimal string. */
export const TinyId = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,19})$/, 'tinyId must be a uint64 decimal string')
  // Only 20 digits can exceed 2^64 - 1: shorter ids skip the BigInt (every member info carries one). The
  // refinement runs even when the pattern failed, so the digit test keeps BigInt() from throwing.
  .refine((s) => s.length < 20 || (/^[0-9]+$/.test(s) && BigInt(s) < UINT64_LIMIT), 'tinyId exceeds uint64');
/** uint32 app room id (AVSDK relation_id); 0 is not a room. */
export const RoomId = z.number().int().min(1).max(0xffffffff);
export const RoomType = z.enum(['multi', 'pair']);
export const AuthBitsField = z.number().int().min(0).max(0xff);
export const SdkAppId = z.number().int().min(1).max(0xffffffff);
export const TerminalField = z.string().max(64);
export const RoleField = z.string().max(64);
/** What a role sends its camera at (AVSDK SPEAR role): the size, frame rate and bitrate ceiling. */
export const RoleVideo = z.object({
  width: z.number().int().min(16).max(4096),
  height: z.number().int().min(16).max(4096),
  fps: z.number().int().min(1).max(120),
  maxBitrateKbps: z.number().int().min(16).max(100_000),
});
export type RoleVideo = z.infer<typeof RoleVideo>;
export const RoleAudio = z.object({ maxBitrateKbps: z.number().int().min(6).max(512) });
export type RoleAudio = z.infer<typeof RoleAudio>;
/** A role's encoding settings; a part left out leaves that source at the client's own choice. */
export const RoleSettings = z.object({ video: RoleVideo.optional(), audio: RoleAudio.optional() });
export type RoleSettings = z.infer<typeof RoleSettings>;
/**
 * A room/one-to-one message payload: text, or binary as base64 (`binary: true`). Kept well under the
 * server's default 64 KiB frame limit so a maximal message still fits with its envelope.
 */
export const MESSAGE_DATA_MAX = 60 * 1024;
export const MessageData = z.string().max(MESSAGE_DATA_MAX);

/** What a member publishes: one transport each. AVSDK's 'media' (file) source is not offered. */
export const MediaSource = z.enum(['audio', 'camera', 'screen']);
export type MediaSource = z.infer<typeof MediaSource>;
/** Which simulcast layer a view takes: 'big' the highest, 'small' the lowest. */
export const ViewSize = z.enum(['big', 'small']);
export type ViewSize = z.infer<typeof ViewSize>;
/** A complete SDP (ICE candidates gathered in it: no trickle). */
export const Sdp = z
  .string()
  .min(1)
  .max(32 * 1024);
/** Codec names as in SDP rtpmap (`VP8`, `H264`, `opus`), compared case-insensitively. */
export const CodecName = z.string().min(1).max(32);

export const MemberInfo = z.object({
  identifier: Identifier,
  tinyId: TinyId,
  role: RoleField,
  terminal: TerminalField,
  authBits: AuthBitsField,
  hasAudio: z.boolean(),
  hasCameraVideo: z.boolean(),
  hasScreenVideo: z.boolean(),
});
export type MemberInfo = z.infer<typeof MemberInfo>;

export const RoomSnapshot = z.object({
  roomId: RoomId,
  roomType: RoomType,
  authBits: AuthBitsField,
  role: RoleField,
  /** The caller's role's encoding settings (`{}` for no role, or a role that sets none). A snapshot without it: none. */
  roleSettings: RoleSettings.optional(),
  /**
   * The members announced to the caller (everyone but the caller while the room is small; in a large
   * room those that publish, and those announced while it was small: docs/protocol.md "Large rooms").
   */
  members: z.array(MemberInfo),
  /** Everyone in the room, the unannounced audience and the caller included. A snapshot without it counts `members` + 1. */
  memberCount: z.number().int().min(1).optional(),
});
export type RoomSnapshot = z.infer<typeof RoomSnapshot>;

export const WireErrorDetail = z.object({ code: z.union([z.number(), z.string()]), message: z.string() });
export const WireError = z.object({ code: z.number().int(), detail: WireErrorDetail });
export type WireError = z.infer<typeof WireError>;
