import { ErrorCode, WireParseError, lookupError, type ServerErrorCode, type WireError } from '@hudong/protocol';
import { SigError, type PrivilegeKeyRejection, type SigRejection } from '@hudong/protocol/auth';

const {
  AV_ERR_SERVER_FAILED: FAILED,
  AV_ERR_SERVER_INVALID_ARGUMENT: INVALID,
  AV_ERR_SERVER_NO_PERMISSION: NO_PERMISSION,
  AV_ERR_SERVER_TIMEOUT: TIMEOUT,
  AV_ERR_SERVER_ALLOC_RESOURCE_FAILED: NO_RESOURCE,
  AV_ERR_SERVER_ID_NOT_IN_ROOM: NOT_IN_ROOM,
  AV_ERR_SERVER_NOT_IMPLEMENT: NOT_IMPLEMENTED,
  AV_ERR_SERVER_REPEATED_OPERATION: REPEATED,
  AV_ERR_SERVER_ROOM_NOT_EXIST: NO_ROOM,
  AV_ERR_SERVER_ENDPOINT_NOT_EXIST: NO_ENDPOINT,
  AV_ERR_SERVER_INVALID_ABILITY: NO_ABILITY,
} = ErrorCode;

/** docs/media.md: the media plane's causes. */
const MEDIA_SUB_CODES = {
  AUTH_SEND_AUDIO_MISSING: NO_PERMISSION,
  AUTH_SEND_CAMERA_VIDEO_MISSING: NO_PERMISSION,
  AUTH_SEND_SCREEN_VIDEO_MISSING: NO_PERMISSION,
  AUTH_RECV_AUDIO_MISSING: NO_PERMISSION,
  AUTH_RECV_CAMERA_VIDEO_MISSING: NO_PERMISSION,
  AUTH_RECV_SCREEN_VIDEO_MISSING: NO_PERMISSION,
  SCREEN_VIDEO_DISABLED: NO_ABILITY,
  NO_COMMON_CODEC: NO_ABILITY,
  TOO_MANY_LAYERS: NO_ABILITY,
  /** A member holds `maxViewsPerMember` views already. */
  TOO_MANY_VIEWS: NO_RESOURCE,
  /** A member asked to view its own publication (its client has the local preview). */
  VIEW_SELF: INVALID,
  /** A publication changed its SSRC more than MAX_SSRC_CHANGES times (media/Publication.ts). */
  TOO_MANY_SSRCS: NO_RESOURCE,
  /** Fewer than `mediaFdReserve` file descriptors are free: no new media transport. */
  NODE_FD_RESERVE: NO_RESOURCE,
  NOT_PUBLISHING: NO_ENDPOINT,
  /** A room across nodes: the publisher is connected to another node, and this node's media relay is not running (it starts with the node). */
  MEDIA_ON_OTHER_NODE: NO_ENDPOINT,
  SUBSCRIPTION_NOT_FOUND: NO_ENDPOINT,
  BAD_SDP: INVALID,
  TRANSPORT_TIMEOUT: TIMEOUT,
  TRANSPORT_FAILED: TIMEOUT,
} as const satisfies Record<string, ServerErrorCode>;

const SIG_REJECTIONS = {
  USERSIG_MALFORMED: NO_PERMISSION,
  USERSIG_TOO_LARGE: NO_PERMISSION,
  USERSIG_VERSION_UNSUPPORTED: NO_PERMISSION,
  USERSIG_BAD_SIGNATURE: NO_PERMISSION,
  USERSIG_EXPIRED: NO_PERMISSION,
  USERSIG_WRONG_APP: NO_PERMISSION,
  USERSIG_WRONG_IDENTIFIER: NO_PERMISSION,
  PRIVKEY_MALFORMED: NO_PERMISSION,
  PRIVKEY_WRONG_ROOM: NO_PERMISSION,
  PRIVKEY_EXPIRED: NO_PERMISSION,
} as const satisfies Record<SigRejection | PrivilegeKeyRejection, ServerErrorCode>;

/**
 * Every precise cause (`detail.code`) the server answers with, and the one server code it belongs to
 * (docs/protocol.md). Keeping the pairing here means a throw site cannot pick a mismatched code.
 */
