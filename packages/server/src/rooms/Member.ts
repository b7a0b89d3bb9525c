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
  /** The member left: by exit, by its session ending, or because the room closed. */
  close: [];
  /** The member's auth bits changed (room.changeAuthority). */
  authority: [authBits: number, previous: number];
}

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
    this.owner.send('room.privilege', { authBits });
    if (previous !== authBits) this.safeEmit('authority', authBits, previous);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sets a member info flag (the media plane's business); the room announces a change (HAS_/NO_, and ENTER/EXIT in a large room). */
  setSending(source: SendingSource, on: boolean): void {
    if (this.#sending[source] === on) return;
    this.#sending[source] = on;
    this.room.sendingChanged(this);
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

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.safeEmit('close');
  }
}
