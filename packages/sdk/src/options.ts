import { AuthBits, type Lang } from '@hudong/protocol';
import type { Logger } from './util/logger.js';

/** Every default of the SDK, in one place. */
export const DEFAULTS = {
  lang: 'en' as Lang,
  reconnectTimeoutMs: 30_000,
  startTimeoutMs: 30_000,
  enterTimeoutMs: 30_000,
  requestTimeoutMs: 10_000,
  stopTimeoutMs: 3_000,
  roomType: 'multi' as RoomType,
  authBits: AuthBits.DEFAULT as number,
  controlRole: '',
  createRoom: true,
  videoRecvMode: 'manual' as VideoRecvMode,
  simulcast: false,
} as const;

export type RoomType = 'multi' | 'pair';
export type VideoRecvMode = 'manual' | 'semi-auto';

/** Options of `AVContext.create`. */
export interface AVContextOptions {
  /**
   * Signalling endpoint, e.g. `ws://127.0.0.1:7000/ws`, or the nodes of a cluster (at most 16): the
   * SDK logs in on the first that answers, and after losing its node tries it once more (to resume
   * there), then the next ones in turn, re-entering its room wherever it lands. Required.
   */
  serverUrl: string | string[];
  /** The application id the server and the UserSigs were made for (uint32). Required. */
  sdkAppId: number;
  /** Language of error texts (`meaning`, `cause`, `suggestion`). Default `'en'`. */
  lang?: Lang;
  /**
   * After losing the server, keep reconnecting this long (ms); then the room emits `disconnected`
   * (1005 RECONNECT_TIMEOUT) and the context stops. Default 30000 (AVSDK's 30 s heartbeat rule).
   */
  reconnectTimeoutMs?: number;
  /** Structured logger (`{debug,info,warn,error}(fields, msg)`, pino-compatible). Default: silent. */
  logger?: Logger;
  /**
   * A WebRTC implementation for Node (e.g. `await import('@roamhq/wrtc')`); kept for media.
   * Default: the browser's, or `@roamhq/wrtc` when installed. `null`: none, signalling only (views
   * and devices reject with 1006; a bot or a load generator that only talks).
   */
  webrtc?: unknown;
  /**
   * Publish the camera with two simulcast layers (rid 'l' at half resolution, rid 'h'), so that
   * `size: 'small'` views get the low one. Default `false`.
   */
  simulcast?: boolean;
  /** What the server records as our terminal. Default `'web'` in browsers, `'node'` in Node. */
  terminal?: string;
  /** Timeout (ms) of requests that take no `timeoutMs` of their own (messages, authority, identity). Default 10000. */
  requestTimeoutMs?: number;
}

/** Parameters of `AVContext.start`. */
export interface StartParams {
  /** The app account id (1–128 printable characters, no whitespace). */
  identifier: string;
  /** A UserSig for `identifier` (tls-sig-api-v2 compatible). */
  userSig: string;
  /** 1005 when login has not finished by then (ms). Default 30000. */
  timeoutMs?: number;
}

/** Parameters of `AVContext.enterRoom`. */
export interface EnterRoomParams {
  /** uint32 app room id (AVSDK relation_id), 1..4294967295. Required. */
  roomId: number;
  /** `'multi'` or `'pair'` (at most 2 members). Default `'multi'`. */
  roomType?: RoomType;
  /** Requested privileges (AuthBits). Default `AuthBits.DEFAULT` (all). */
  authBits?: number;
  /** Privilege key (AVSDK auth_buffer) bounding the bits in this room. Default none. */
  privilegeKey?: string;
  /** Free-form role name; server config may map roles to bits. Default `''`. */
  controlRole?: string;
  /** Create the room when it does not exist; `false` → 10009 then. Default `true`. */
  createRoom?: boolean;
  /** `'semi-auto'` views cameras already on at entry. Default `'manual'`. */
  videoRecvMode?: VideoRecvMode;
  /** 1005 when entering has not finished by then (ms). Default 30000. */
  timeoutMs?: number;
}

/** One entry of `requestViewList`. */
export interface ViewRequest {
  identifier: string;
  /** `'camera'` or `'screen'`; `'media'` is AVSDK's media-file source, not implemented (1006). */
  srcType: 'camera' | 'screen' | 'media';
  size: 'big' | 'small';
}

/**
 * A view being received (`requestViewList`). The room keeps the same object while the view lasts:
 * `size` follows later requests, and after a reconnect `track` is the re-opened transport's.
 */
export interface AVView {
  identifier: string;
  srcType: 'camera' | 'screen';
  size: 'big' | 'small';
  track: MediaStreamTrack;
}

/** An invitation received (`ctx.on('invited')`). */
export interface Invitation {
  id: string;
  from: string;
  roomId: number;
  /** When the server expires it (ms since epoch). */
  expiresAt: number;
}

/** An invitation that was sent and accepted. */
export interface AcceptedInvitation {
  id: string;
  from: string;
  to: string;
  roomId: number;
}

/** Options of `AVContext.invite`. */
export interface InviteOptions {
  roomId: number;
  /** How long the invitee has to answer (ms, 1000..300000). Default: the server's (30000). */
  timeoutMs?: number;
}

/** Options of `AVRoom.sendMessage`. */
export interface SendMessageOptions {
  /** One member; omitted: the whole room. */
  to?: string;
  /** Default: the context's `requestTimeoutMs`. */
  timeoutMs?: number;
}
