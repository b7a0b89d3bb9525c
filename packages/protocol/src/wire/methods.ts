import { z } from 'zod';
import {
  AuthBitsField,
  CodecName,
  Identifier,
  MediaSource,
  MessageData,
  RoleField,
  RoleSettings,
  RoomId,
  RoomSnapshot,
  RoomType,
  SdkAppId,
  Sdp,
  TerminalField,
  TinyId,
  ViewSize,
  WireError,
} from './fields.js';

const Empty = z.object({});

/**
 * Every request the client can send: its params and the result the server answers with.
 * The server validates params with these schemas, the client validates results.
 */
export const Methods = {
  /** Authenticate with a UserSig, map identifier→tinyId; with `resumeToken`, take over a dropped session. */
  login: {
    params: z.object({
      protocolVersion: z.number().int(),
      sdkAppId: SdkAppId,
      identifier: Identifier,
      userSig: z.string().min(1).max(4096),
      terminal: TerminalField.default('unknown'),
      resumeToken: z.string().max(128).optional(),
    }),
    result: z.object({
      tinyId: TinyId,
      sessionToken: z.string(),
      node: z.string(),
      heartbeatIntervalMs: z.number().int().positive(),
      /** True when `resumeToken` found the session: its room membership (if any) is still there. */
      resumed: z.boolean(),
      room: RoomSnapshot.nullable(),
      /**
       * Resumed: the server took the session out of room `roomId` while its connection was down (the
       * server API's kick or dismiss), with the `room.removed` error it could not deliver then.
       */
      removed: z.object({ roomId: RoomId, error: WireError }).optional(),
    }),
  },
  logout: { params: Empty, result: Empty },
  ping: { params: Empty, result: Empty },
  'identity.toTinyIds': {
    params: z.object({ identifiers: z.array(Identifier).min(1).max(1000) }),
    result: z.object({ tinyIds: z.array(TinyId.nullable()) }),
  },
  'identity.toIdentifiers': {
    params: z.object({ tinyIds: z.array(TinyId).min(1).max(1000) }),
    result: z.object({ identifiers: z.array(Identifier.nullable()) }),
  },
  'room.enter': {
    params: z.object({
      roomId: RoomId,
      roomType: RoomType,
      authBits: AuthBitsField,
      privilegeKey: z.string().max(4096).optional(),
      controlRole: RoleField.default(''),
      createRoom: z.boolean(),
      /**
       * Open the caller's receive connection as part of entering (what `media.subscriberOpen` does):
       * its first offer follows the answer, a round trip sooner. Clients that cannot answer offers
       * leave it out.
       */
      receive: z.boolean().default(false),
    }),
    result: RoomSnapshot,
  },
  'room.exit': { params: Empty, result: Empty },
  'room.changeAuthority': {
    params: z.object({ authBits: AuthBitsField, privilegeKey: z.string().max(4096).optional() }),
    result: z.object({ authBits: AuthBitsField }),
  },
  /**
   * Take another configured role (AVSDK ChangeAVControlRole): its encoding settings from now on, and its
   * auth-bit bound cuts the member's bits (it never adds any: changeAuthority does). 10002 UNKNOWN_ROLE.
   */
  'room.changeRole': {
    params: z.object({ role: RoleField }),
    result: z.object({ role: RoleField, authBits: AuthBitsField, roleSettings: RoleSettings }),
  },
  /** To the whole room, or (with `to`) to one member: then it resolves once that member's client acknowledged it. */
  'room.message': {
    params: z.object({ data: MessageData, binary: z.boolean().default(false), to: Identifier.optional() }),
    result: Empty,
  },
  /** Resolves when the invitee answers: `accepted` true or false. */
  'invite.send': {
    params: z.object({ to: Identifier, roomId: RoomId, timeoutMs: z.number().int().min(1000).max(300_000).optional() }),
    result: z.object({ inviteId: z.string(), accepted: z.boolean() }),
  },
  'invite.accept': { params: z.object({ inviteId: z.string().max(64) }), result: z.object({ from: Identifier, roomId: RoomId }) },
  'invite.refuse': { params: z.object({ inviteId: z.string().max(64) }), result: Empty },
  /**
   * Publish one source. On the caller's send connection (`connectionId`, the client's name for it):
   * the source goes on m-section `mid`; `sdp` is the connection's whole offer when it changed (a
   * new m-section, or a new connection: another `connectionId` replaces the old one), left out when
   * `mid` was negotiated already (publishing a source again on its m-section). Without
   * `connectionId` the source gets a connection of its own and `sdp` (one sendonly m-section) is
   * needed: the way for simulcast, whose layers libdatachannel routes only on a connection of their
   * own. Candidates gathered. The answer (`sdp`, when an offer was given) keeps only what the SFU
   * forwards. Publishing a source again replaces its publication.
   */
  'media.publish': {
    params: z
      .object({
        source: MediaSource,
        sdp: Sdp.optional(),
        connectionId: z.string().min(1).max(64).optional(),
        mid: z.string().min(1).max(32).optional(),
      })
      .refine((p) => (p.connectionId === undefined ? p.sdp !== undefined : p.mid !== undefined), {
        message: 'a connection of its own needs sdp; a shared connection (connectionId) needs mid',
      }),
    result: z.object({ publicationId: z.string(), sdp: Sdp.optional(), codec: CodecName }),
  },
  'media.unpublish': { params: z.object({ source: MediaSource }), result: Empty },
  /**
   * View one member's source on the caller's one receive connection (`connectionId`). The server puts
   * the view on an m-section (`mid`): a free one of the same kind and codec, or a new one, which it
   * then offers with `media.subscriberOffer`. `codecs`: what the client can decode.
   */
  'media.subscribe': {
    params: z.object({
      identifier: Identifier,
      source: MediaSource,
      size: ViewSize.default('big'),
      codecs: z.array(CodecName).max(16).optional(),
    }),
    result: z.object({ subscriptionId: z.string(), connectionId: z.string(), mid: z.string(), codec: CodecName }),
  },
  /** The client's answer to `media.subscriberOffer` `revision` (candidates gathered). */
  'media.subscriberAnswer': { params: z.object({ connectionId: z.string().max(64), revision: z.number().int().min(1), sdp: Sdp }), result: Empty },
  /**
   * Open the caller's receive connection before any view (its offer follows as
   * `media.subscriberOffer`), so that the first view finds it connected. Idempotent.
   */
  'media.subscriberOpen': { params: z.object({}), result: Empty },
  /**
   * Drop the caller's receive connection and every view on it (no `media.subscriptionEnded`): after a
   * reconnect the client starts a fresh one. Idempotent.
   */
  'media.subscriberReset': { params: z.object({}), result: Empty },
  /** Switch a view between simulcast layers without renegotiating. */
  'media.setLayer': { params: z.object({ subscriptionId: z.string().max(64), size: ViewSize }), result: Empty },
  'media.unsubscribe': { params: z.object({ subscriptionId: z.string().max(64) }), result: Empty },
  /**
   * Per view of the caller: packets sent to it for the first time and resent for its NACKs since the
   * view began. Against what the client received, its loss before NACK repair (getQualityStats).
   */
  'media.viewStats': {
    params: Empty,
    result: z.object({
      views: z.array(z.object({ subscriptionId: z.string(), packets: z.number().int().min(0), resent: z.number().int().min(0) })).max(100_000),
    }),
  },
} as const;

export type MethodName = keyof typeof Methods;
export type ParamsOf<M extends MethodName> = z.input<(typeof Methods)[M]['params']>;
export type ParsedParamsOf<M extends MethodName> = z.output<(typeof Methods)[M]['params']>;
export type ResultOf<M extends MethodName> = z.output<(typeof Methods)[M]['result']>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(Methods, name);
}
