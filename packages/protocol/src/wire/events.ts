import { z } from 'zod';
import { Identifier, MediaSource, MemberInfo, RoomId, WireError, AuthBitsField } from './fields.js';

/** `room.memberCount` goes out at most this often (API.md: `memberCountChanged` at most once a second). */
export const MEMBER_COUNT_INTERVAL_MS = 1000;

/** Everything the server pushes without being asked. */
export const ServerEvents = {
  /**
   * Members entered, left or changed what they send, or were announced or withdrawn in a large room.
   * `event` is an EndpointEvent; EXIT carries identifiers only. Changes made in the same event-loop
   * round go out together, one event per kind, in the order NO_…, EXIT, ENTER, HAS_… (docs/protocol.md).
   */
  'room.endpoints': z.object({
    event: z.number().int().min(1).max(8),
    members: z.array(MemberInfo.partial().required({ identifier: true, tinyId: true })),
  }),
  /** How many members the room holds now (everyone, the caller included); sent at most once a second, when it changed. */
  'room.memberCount': z.object({ count: z.number().int().min(1) }),
  /** The caller's auth bits in the room changed. */
  'room.privilege': z.object({ authBits: AuthBitsField }),
  /** A room message; with `ackId` the sender waits for the `ack`. */
  'room.message': z.object({
    from: Identifier,
    data: z.string(),
    binary: z.boolean(),
    to: Identifier.optional(),
    ackId: z.number().int().optional(),
  }),
  /** The server took the caller out of the room (e.g. the room closed). */
  'room.removed': z.object({ roomId: RoomId, error: WireError }),
  'invite.received': z.object({ inviteId: z.string(), from: Identifier, roomId: RoomId, expiresAt: z.number() }),
  /** An invite addressed to the caller was withdrawn or expired before it was answered. */
  'invite.cancelled': z.object({ inviteId: z.string(), error: WireError }),
  /**
   * An offer for the caller's receive connection (the server adds m-sections as views need them;
   * one offer in flight at a time, answered with `media.subscriberAnswer`). A new `connectionId`
   * means a new connection: the client drops the old one.
   */
  'media.subscriberOffer': z.object({ connectionId: z.string(), revision: z.number().int(), sdp: z.string() }),
  /** A view ended without being asked: its publisher stopped or left, or its transport failed. */
  'media.subscriptionEnded': z.object({ subscriptionId: z.string(), error: WireError }),
  /**
   * The server ended one of the caller's own publications without being asked: its transport failed
   * or did not connect (10004), or its SEND bit was taken away (10003). Not sent for unpublish,
   * replacement or leaving.
   */
  'media.publicationEnded': z.object({ source: MediaSource, publicationId: z.string(), error: WireError }),
  /** Another connection logged in with the same identifier; this one is closed next. */
  'session.replaced': z.object({ error: WireError }),
} as const;

export type ServerEventName = keyof typeof ServerEvents;
export type ServerEventData<E extends ServerEventName> = z.output<(typeof ServerEvents)[E]>;
