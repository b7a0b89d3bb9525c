import { z } from 'zod';
import { inviteeOffline, inviterGone, pendingError, type InviteManager, type RemoteInvitee } from '../invites/InviteManager.js';
import type { Logger } from '../logger.js';
import type { Session } from '../session/Session.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import type { ClusterSessions } from './ClusterSessions.js';
import type { ClusterMessage, ClusterMessageOf } from './messages.js';
import type { NodeBus } from './NodeBus.js';
import type { NodeRegistry } from './NodeRegistry.js';
import { contained } from '../util/guard.js';

/** An invite owned by another node (the inviter's), delivered to a session of this node: what routes its answer and its end. */
interface Received {
  readonly owner: string;
  readonly from: string;
  readonly session: Session;
  /** The invite's lifetime: a finished record is kept as long again (as the owner keeps its own). */
  readonly lifetimeMs: number;
  pending: boolean;
  /** The end of its pending state (should the owner's invite.end be lost), then its removal. */
  timer: NodeJS.Timeout;
}

/** What the owner's InviteManager.accept returns, checked: it crossed Redis. */
const acceptedSchema = z.object({ from: z.string(), roomId: z.number().int() });

export interface ClusterInvitesOptions {
  bus: NodeBus;
  registry: NodeRegistry;
  /** This node's sessions: invitees of other nodes' invites are among them. */
  sessions: SessionRegistry;
  /** Which node holds an identifier's session. */
  clusterSessions: ClusterSessions;
  /** This node's invites (those of its inviters): the one place of the invite rules. */
  invites: InviteManager;
  nodeId: string;
  logger: Logger;
  /** How long a request to another node waits (storeTimeoutMs). */
  timeoutMs: number;
}

/**
 * Invites whose inviter and invitee are on different nodes. The inviter's node owns the invite (its
 * InviteManager: timer, pending state, the answer to invite.send); the invitee's node keeps a small
 * record of it (Received) and forwards the invitee's accept/refuse to the owner, whose answer is the
 * invitee's answer: the codes and texts are those of a single node.
 */
export class ClusterInvites {
  readonly #options: ClusterInvitesOptions;
  readonly #received = new Map<string, Received>();
  /** The pending ones by the session they were delivered to (invite id → record): what a check or a departure looks at. */
  readonly #pendingFor = new Map<Session, Map<string, Received>>();
  readonly #onEnd = (message: ClusterMessageOf<'invite.end'>, from: string) => this.#end(message, from);
  readonly #onInviteeGone = ({ inviteId }: ClusterMessageOf<'invite.inviteeGone'>, from: string) =>
    this.#options.invites.inviteeGone((id, to) => id === inviteId && to.nodeId === from);
  readonly #onEnded = (session: Session) => this.#sessionEnded(session);
  readonly #onNodeLost = (nodeId: string) => this.#nodeLost(nodeId);

  constructor(options: ClusterInvitesOptions) {
    this.#options = { ...options };
  }

