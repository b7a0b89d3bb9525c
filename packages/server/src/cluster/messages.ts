import { WireError } from '@hudong/protocol';
import { z } from 'zod';

/**
 * What nodes say to each other over NodeBus, one schema per `type`. Every message is validated on
 * receipt: another node may run another version, and Redis is shared.
 */
export const clusterMessageSchema = z.discriminatedUnion('type', [
  /** The identifier logged in on the sender: end the session `sessionId` here as a same-node login would (10008). */
  z.object({ type: z.literal('session.replace'), identifier: z.string().min(1), sessionId: z.string().min(1) }),
  /**
   * A one-to-one room message for `to`, a member of room `roomId` connected to the receiving node; the
   * receiver answers with a `reply` once that member's client acked it (or why not).
   */
  z.object({
    type: z.literal('member.message'),
    requestId: z.string().min(1),
    roomId: z.number().int(),
    to: z.string().min(1),
    from: z.string().min(1),
    data: z.string(),
    binary: z.boolean(),
  }),
  /**
   * The sender's viewers want `identifier`'s `source` (room `roomId`, a member connected to the
   * receiver) at `size`: the receiver sends it as leg `legId` from its relay socket to `endpoint`, the
   * sender's, and replies with its own endpoint and the stream's codec (RelayOpened).
   */
  z.object({
    type: z.literal('relay.open'),
    requestId: z.string().min(1),
    legId: z.number().int().min(1).max(0xffffffff),
    roomId: z.number().int(),
    identifier: z.string().min(1),
    source: z.enum(['audio', 'camera', 'screen']),
    size: z.enum(['big', 'small']),
    endpoint: z.object({ address: z.string().min(1), port: z.number().int().min(1).max(65535) }),
  }),
  /** The sender's node no longer wants leg `legId` (its last viewer left). */
  z.object({ type: z.literal('relay.close'), legId: z.number().int() }),
  /** Leg `legId`'s publication ended on the sender (unpublished, failed, its member left): `reason` for the logs. */
  z.object({ type: z.literal('relay.ended'), legId: z.number().int(), reason: z.string() }),
  /**
   * Invite `inviteId` (owned by the sender, the inviter's node) for `to`, whose session is on the receiver:
   * the receiver sends it invite.received and replies once done (INVITEE_OFFLINE when that session is gone).
   */
  z.object({
    type: z.literal('invite.deliver'),
    requestId: z.string().min(1),
    inviteId: z.string().min(1),
    from: z.string().min(1),
    to: z.string().min(1),
    roomId: z.number().int(),
    expiresAt: z.number(),
    timeoutMs: z.number().int().min(1),
  }),
  /** `by` (on the sender) accepts or refuses invite `inviteId`, owned by the receiver: the reply is the answer to its request. */
  z.object({
    type: z.literal('invite.answer'),
    requestId: z.string().min(1),
    inviteId: z.string().min(1),
    by: z.string().min(1),
    accepted: z.boolean(),
  }),
  /** Invite `inviteId` expired or was withdrawn on the sender (its owner) before it was answered: its invitee gets invite.cancelled `error`. */
  z.object({ type: z.literal('invite.end'), inviteId: z.string().min(1), error: WireError }),
  /** The session invite `inviteId` was delivered to ended on the sender, before it answered: the owner withdraws it. */
  z.object({ type: z.literal('invite.inviteeGone'), inviteId: z.string().min(1) }),
  /** The server API (api/ClusterRoomAdmin.ts) dismisses room `roomId`: the receiver's members of it leave (10009 ROOM_DISMISSED); result `{members}`. */
  z.object({ type: z.literal('api.dismiss'), requestId: z.string().min(1), roomId: z.number().int() }),
  /** The server API kicks `identifier`, a member of room `roomId` connected to the receiver (10006 KICKED). */
  z.object({ type: z.literal('api.kick'), requestId: z.string().min(1), roomId: z.number().int(), identifier: z.string().min(1) }),
  /** The server API sets the auth bits of `identifier`, a member of room `roomId` connected to the receiver; result `{authBits}`. */
  z.object({
    type: z.literal('api.authBits'),
    requestId: z.string().min(1),
    roomId: z.number().int(),
    identifier: z.string().min(1),
    authBits: z.number().int().min(0).max(0xff),
  }),
  /** The answer to a request (`requestId`): null, or the error the requester's client is to get; `result` what the request asked for. */
  z.object({ type: z.literal('reply'), requestId: z.string().min(1), error: WireError.nullable(), result: z.unknown().optional() }),
]);

export type ClusterMessage = z.infer<typeof clusterMessageSchema>;
export type ClusterMessageType = ClusterMessage['type'];
export type ClusterMessageOf<T extends ClusterMessageType> = Extract<ClusterMessage, { type: T }>;
/** The messages answered with a `reply` (NodeBus.request / NodeBus.answer). */
export type ClusterRequest = Extract<ClusterMessage, { requestId: string; type: Exclude<ClusterMessageType, 'reply'> }>;
export type ClusterRequestType = ClusterRequest['type'];

/** What travels on a channel: the sender's node id and the message. */
export const envelopeSchema = z.object({ from: z.string().min(1), message: clusterMessageSchema });
export type Envelope = z.infer<typeof envelopeSchema>;

/** The envelope in a payload, or why it is not one (the receiver logs that and drops it). */
export function parseEnvelope(payload: string): { ok: true; envelope: Envelope } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
  return { ok: true, envelope: parsed.data };
}
