import { randomBytes } from 'node:crypto';
import { encodeEvent, type ServerEventData, type ServerEventName } from '@hudong/protocol';
import { ServerError } from '../errors.js';
import type { Member, MemberExitReason, MemberOwner } from '../rooms/Member.js';
import { CloseCode } from '../signal/CloseCode.js';
import { SafeEmitter } from '../util/SafeEmitter.js';
import { PendingAcks } from './PendingAcks.js';
import { contained } from '../util/guard.js';

/** What a session needs of a client connection. */
export interface SessionTransport {
  readonly closed: boolean;
  /**
   * An event frame: a string, or its UTF-8 bytes (shared by every recipient of a broadcast). It may
   * be written a little later (end of the event-loop round), but in order, and before a `close`.
   */
  send(text: string | Buffer): void;
  close(code: number, reason: string): void;
}

export type SessionEndReason = 'logout' | 'replaced' | 'expired' | 'shutdown';

export interface SessionEvents {
  /** The connection dropped; the grace period runs. */
  detached: [];
  /** The session is over: its membership has ended and its token no longer resumes. */
  end: [reason: SessionEndReason];
}

export interface SessionIdentity {
  identifier: string;
  tinyId: string;
  terminal: string;
}

/** How a session's end reads as its member's exit (webhooks). */
const EXIT_REASONS: Record<SessionEndReason, MemberExitReason> = { logout: 'left', replaced: 'replaced', expired: 'timeout', shutdown: 'left' };

type RoomMessage = Omit<ServerEventData<'room.message'>, 'ackId'>;

/**
 * One logged-in identifier. Outlives its connection by `graceMs` so that a client that reconnects
 * with the session token keeps its room membership without the others seeing EXIT/ENTER.
 */
export class Session extends SafeEmitter<SessionEvents> implements MemberOwner {
  readonly identifier: string;
  readonly tinyId: string;
  readonly terminal: string;
  /** The resume token handed to the client; unguessable because it is the session's only credential. */
  readonly token = randomBytes(24).toString('base64url');
  readonly #graceMs: number;
  readonly #acks = new PendingAcks();
  #transport: SessionTransport | null;
  #member: Member | null = null;
  #graceTimer: NodeJS.Timeout | undefined;
  #ended = false;
  /** A `room.removed` that found the connection down: the resume tells it (login result `removed`). */
  #missedRemoval: ServerEventData<'room.removed'> | undefined;

  constructor(identity: SessionIdentity, transport: SessionTransport, graceMs: number) {
    super();
    this.identifier = identity.identifier;
    this.tinyId = identity.tinyId;
    this.terminal = identity.terminal;
    this.#transport = transport;
    this.#graceMs = graceMs;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** True while a connection is attached (false during the grace period). */
  get connected(): boolean {
    return this.#transport !== null && !this.#transport.closed;
  }

  /** The room membership, if any. */
  get member(): Member | null {
    return this.#member;
  }

  /** Records a membership; it is forgotten when the member closes (exit, room closed). */
  join(member: Member): void {
    this.#member = member;
    member.on('close', () => {
      if (this.#member === member) this.#member = null;
    });
  }

  /**
   * Pushes an event; dropped while disconnected (a resumed client gets a room snapshot instead). The
   * room's pending endpoint changes go first: they were caused earlier (a publisher's EXIT before the
   * end of the views it had).
   */
  send<E extends ServerEventName>(event: E, data: ServerEventData<E>): void {
    this.#member?.room.flush();
    if (this.connected) this.#transport!.send(encodeEvent(event, data));
    else if (event === 'room.removed') this.#missedRemoval = data as ServerEventData<'room.removed'>;
  }

  /** The removal from a room this session missed while its connection was down, once; undefined if none or it is in a room again. */
  takeMissedRemoval(): ServerEventData<'room.removed'> | undefined {
    const removal = this.#member ? undefined : this.#missedRemoval;
    this.#missedRemoval = undefined;
    return removal;
  }

  /** Pushes an event encoded by the caller (a room broadcast); dropped while disconnected, like `send`. */
  sendEncoded(frame: Buffer): void {
    if (this.connected) this.#transport!.send(frame);
  }

  /** Sends a one-to-one room message with an `ackId`; settles when the client acks it. */
  sendAcked(message: RoomMessage, timeoutMs: number): Promise<void> {
    const { ackId, acked } = this.#acks.expect(
      timeoutMs,
      () => new ServerError('DELIVERY_TIMEOUT', `${this.identifier} did not acknowledge the message within ${timeoutMs} ms`),
    );
    this.send('room.message', { ...message, ackId });
    return acked;
  }

  acknowledge(ackId: number): void {
    this.#acks.acknowledge(ackId);
  }

  /** Resume: `transport` takes over; a connection still attached is closed, it no longer speaks for us. */
  attach(transport: SessionTransport): void {
    clearTimeout(this.#graceTimer);
    const previous = this.#transport;
    this.#transport = transport;
    if (previous && previous !== transport) previous.close(CloseCode.SESSION_REPLACED, 'session resumed on another connection');
  }

  /** The connection dropped: keep the session for the grace period, then end it. */
  transportLost(transport: SessionTransport): void {
    if (this.#ended || transport !== this.#transport) return;
    this.#transport = null;
    this.#graceTimer = setTimeout(
      contained(`the end of ${this.identifier}'s session after its grace`, () => this.end('expired')),
      this.#graceMs,
    );
    this.safeEmit('detached');
  }

  /** Another login took the identifier: tell the client why, close it, then end (EXIT for the room). */
  replace(): void {
    if (this.#ended) return;
    const error = new ServerError('SESSION_REPLACED', `"${this.identifier}" logged in on another connection`);
    this.send('session.replaced', { error: error.toWire() });
    const transport = this.#transport;
    // Detach first so that the close notification does not start a grace period.
    this.#transport = null;
    transport?.close(CloseCode.SESSION_REPLACED, 'session replaced');
    this.end('replaced');
  }

  /** Ends the session once: leaves the room, fails pending acks, forgets the connection. */
  end(reason: SessionEndReason): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#graceTimer);
    this.#transport = null;
    this.#acks.rejectAll(new ServerError('MEMBER_NOT_FOUND', `"${this.identifier}" went away before acknowledging the message`));
    this.#member?.close(EXIT_REASONS[reason]);
    this.safeEmit('end', reason);
  }
}
