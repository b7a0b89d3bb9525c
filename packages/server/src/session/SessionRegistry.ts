import { SafeEmitter } from '../util/SafeEmitter.js';
import { Session, type SessionEndReason, type SessionIdentity, type SessionTransport } from './Session.js';

export interface SessionRegistryEvents {
  /** A session lost its connection and entered its grace period. */
  detached: [session: Session];
  /** A session ended (and was forgotten). */
  ended: [session: Session, reason: SessionEndReason];
}

/** Sessions by identifier: at most one per identifier, replaced by a newer login, resumed by token. */
export class SessionRegistry extends SafeEmitter<SessionRegistryEvents> {
  readonly #graceMs: number;
  readonly #sessions = new Map<string, Session>();

  constructor(graceMs: number) {
    super();
    this.#graceMs = graceMs;
  }

  get size(): number {
    return this.#sessions.size;
  }

  get(identifier: string): Session | undefined {
    return this.#sessions.get(identifier);
  }

  /**
   * Logs `identity` in on `transport`. With the current session's token it resumes that session;
   * otherwise the current session (if any) is replaced — its client told and closed, its room
   * membership ended — before the new one exists.
   */
  login(identity: SessionIdentity, transport: SessionTransport, resumeToken?: string): { session: Session; resumed: boolean } {
    const current = this.#sessions.get(identity.identifier);
    if (current && resumeToken !== undefined && resumeToken === current.token) {
      current.attach(transport);
      return { session: current, resumed: true };
    }
    current?.replace();
    const session = new Session(identity, transport, this.#graceMs);
    this.#sessions.set(session.identifier, session);
    session.on('detached', () => this.safeEmit('detached', session));
    session.on('end', (reason) => {
      if (this.#sessions.get(session.identifier) === session) this.#sessions.delete(session.identifier);
      this.safeEmit('ended', session, reason);
    });
    return { session, resumed: false };
  }

  /** Ends every session (server shutdown). */
  close(): void {
    for (const session of [...this.#sessions.values()]) session.end('shutdown');
  }
}
