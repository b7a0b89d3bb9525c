import { randomBytes } from 'node:crypto';
import { ServerError } from '../errors.js';
import type { Session } from '../session/Session.js';

type InviteState = 'pending' | 'accepted' | 'refused' | 'expired' | 'cancelled';

interface Invite {
  readonly id: string;
  readonly from: Session;
  readonly to: Session;
  readonly roomId: number;
  state: InviteState;
  /** What a late accept/refuse of a cancelled invite is answered with. */
  lateAnswer?: ServerError;
  /** Expiry while pending, then removal of the finished record. */
  timer: NodeJS.Timeout;
  resolve(accepted: boolean): void;
  reject(err: ServerError): void;
}

/**
 * Finished invites are kept this long so that a late accept/refuse gets INVITE_ANSWERED or
 * INVITE_EXPIRED rather than a puzzling INVITE_NOT_FOUND.
 */
const FINISHED_RETENTION_MS = 5 * 60_000;

/** Demo invites (AVSDK's invite module): one pending request per inviter→invitee, answered by the invitee. */
export class InviteManager {
  readonly #defaultTimeoutMs: number;
  readonly #invites = new Map<string, Invite>();

  constructor(defaultTimeoutMs: number) {
    this.#defaultTimeoutMs = defaultTimeoutMs;
  }

  /**
   * Sends an invite to `to` (the invitee's current session, if any). Settles when the invitee answers
   * (`accepted`), or fails with INVITE_EXPIRED, INVITEE_OFFLINE or INVITER_GONE.
   */
  send(
    from: Session,
    to: Session | undefined,
    toIdentifier: string,
    roomId: number,
    timeoutMs = this.#defaultTimeoutMs,
  ): Promise<{ inviteId: string; accepted: boolean }> {
    if (!to || !to.connected) throw new ServerError('INVITEE_OFFLINE', `"${toIdentifier}" is not logged in`);
    if (to === from) throw new ServerError('INVITE_SELF', 'cannot invite oneself');
    for (const other of this.#invites.values()) {
      if (other.state === 'pending' && ((other.from === from && other.to === to) || (other.from === to && other.to === from))) {
        throw new ServerError(
          'INVITE_PENDING',
          `invite ${other.id} between "${other.from.identifier}" and "${other.to.identifier}" is still pending`,
        );
      }
    }
    const id = randomBytes(9).toString('base64url');
    return new Promise((resolve, reject) => {
      const invite: Invite = {
        id,
        from,
        to,
        roomId,
        state: 'pending',
        timer: setTimeout(() => this.#expire(invite, timeoutMs), timeoutMs),
        resolve: (accepted) => resolve({ inviteId: id, accepted }),
        reject,
      };
      this.#invites.set(id, invite);
      to.send('invite.received', { inviteId: id, from: from.identifier, roomId, expiresAt: Date.now() + timeoutMs });
    });
  }

  accept(by: Session, inviteId: string): { from: string; roomId: number } {
    const invite = this.#answerable(by, inviteId);
    this.#finish(invite, 'accepted');
    invite.resolve(true);
    return { from: invite.from.identifier, roomId: invite.roomId };
  }

  refuse(by: Session, inviteId: string): void {
    const invite = this.#answerable(by, inviteId);
    this.#finish(invite, 'refused');
    invite.resolve(false);
  }

  /** The inviter's connection or session is gone: withdraw its invites, telling the invitees. */
  inviterGone(session: Session): void {
    for (const invite of this.#pending((i) => i.from === session)) {
      const error = new ServerError('INVITER_GONE', `"${session.identifier}" went away; invite ${invite.id} was withdrawn`);
      this.#cancel(invite, error, error);
      invite.to.send('invite.cancelled', { inviteId: invite.id, error: error.toWire() });
    }
  }

  /** The invitee's session ended: its pending invites cannot be answered any more. */
  inviteeGone(session: Session): void {
    for (const invite of this.#pending((i) => i.to === session)) {
      this.#cancel(
        invite,
        new ServerError('INVITEE_OFFLINE', `"${session.identifier}" went offline before answering invite ${invite.id}`),
        new ServerError('INVITE_NOT_FOUND', `invite ${invite.id} was withdrawn when the session it was sent to ended`),
      );
    }
  }

  /** Drops every invite without answering (server shutdown: the connections are closing). */
  close(): void {
    for (const invite of this.#invites.values()) clearTimeout(invite.timer);
    this.#invites.clear();
  }

  #answerable(by: Session, inviteId: string): Invite {
    const invite = this.#invites.get(inviteId);
    if (!invite) throw new ServerError('INVITE_NOT_FOUND', `no invite ${inviteId}`);
    if (invite.to.identifier !== by.identifier) throw new ServerError('INVITE_NOT_YOURS', `invite ${inviteId} is addressed to someone else`);
    switch (invite.state) {
      case 'pending':
        return invite;
      case 'accepted':
      case 'refused':
        throw new ServerError('INVITE_ANSWERED', `invite ${inviteId} was already ${invite.state}`);
      case 'expired':
        throw new ServerError('INVITE_EXPIRED', `invite ${inviteId} expired`);
      case 'cancelled':
        throw invite.lateAnswer!;
    }
  }

  #expire(invite: Invite, timeoutMs: number): void {
    const error = new ServerError('INVITE_EXPIRED', `"${invite.to.identifier}" did not answer invite ${invite.id} within ${timeoutMs} ms`);
    this.#finish(invite, 'expired');
    invite.reject(error);
    invite.to.send('invite.cancelled', { inviteId: invite.id, error: error.toWire() });
  }

  #cancel(invite: Invite, toInviter: ServerError, lateAnswer: ServerError): void {
    invite.lateAnswer = lateAnswer;
    this.#finish(invite, 'cancelled');
    invite.reject(toInviter);
  }

  #finish(invite: Invite, state: InviteState): void {
    invite.state = state;
    clearTimeout(invite.timer);
    invite.timer = setTimeout(() => this.#invites.delete(invite.id), FINISHED_RETENTION_MS);
  }

  #pending(match: (invite: Invite) => boolean): Invite[] {
    return [...this.#invites.values()].filter((i) => i.state === 'pending' && match(i));
  }
}