const SUB_CODES = {
  ...SIG_REJECTIONS,
  ...MEDIA_SUB_CODES,
  INTERNAL: FAILED,
  STORE_FAILED: FAILED,
  NOT_JSON: INVALID,
  BAD_ENVELOPE: INVALID,
  BAD_PARAMS: INVALID,
  ROOM_TYPE_MISMATCH: INVALID,
  /** `controlRole` / `room.changeRole` names a role the server's `roles` does not configure. */
  UNKNOWN_ROLE: INVALID,
  INVITE_SELF: INVALID,
  PRIVKEY_REQUIRED: NO_PERMISSION,
  ORIGIN_NOT_ALLOWED: NO_PERMISSION,
  /** A server API request without `Authorization: Bearer <admin UserSig>`. */
  ADMIN_SIG_MISSING: NO_PERMISSION,
  AUTH_CREATE_ROOM_MISSING: NO_PERMISSION,
  AUTH_JOIN_ROOM_MISSING: NO_PERMISSION,
  AUTH_BITS_EXCEED_KEY: NO_PERMISSION,
  INVITE_NOT_YOURS: NO_PERMISSION,
  STORE_BUSY: TIMEOUT,
  DELIVERY_TIMEOUT: TIMEOUT,
  INVITE_EXPIRED: TIMEOUT,
  RATE_LIMITED: NO_RESOURCE,
  ROOM_MESSAGE_RATE: NO_RESOURCE,
  TOO_MANY_INVITES: NO_RESOURCE,
  NODE_ROOM_LIMIT: NO_RESOURCE,
  PAIR_ROOM_FULL: NO_RESOURCE,
  ROOM_FULL: NO_RESOURCE,
  NODE_MEMBER_LIMIT: NO_RESOURCE,
  CONNECTION_LIMIT: NO_RESOURCE,
  IP_CONNECTION_LIMIT: NO_RESOURCE,
  IDENTITY_BATCH_LIMIT: NO_RESOURCE,
  NOT_LOGGED_IN: NOT_IN_ROOM,
  NOT_IN_ROOM: NOT_IN_ROOM,
  INVITER_NOT_IN_ROOM: NOT_IN_ROOM,
  /** The server API took the member out (DELETE /api/v1/rooms/:roomId/members/:identifier). */
  KICKED: NOT_IN_ROOM,
  UNKNOWN_METHOD: NOT_IMPLEMENTED,
  /** A server API path or method that does not exist. */
  UNKNOWN_ENDPOINT: NOT_IMPLEMENTED,
  SESSION_REPLACED: REPEATED,
  DUPLICATE_REQUEST_ID: REPEATED,
  ALREADY_LOGGED_IN: REPEATED,
  ALREADY_IN_ROOM: REPEATED,
  IN_ANOTHER_ROOM: REPEATED,
  INVITE_PENDING: REPEATED,
  INVITE_ANSWERED: REPEATED,
  ROOM_NOT_FOUND: NO_ROOM,
  /** The server API dismissed the room (DELETE /api/v1/rooms/:roomId). */
  ROOM_DISMISSED: NO_ROOM,
  MEMBER_NOT_FOUND: NO_ENDPOINT,
  INVITEE_OFFLINE: NO_ENDPOINT,
  INVITER_GONE: NO_ENDPOINT,
  INVITE_NOT_FOUND: NO_ENDPOINT,
  PROTOCOL_VERSION_UNSUPPORTED: NO_ABILITY,
  ROOM_TYPE_DISABLED: NO_ABILITY,
} as const satisfies Record<string, ServerErrorCode>;

export type SubCode = keyof typeof SUB_CODES;

/** A failure the client is told about: server code 10001–10011 plus the precise sub-code and a sentence. */
export class ServerError extends Error {
  readonly code: ServerErrorCode;
  readonly detail: { readonly code: SubCode; readonly message: string };

  constructor(subCode: SubCode, message: string) {
    super(`${subCode}: ${message}`);
    this.name = 'ServerError';
    this.code = SUB_CODES[subCode];
    this.detail = { code: subCode, message };
  }

  /** `AV_ERR_SERVER_…`, for logs. */
  get codeName(): string {
    return lookupError(this.code)?.name ?? 'AV_ERR_SERVER_FAILED';
  }

  toWire(): WireError {
    return { code: this.code, detail: { code: this.detail.code, message: this.detail.message } };
  }

  /** An error another node answered with (cluster), as it was thrown there; an unknown sub-code becomes INTERNAL. */
  static fromWire(error: WireError): ServerError {
    const { code, message } = error.detail;
    if (typeof code === 'string' && Object.hasOwn(SUB_CODES, code)) return new ServerError(code as SubCode, message);
    return new ServerError('INTERNAL', `${code}: ${message}`);
  }

  /** Any thrown value as the error the client gets; unexpected ones become 10001 INTERNAL. */
  static from(err: unknown): ServerError {
    if (err instanceof ServerError) return err;
    if (err instanceof SigError) return new ServerError(err.reason, err.message);
    if (err instanceof WireParseError) {
      switch (err.reason) {
        case 'NOT_JSON':
        case 'BAD_ENVELOPE':
        case 'BAD_PARAMS':
        case 'UNKNOWN_METHOD':
          return new ServerError(err.reason, err.message);
      }
    }
    return new ServerError('INTERNAL', err instanceof Error ? err.message : String(err));
  }
}