  start(): void {
    const { bus, sessions, registry, invites } = this.#options;
    bus.answer('invite.deliver', async (message, from) => this.#deliver(message, from));
    bus.answer('invite.answer', async ({ inviteId, by, accepted }) => {
      if (accepted) return invites.accept({ identifier: by }, inviteId);
      invites.refuse({ identifier: by }, inviteId);
      return {};
    });
    bus.on('invite.end', this.#onEnd);
    bus.on('invite.inviteeGone', this.#onInviteeGone);
    sessions.on('ended', this.#onEnded);
    registry.on('nodeLost', this.#onNodeLost);
  }

  /**
   * `to`, which has no session on this node, as an invitee on the node Redis names; undefined when it
   * has none (INVITEE_OFFLINE). Throws INVITE_PENDING when `to` invited `from` from there and that
   * invite is pending; ServerError 10001 / 10004 when Redis fails.
   */
  async invitee(from: Session, to: string): Promise<RemoteInvitee | undefined> {
    const { clusterSessions, bus, timeoutMs, nodeId: self } = this.#options;
    const nodeId = await clusterSessions.holderOf(to);
    if (nodeId === null || nodeId === self) return undefined;
    for (const [inviteId, received] of this.#pendingFor.get(from) ?? []) {
      if (received.from === to) throw pendingError(inviteId, to, from.identifier);
    }
    return {
      identifier: to,
      nodeId,
      deliver: async (received, inviteTimeoutMs) => {
        await bus.request(nodeId, { type: 'invite.deliver', ...received, to, timeoutMs: inviteTimeoutMs }, timeoutMs, () => inviteeOffline(to));
      },
      cancelled: (inviteId, error) => this.#send(nodeId, { type: 'invite.end', inviteId, error: error.toWire() }),
    };
  }

  /** Whether `inviteId` is another node's invite delivered here: its answer goes to that node. */
  receivedHere(inviteId: string): boolean {
    return this.#received.has(inviteId);
  }

  async accept(by: Session, inviteId: string): Promise<{ from: string; roomId: number }> {
    return acceptedSchema.parse(await this.#answer(by, inviteId, true));
  }

  async refuse(by: Session, inviteId: string): Promise<void> {
    await this.#answer(by, inviteId, false);
  }

  close(): void {
    const { bus, sessions, registry } = this.#options;
    bus.off('invite.end', this.#onEnd);
    bus.off('invite.inviteeGone', this.#onInviteeGone);
    sessions.off('ended', this.#onEnded);
    registry.off('nodeLost', this.#onNodeLost);
    for (const received of this.#received.values()) clearTimeout(received.timer);
    this.#received.clear();
    this.#pendingFor.clear();
  }

  /** The owner's InviteManager checks and settles the answer; a lost owner means the inviter is gone. */
  async #answer(by: Session, inviteId: string, accepted: boolean): Promise<unknown> {
    const received = this.#received.get(inviteId)!;
    const result = await this.#options.bus.request(
      received.owner,
      { type: 'invite.answer', inviteId, by: by.identifier, accepted },
      this.#options.timeoutMs,
      () => inviterGone(received.from, inviteId),
    );
    if (received.session === by) this.#finish(inviteId, received);
    return result;
  }

  #deliver({ inviteId, from, to, roomId, expiresAt, timeoutMs }: ClusterMessageOf<'invite.deliver'>, owner: string): void {
    const session = this.#options.sessions.get(to);
    if (!session?.connected) throw inviteeOffline(to);
    // The owner's expiry ends it (invite.end); this only stops a lost invite.end from keeping it pending,
    // hence the margin: the owner's timer started earlier but may fire, and its message arrive, later.
    const backstopMs = timeoutMs + this.#options.timeoutMs;
    const received: Received = {
      owner,
      from,
      session,
      lifetimeMs: timeoutMs,
      pending: true,
      timer: setTimeout(
        contained(`invite ${inviteId}'s backstop`, () => this.#finish(inviteId, received)),
        backstopMs,
      ),
    };
    this.#received.set(inviteId, received);
    const pending = this.#pendingFor.get(session);
    if (pending) pending.set(inviteId, received);
    else this.#pendingFor.set(session, new Map([[inviteId, received]]));
    session.send('invite.received', { inviteId, from, roomId, expiresAt });
  }

  #end({ inviteId, error }: ClusterMessageOf<'invite.end'>, from: string): void {
    const received = this.#received.get(inviteId);
    if (!received?.pending || received.owner !== from) return;
    this.#finish(inviteId, received);
    received.session.send('invite.cancelled', { inviteId, error });
  }

  /** An invitee's session ended before answering: the owners withdraw those invites (their inviters get INVITEE_OFFLINE). */
  #sessionEnded(session: Session): void {
    for (const [inviteId, received] of this.#pendingFor.get(session) ?? []) {
      this.#finish(inviteId, received);
      this.#send(received.owner, { type: 'invite.inviteeGone', inviteId });
    }
  }

  /** A lost node's invitees are gone for this node's inviters, and its inviters for this node's invitees. */
  #nodeLost(nodeId: string): void {
    this.#options.invites.inviteeGone((_, to) => to.nodeId === nodeId);
    for (const [inviteId, received] of this.#received) {
      if (!received.pending || received.owner !== nodeId) continue;
      this.#finish(inviteId, received);
      received.session.send('invite.cancelled', { inviteId, error: inviterGone(received.from, inviteId).toWire() });
    }
  }

  /** Answered or ended: kept a while so that a late answer still reaches the owner (INVITE_ANSWERED, INVITE_EXPIRED…). */
  #finish(inviteId: string, received: Received): void {
    received.pending = false;
    const pending = this.#pendingFor.get(received.session);
    if (pending?.delete(inviteId) && pending.size === 0) this.#pendingFor.delete(received.session);
    clearTimeout(received.timer);
    received.timer = setTimeout(() => this.#received.delete(inviteId), received.lifetimeMs);
  }

  #send(nodeId: string, message: ClusterMessage): void {
    this.#options.bus
      .send(nodeId, message)
      .catch((err: Error) =>
        this.#options.logger.warn({ to: nodeId, type: message.type, error: err.message }, 'could not send an invite message to another node'),
      );
  }
}
