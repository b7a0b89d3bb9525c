import { z } from 'zod';
import {
  AuthBitsField, Identifier, MessageData, RoleField, RoomId, RoomSnapshot, RoomType, SdkAppId,
  TerminalField, TinyId,
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
    }),
    result: RoomSnapshot,
  },
  'room.exit': { params: Empty, result: Empty },
  'room.changeAuthority': {
    params: z.object({ authBits: AuthBitsField, privilegeKey: z.string().max(4096).optional() }),
    result: z.object({ authBits: AuthBitsField }),
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
} as const;

export type MethodName = keyof typeof Methods;
export type ParamsOf<M extends MethodName> = z.input<(typeof Methods)[M]['params']>;
export type ParsedParamsOf<M extends MethodName> = z.output<(typeof Methods)[M]['params']>;
export type ResultOf<M extends MethodName> = z.output<(typeof Methods)[M]['result']>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(Methods, name);
}
