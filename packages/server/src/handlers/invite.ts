import { sessionOf, type Handler } from './types.js';

/** Answered only when the invitee answers, or the invite expires or is withdrawn. */
export const send: Handler<'invite.send'> = (ctx, { to, roomId, timeoutMs }) => {
  const { sessions, invites } = ctx.services;
  return invites.send(sessionOf(ctx), sessions.get(to), to, roomId, timeoutMs);
};

export const accept: Handler<'invite.accept'> = (ctx, { inviteId }) => ctx.services.invites.accept(sessionOf(ctx), inviteId);

export const refuse: Handler<'invite.refuse'> = (ctx, { inviteId }) => {
  ctx.services.invites.refuse(sessionOf(ctx), inviteId);
  return {};
};
