import { ServerError } from '../errors.js';
import { sessionOf, type Handler } from './types.js';

/**
 * Answered only when the invitee answers, or the invite expires or is withdrawn. An invitee on another
 * node is found through Redis. Only a member of a room may invite into it, or anyone into a room that
 * does not exist yet (a call: invite, then both enter): otherwise anyone logged in could summon people
 * into someone else's room (10006 INVITER_NOT_IN_ROOM).
 */
export const send: Handler<'invite.send'> = async (ctx, { to, roomId, timeoutMs }) => {
  const { sessions, invites, clusterInvites, rooms, clusterRooms } = ctx.services;
  const from = sessionOf(ctx);
  const inRoom = from.member?.room.roomId;
  if (inRoom !== roomId && (rooms.get(roomId) !== undefined || (await clusterRooms?.exists(roomId)))) {
    const where = inRoom === undefined ? 'not in a room' : `in room ${inRoom}`;
    throw new ServerError('INVITER_NOT_IN_ROOM', `only a member of room ${roomId} may invite into it; "${from.identifier}" is ${where}`);
  }
  const invitee = sessions.get(to) ?? (await clusterInvites?.invitee(from, to));
  return invites.send(from, invitee, to, roomId, timeoutMs);
};

/** An invite of another node's inviter is answered by that node (ClusterInvites), with the same rules. */
export const accept: Handler<'invite.accept'> = (ctx, { inviteId }) => {
  const { invites, clusterInvites } = ctx.services;
  return clusterInvites?.receivedHere(inviteId) ? clusterInvites.accept(sessionOf(ctx), inviteId) : invites.accept(sessionOf(ctx), inviteId);
};

export const refuse: Handler<'invite.refuse'> = async (ctx, { inviteId }) => {
  const { invites, clusterInvites } = ctx.services;
  if (clusterInvites?.receivedHere(inviteId)) await clusterInvites.refuse(sessionOf(ctx), inviteId);
  else invites.refuse(sessionOf(ctx), inviteId);
  return {};
};
