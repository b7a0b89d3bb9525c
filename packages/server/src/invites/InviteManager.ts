import { randomBytes } from 'node:crypto';
import type { ServerEventData } from '@hudong/protocol';
import { ServerError } from '../errors.js';
import { Session } from '../session/Session.js';
import { contained } from '../util/guard.js';

/**
 * An invitee whose session is on another node of the cluster (cluster/ClusterInvites.ts): the invite
 * stays here, on the inviter's node; these carry its events there.
 */
export interface RemoteInvitee {
  readonly identifier: string;
  readonly nodeId: string;
  /** Hands invite.received to that node; rejects with INVITEE_OFFLINE when the session is gone there. */
  deliver(received: ServerEventData<'invite.received'>, timeoutMs: number): Promise<void>;
  /** The invite expired or was withdrawn before it was answered: that node sends invite.cancelled. */
  cancelled(inviteId: string, error: ServerError): void;
}

export type Invitee = Session | RemoteInvitee;

type InviteState = 'pending' | 'accepted' | 'refused' | 'expired' | 'cancelled';

interface Invite {
  readonly id: string;
  readonly from: Session;
  readonly to: Invitee;
  readonly roomId: number;
  /** How long it is pending at most; a finished record is kept as long again. */
  readonly lifetimeMs: number;
  state: InviteState;
  /** What a late accept/refuse of a cancelled invite is answered with. */
  lateAnswer?: ServerError;
  /** Expiry while pending, then removal of the finished record. */
  timer: NodeJS.Timeout;
  resolve(accepted: boolean): void;
  reject(err: ServerError): void;
}

export interface InviteLimits {
  /** Lifetime of an invite whose request gives none (capped by `maxTimeoutMs` too). */
  defaultTimeoutMs: number;
  /** Longest lifetime an invite gets, whatever its request asks. */
  maxTimeoutMs: number;
  /** Invites one identifier may have pending at once (10005 TOO_MANY_INVITES past it). */
  maxPendingPerInviter: number;
}

/** INVITE_PENDING: one pending invite at a time between two identifiers, either way (also checked by ClusterInvites). */
export function pendingError(inviteId: string, from: string, to: string): ServerError {
  return new ServerError('INVITE_PENDING', `invite ${inviteId} between "${from}" and "${to}" is still pending`);
}

/**
 * Demo invites (AVSDK's invite module): one pending request per inviter→invitee, answered by the invitee.
 * Pending invites are indexed by inviter and by invitee identifier, so that no check or departure
 * scans every invite; a finished one is kept (by id) as long as it could have been pending, so that a
 * late accept/refuse gets INVITE_ANSWERED or INVITE_EXPIRED rather than a puzzling INVITE_NOT_FOUND.
 */
export class InviteManager {
  readonly #limits: InviteLimits;
  /** Every invite, pending or finished, until its record is dropped. */
  readonly #invites = new Map<string, Invite>();
  /** Pending invites by the inviter's identifier: at most `maxPendingPerInviter` each. */
  readonly #byInviter = new Map<string, Set<Invite>>();
  /** Pending invites by the invitee's identifier. */
  readonly #byInvitee = new Map<string, Set<Invite>>();

  constructor(limits: InviteLimits) {
    this.#limits = { ...limits };
  }

