import type { RoomSnapshot } from '@hudong/protocol';
import { ServerError } from '../errors.js';
import type { Authority } from '../rooms/Authority.js';
import type { Member } from '../rooms/Member.js';
import { admit } from '../rooms/admission.js';
import type { Session } from '../session/Session.js';
import { sessionOf, type Handler, type RequestContext } from './types.js';

export const enter: Handler<'room.enter'> = (ctx, params) => {
  const { rooms, clusterRooms, authority, config } = ctx.services;
  const session = sessionOf(ctx);
  if (!clusterRooms) return entered(ctx, session, admit({ directory: rooms, authority, roomTypes: config.roomTypes }, session, params), params);
  return admit({ directory: clusterRooms, authority, roomTypes: config.roomTypes }, session, params).then((member) => {
    // Redis took a while: the session may have ended meanwhile.
    if (session.ended) {
      member.close();
      throw new ServerError('NOT_LOGGED_IN', 'the session ended while entering the room');
    }
    return entered(ctx, session, member, params);
  });
};

function entered(
  ctx: RequestContext,
  session: Session,
  member: Member,
  params: { receive?: boolean | undefined },
): RoomSnapshot | Promise<RoomSnapshot> {
  session.join(member);
  const snapshot = snapshotOf(ctx.services.authority, member);
  return params.receive ? openReceiving(ctx, member).then(() => snapshot) : snapshot;
}

/** The room as `member` sees it, with its role's encoding settings (room.enter, and login's resume). */
export function snapshotOf(authority: Authority, member: Member): RoomSnapshot {
  return { ...member.room.snapshotFor(member), roleSettings: authority.settingsOf(member.role) };
}

/**
 * The receive connection asked for with the enter; the answer waits for its first offer (see
 * MediaRouter.subscriberOpen). A failure to open it does not fail the enter: the first view opens
 * it again, and reports its error then.
 */
function openReceiving(ctx: RequestContext, member: Member): Promise<void> {
  try {
    return ctx.services.media.subscriberOpen(member);
  } catch (err) {
    ctx.services.logger.warn({ identifier: member.identifier, err: String(err) }, 'opening the receive connection with the enter failed');
    return Promise.resolve();
  }
}

export const exit: Handler<'room.exit'> = (ctx) => {
  memberOf(sessionOf(ctx)).close();
  return {};
};

export const changeAuthority: Handler<'room.changeAuthority'> = (ctx, params) => {
  const session = sessionOf(ctx);
  const member = memberOf(session);
  const { authBits, privilegeKey } = ctx.services.authority.forChange({
    identifier: session.identifier,
    roomId: member.room.roomId,
    authBits: params.authBits,
    privilegeKey: params.privilegeKey,
    role: member.role,
    heldKey: member.privilegeKey,
  });
  member.setAuthority(authBits, privilegeKey);
  return { authBits };
};

/** AVSDK ChangeAVControlRole: the new role's settings for the client to apply, and its bound cutting the bits. */
export const changeRole: Handler<'room.changeRole'> = (ctx, params) => {
  const session = sessionOf(ctx);
  const member = memberOf(session);
  const { authBits, roleSettings } = ctx.services.authority.forRole(params.role, member.authBits);
  member.setRole(params.role);
  if (authBits !== member.authBits) member.setAuthority(authBits, member.privilegeKey);
  ctx.services.logger.info({ identifier: session.identifier, roomId: member.room.roomId, role: params.role, authBits }, 'role changed');
  return { role: params.role, authBits, roleSettings };
};

/**
 * To the room: answered once sent (10005 ROOM_MESSAGE_RATE past a large room's audience cap). To one member,
 * announced or not: answered when that member's client acks it.
 */
export const message: Handler<'room.message'> = async (ctx, params) => {
  const session = sessionOf(ctx);
  const member = memberOf(session);
  const event = { from: session.identifier, data: params.data, binary: params.binary };
  if (params.to === undefined) {
    member.room.message(member, event);
    return {};
  }
  const target = member.room.member(params.to);
  const notFound = () => new ServerError('MEMBER_NOT_FOUND', `"${params.to}" is not in room ${member.room.roomId}`);
  if (!target || target.closed) throw notFound();
  // A member of another node (a room across nodes): its node delivers it and carries the ack back.
  if (target.nodeId !== undefined) {
    await ctx.services.clusterRooms!.sendTo(target, event);
    return {};
  }
  const recipient = ctx.services.sessions.get(params.to);
  if (!recipient) throw notFound();
  await recipient.sendAcked({ ...event, to: params.to }, ctx.services.config.messageAckTimeoutMs);
  return {};
};

export function memberOf(session: Session): Member {
  if (!session.member) throw new ServerError('NOT_IN_ROOM', 'not in a room');
  return session.member;
}
