import type { Member, SendingSource } from '../rooms/Member.js';
import type { Room } from '../rooms/Room.js';
import type { RoomDirectory } from '../rooms/RoomDirectory.js';
import type { WebhookEventInit } from './WebhookEvent.js';

/** Sources in the order their stops are told when a member leaves. */
const SOURCES: readonly SendingSource[] = ['camera', 'screen', 'audio'];

/**
 * Turns what happens in a single node's rooms into webhook events, in the order the room saw it: a
 * member's `publish.stopped` and `member.exited` before its room's `room.destroyed`, and nothing
 * about a member after its exit. (A cluster's room scripts append the same events to its stream.)
 */
export class RoomEventFeed {
  readonly #emit: (event: WebhookEventInit) => void;
  /** Members told as entered and not yet as exited, with what they publish, per room. */
  readonly #entered = new Map<Room, Map<Member, Set<SendingSource>>>();

  constructor(directory: RoomDirectory, emit: (event: WebhookEventInit) => void) {
    this.#emit = emit;
    directory.on('opened', (room) => {
      emit({ event: 'room.created', roomId: room.roomId });
      room.on('close', () => this.#roomClosed(room));
    });
    directory.on('entered', (member) => this.#memberEntered(member));
  }

  #memberEntered(member: Member): void {
    const { room } = member;
    let members = this.#entered.get(room);
    if (!members) this.#entered.set(room, (members = new Map()));
    const sending = new Set<SendingSource>();
    members.set(member, sending);
    this.#emit({ event: 'member.entered', roomId: room.roomId, identifier: member.identifier });
    member.on('sending', (source, on) => {
      if (members.get(member) !== sending || sending.has(source) === on) return;
      if (on) sending.add(source);
      else sending.delete(source);
      this.#emit({ event: on ? 'publish.started' : 'publish.stopped', roomId: room.roomId, identifier: member.identifier, srcType: source });
    });
    member.on('close', () => this.#memberExited(member));
  }

  #memberExited(member: Member): void {
    const members = this.#entered.get(member.room);
    const sending = members?.get(member);
    if (!members || !sending) return;
    members.delete(member);
    const { roomId } = member.room;
    for (const source of SOURCES) {
      if (sending.has(source)) this.#emit({ event: 'publish.stopped', roomId, identifier: member.identifier, srcType: source });
    }
    this.#emit({ event: 'member.exited', roomId, identifier: member.identifier, reason: member.exitReason ?? 'left' });
  }

  #roomClosed(room: Room): void {
    // The room's close can run before its members' own close listeners: tell their exits first.
    for (const member of [...(this.#entered.get(room)?.keys() ?? [])]) this.#memberExited(member);
    this.#entered.delete(room);
    this.#emit({ event: 'room.destroyed', roomId: room.roomId });
  }
}