  /**
   * Sends an invite to `to` (the invitee's current session, here or on another node, if any). Settles when
   * the invitee answers (`accepted`), or fails with INVITE_EXPIRED, INVITEE_OFFLINE or INVITER_GONE.
   * Throws INVITEE_OFFLINE, INVITE_SELF, INVITE_PENDING or TOO_MANY_INVITES, checked in that order.
   */
  send(
    from: Session,
    to: Invitee | undefined,
    toIdentifier: string,
    roomId: number,
    timeoutMs = this.#limits.defaultTimeoutMs,
  ): Promise<{ inviteId: string; accepted: boolean }> {
    if (!to || (to instanceof Session && !to.connected)) throw inviteeOffline(toIdentifier);
    if (to === from) throw new ServerError('INVITE_SELF', 'cannot invite oneself');
    // By identifier: an invitee on another node is not a Session, and an identifier has one session.
    const sent = pendingOf(this.#byInviter, from.identifier);
    const other =
      [...sent].find((i) => i.to.identifier === to.identifier) ??
      [...pendingOf(this.#byInviter, to.identifier)].find((i) => i.to.identifier === from.identifier);
    if (other) throw pendingError(other.id, other.from.identifier, other.to.identifier);
    const { maxPendingPerInviter, maxTimeoutMs } = this.#limits;
    if (sent.size >= maxPendingPerInviter) {
      throw new ServerError(
        'TOO_MANY_INVITES',
        `"${from.identifier}" already has ${sent.size} pending invites (maxPendingInvitesPerInviter ${maxPendingPerInviter}); wait for an answer`,
      );
    }
    const lifetimeMs = Math.min(timeoutMs, maxTimeoutMs);
    const id = randomBytes(9).toString('base64url');
    return new Promise((resolve, reject) => {
      const invite: Invite = {
        id,
        from,
        to,
        roomId,
        lifetimeMs,
        state: 'pending',
        timer: setTimeout(
          contained(`invite ${id}'s expiry`, () => this.#expire(invite)),
          lifetimeMs,
        ),
        resolve: (accepted) => resolve({ inviteId: id, accepted }),
        reject,
      };
      this.#invites.set(id, invite);
      index(this.#byInviter, from.identifier, invite);
      index(this.#byInvitee, to.identifier, invite);
      const received = { inviteId: id, from: from.identifier, roomId, expiresAt: Date.now() + lifetimeMs };
      if (to instanceof Session) {
        to.send('invite.received', received);
      } else {
        to.deliver(received, lifetimeMs).catch((err: unknown) => {
          if (invite.state === 'pending') this.#cancel(invite, ServerError.from(err), withdrawn(invite));
        });
      }
    });
  }

  /** `by`: the session answering here, or the identifier another node answers for (ClusterInvites). */
  accept(by: { readonly identifier: string }, inviteId: string): { from: string; roomId: number } {
    const invite = this.#answerable(by, inviteId);
    this.#finish(invite, 'accepted');
    invite.resolve(true);
    return { from: invite.from.identifier, roomId: invite.roomId };
  }

  refuse(by: { readonly identifier: string }, inviteId: string): void {
    const invite = this.#answerable(by, inviteId);
    this.#finish(invite, 'refused');
    invite.resolve(false);
  }

  /** The inviter's connection or session is gone: withdraw its invites, telling the invitees. */
  inviterGone(session: Session): void {
    for (const invite of pendingOf(this.#byInviter, session.identifier)) {
      if (invite.from !== session) continue;
      const error = inviterGone(session.identifier, invite.id);
      this.#cancel(invite, error, error);
      tellCancelled(invite, error);
    }
  }

  /**
   * The invitee's session ended: its pending invites cannot be answered any more. `gone`: its session
   * here, or which invitees of other nodes went away (their node said so, or was lost).
   */
  inviteeGone(gone: Session | ((inviteId: string, to: RemoteInvitee) => boolean)): void {
    const candidates = gone instanceof Session ? pendingOf(this.#byInvitee, gone.identifier) : this.#allPending();
    const match = gone instanceof Session ? (i: Invite) => i.to === gone : (i: Invite) => !(i.to instanceof Session) && gone(i.id, i.to);
    for (const invite of [...candidates].filter(match)) {
      this.#cancel(
        invite,
        new ServerError('INVITEE_OFFLINE', `"${invite.to.identifier}" went offline before answering invite ${invite.id}`),
        withdrawn(invite),
      );
    }
  }

  /** Drops every invite without answering (server shutdown: the connections are closing). */
  close(): void {
    for (const invite of this.#invites.values()) clearTimeout(invite.timer);
    this.#invites.clear();
    this.#byInviter.clear();
    this.#byInvitee.clear();
  }

  #answerable(by: { readonly identifier: string }, inviteId: string): Invite {
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

  #expire(invite: Invite): void {
    const error = new ServerError('INVITE_EXPIRED', `"${invite.to.identifier}" did not answer invite ${invite.id} within ${invite.lifetimeMs} ms`);
    this.#finish(invite, 'expired');
    invite.reject(error);
    tellCancelled(invite, error);
  }

  #cancel(invite: Invite, toInviter: ServerError, lateAnswer: ServerError): void {
    invite.lateAnswer = lateAnswer;
    this.#finish(invite, 'cancelled');
    invite.reject(toInviter);
  }

  #finish(invite: Invite, state: InviteState): void {
    invite.state = state;
    unindex(this.#byInviter, invite.from.identifier, invite);
    unindex(this.#byInvitee, invite.to.identifier, invite);
    clearTimeout(invite.timer);
    invite.timer = setTimeout(() => this.#invites.delete(invite.id), invite.lifetimeMs);
  }

  *#allPending(): Iterable<Invite> {
    for (const pending of this.#byInviter.values()) yield* pending;
  }
}

const NONE: ReadonlySet<Invite> = new Set();

function pendingOf(byIdentifier: Map<string, Set<Invite>>, identifier: string): ReadonlySet<Invite> {
  return byIdentifier.get(identifier) ?? NONE;
}

function index(byIdentifier: Map<string, Set<Invite>>, identifier: string, invite: Invite): void {
  const pending = byIdentifier.get(identifier);
  if (pending) pending.add(invite);
  else byIdentifier.set(identifier, new Set([invite]));
}

function unindex(byIdentifier: Map<string, Set<Invite>>, identifier: string, invite: Invite): void {
  const pending = byIdentifier.get(identifier);
  if (!pending?.delete(invite) || pending.size > 0) return;
  byIdentifier.delete(identifier);
}

/** INVITEE_OFFLINE for an invitee with no session (here, or on the node Redis names: ClusterInvites). */
export function inviteeOffline(identifier: string): ServerError {
  return new ServerError('INVITEE_OFFLINE', `"${identifier}" is not logged in`);
}

/** INVITER_GONE: the inviter's session went away (here, or its node was lost: ClusterInvites). */
export function inviterGone(identifier: string, inviteId: string): ServerError {
  return new ServerError('INVITER_GONE', `"${identifier}" went away; invite ${inviteId} was withdrawn`);
}

function withdrawn(invite: Invite): ServerError {
  return new ServerError('INVITE_NOT_FOUND', `invite ${invite.id} was withdrawn when the session it was sent to ended`);
}

function tellCancelled(invite: Invite, error: ServerError): void {
  if (invite.to instanceof Session) invite.to.send('invite.cancelled', { inviteId: invite.id, error: error.toWire() });
  else invite.to.cancelled(invite.id, error);
}
