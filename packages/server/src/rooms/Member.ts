import type { MemberInfo, ServerEventData, ServerEventName } from '@hudong/protocol';
import { SafeEmitter } from '../util/SafeEmitter.js';
import type { Room } from './Room.js';

/** Who a member speaks for (a session); rooms only need to name it and reach its client. */
export interface MemberOwner {
  readonly identifier: string;
  readonly tinyId: string;
  readonly terminal: string;
  /** The node the member is connected to, when that is not this one (a room across nodes): its own node delivers to it. */
  readonly nodeId?: string;
  send<E extends ServerEventName>(event: E, data: ServerEventData<E>): void;
  /** An event already encoded to UTF-8 (sent as a text frame): a room broadcast is serialized once for all recipients. */
  sendEncoded(frame: Buffer): void;
}

/** What a member may do in its room, and the privilege key that bounds it (if any). */
export interface MemberGrant {
  authBits: number;
  role: string;
  privilegeKey: string | undefined;
}

export interface MemberEvents {
  /** The member left: by exit, by its session ending, or because the room closed; `exitReason` says which. */
  close: [];
  /** The member's auth bits changed (room.changeAuthority, the REST API). */
  authority: [authBits: number, previous: number];
  /** A member info flag changed (a publication went live or ended). */
  sending: [source: SendingSource, on: boolean];
}

/** Why a member left its room, as webhooks report it (API.md section 6). */
export type MemberExitReason = 'left' | 'kicked' | 'dismissed' | 'timeout' | 'replaced';

/** What a member publishes, as the member info flags tell the room. */
export type SendingSource = 'audio' | 'camera' | 'screen';

/** One identifier's presence in one room. Owned by its Room; closing it is leaving. */
export class Member extends SafeEmitter<MemberEvents> {
  readonly owner: MemberOwner;
  readonly room: Room;
  #role: string;
  #authBits: number;
  #privilegeKey: string | undefined;
  #closed = false;
  #exitReason: MemberExitReason | undefined;
  readonly #sending = { audio: false, camera: false, screen: false };

  /** `sending`: the flags of a member that already publishes (one on another node, replicated here). */
  constructor(owner: MemberOwner, room: Room, grant: MemberGrant, sending?: Readonly<Record<SendingSource, boolean>>) {
    super();
    this.owner = owner;
    this.room = room;
    this.#role = grant.role;
    this.#authBits = grant.authBits;
    this.#privilegeKey = grant.privilegeKey;
    if (sending) Object.assign(this.#sending, sending);
  }

  get identifier(): string {
    return this.owner.identifier;
  }

  /** The node the member is connected to when it is another one; undefined for a member of this node. */
  get nodeId(): string | undefined {
    return this.owner.nodeId;
  }

  /** The control role it entered with, or took since (room.changeRole). */
  get role(): string {
    return this.#role;
  }

  /** A role already checked against the configured ones. */
  setRole(role: string): void {
    this.#role = role;
  }

  get authBits(): number {
    return this.#authBits;
  }

  /** The key the member's bits were last checked against; later changes are bounded by it too. */
  get privilegeKey(): string | undefined {
    return this.#privilegeKey;
  }

  /** New bits (already checked); the member's client is told with `room.privilege`. */
  setAuthority(authBits: number, privilegeKey: string | undefined): void {
    const previous = this.#authBits;
    this.#authBits = authBits;
    this.#privilegeKey = privilegeKey;
    // What it may no longer send ends first (media.publicationEnded, 10003): a client that took the new
    // bits first would stop the publication itself and never hear why.
    if (previous !== authBits) this.safeEmit('authority', authBits, previous);
    this.owner.send('room.privilege', { authBits });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sets a member info flag (the media plane's business); the room announces a change (HAS_/NO_, and ENTER/EXIT in a large room). */
  setSending(source: SendingSource, on: boolean): void {
    if (this.#sending[source] === on) return;
    this.#sending[source] = on;
    this.room.sendingChanged(this);
    this.safeEmit('sending', source, on);
  }

  /** Publishes something (a flag is on). */
  get sending(): boolean {
    return this.#sending.audio || this.#sending.camera || this.#sending.screen;
  }

  info(): MemberInfo {
    return {
      identifier: this.owner.identifier,
      tinyId: this.owner.tinyId,
      role: this.role,
      terminal: this.owner.terminal,
      authBits: this.#authBits,
      // True from a publication's first RTP packet until it ends (docs/media.md).
      hasAudio: this.#sending.audio,
      hasCameraVideo: this.#sending.camera,
      hasScreenVideo: this.#sending.screen,
    };
  }

  /** Why it left; undefined while it is in. */
  get exitReason(): MemberExitReason | undefined {
    return this.#exitReason;
  }

  close(reason: MemberExitReason = 'left'): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#exitReason = reason;
    this.safeEmit('close');
  }
}
