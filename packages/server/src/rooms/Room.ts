import { EndpointEvent, encodeEvent, type RoomSnapshot, type ServerEventData, type ServerEventName } from '@hudong/protocol';
import type { RoomTypeName } from '../config.js';
import { SafeEmitter } from '../util/SafeEmitter.js';
import { Member, type MemberGrant, type MemberOwner } from './Member.js';

export interface RoomEvents {
  /** The room closed (its last member left, or the node shut down). */
  close: [];
}

/** One app room (AVSDK relation_id) on this node. Owns its members; closes itself when empty. */
export class Room extends SafeEmitter<RoomEvents> {
  readonly roomId: number;
  readonly roomType: RoomTypeName;
  readonly #members = new Map<string, Member>();
  #closed = false;

  constructor(roomId: number, roomType: RoomTypeName) {
    super();
    this.roomId = roomId;
    this.roomType = roomType;
  }

  get size(): number {
    return this.#members.size;
  }

  member(identifier: string): Member | undefined {
    return this.#members.get(identifier);
  }

  /** Admits `owner` (limits are the directory's business) and announces ENTER to the others. */
  add(owner: MemberOwner, grant: MemberGrant): Member {
    const member = new Member(owner, this, grant);
    this.#members.set(owner.identifier, member);
    member.on('close', () => this.#memberClosed(member));
    this.broadcast('room.endpoints', { event: EndpointEvent.ENTER, members: [member.info()] }, member);
    return member;
  }

  /** The room as `member` sees it: its own bits and role, and everyone else. */
  snapshotFor(member: Member): RoomSnapshot {
    return {
      roomId: this.roomId,
      roomType: this.roomType,
      authBits: member.authBits,
      role: member.role,
      members: [...this.#members.values()].filter((m) => m !== member).map((m) => m.info()),
    };
  }

  /** One event to every member but `except`: encoded once, the same bytes to each. */
  broadcast<E extends ServerEventName>(event: E, data: ServerEventData<E>, except?: Member): void {
    let frame: Buffer | undefined;
    for (const member of this.#members.values()) {
      if (member !== except) member.owner.sendEncoded((frame ??= Buffer.from(encodeEvent(event, data))));
    }
  }

  /** Closes every member (without EXIT events: everyone is leaving), then the room. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const member of [...this.#members.values()]) member.close();
    this.safeEmit('close');
  }

  #memberClosed(member: Member): void {
    if (this.#members.get(member.identifier) !== member) return;
    this.#members.delete(member.identifier);
    if (this.#closed) return;
    this.broadcast('room.endpoints', {
      event: EndpointEvent.EXIT,
      members: [{ identifier: member.identifier, tinyId: member.owner.tinyId }],
    });
    if (this.#members.size === 0) this.close();
  }
}
