import type { MemberInfo } from '@hudong/protocol';
import { ServerError } from '../errors.js';
import type { Member } from '../rooms/Member.js';
import type { Room } from '../rooms/Room.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import type { AdminMessage, MemberPage, MemberSummary, RoomDetail, RoomSummary } from './RoomAdmin.js';

// What the server API does to a room of this node; in a cluster, the node that holds the members does it.

export function summaryOf(room: Room): RoomSummary {
  return { roomId: room.roomId, roomType: room.roomType, memberCount: room.size, createdAt: room.createdAt };
}

/** A member as the API shows it, from what the rooms (and Redis) hold of it. */
export function memberSummaryOf(info: MemberInfo, node: string): MemberSummary {
  const { identifier, tinyId, role, authBits, hasAudio, hasCameraVideo, hasScreenVideo } = info;
  return { identifier, tinyId, role, authBits, hasAudio, hasCameraVideo, hasScreenVideo, node };
}

/** Members of a page, senders first, each group in the order they entered. */
export function pageOf<T extends { hasAudio: boolean; hasCameraVideo: boolean; hasScreenVideo: boolean }>(
  members: Iterable<T>,
  page: MemberPage,
): T[] {
  const senders: T[] = [];
  const others: T[] = [];
  for (const m of members) (m.hasAudio || m.hasCameraVideo || m.hasScreenVideo ? senders : others).push(m);
  return [...senders, ...others].slice(page.offset, page.offset + page.limit);
}

export function detailOf(room: Room, page: MemberPage, nodeId: string): RoomDetail {
  const members = [...room.members()].filter((m) => !m.closed).map((m) => memberSummaryOf(m.info(), m.nodeId ?? nodeId));
  return { ...summaryOf(room), members: pageOf(members, page) };
}

export function roomNotFound(roomId: number): ServerError {
  return new ServerError('ROOM_NOT_FOUND', `room ${roomId} does not exist`);
}

export function memberNotFound(roomId: number, identifier: string): ServerError {
  return new ServerError('MEMBER_NOT_FOUND', `"${identifier}" is not in room ${roomId}`);
}

/** The member's client hears why it is about to be out of the room (SDK: room 'disconnected'). */
function tellRemoved(member: Member, error: ServerError): void {
  member.owner.send('room.removed', { roomId: member.room.roomId, error: error.toWire() });
}

/** Tells this node's members of `room` it is dismissed; the caller closes the room (or its replica). */
export function tellDismissed(room: Room): number {
  const error = new ServerError('ROOM_DISMISSED', `room ${room.roomId} was dismissed by the server API`);
  let told = 0;
  for (const member of [...room.members()]) {
    if (member.closed || member.nodeId !== undefined) continue;
    tellRemoved(member, error);
    told++;
  }
  return told;
}

export function kick(member: Member): void {
  tellRemoved(member, new ServerError('KICKED', `removed from room ${member.room.roomId} by the server API`));
  member.close('kicked');
}

/** Admin bits are set as given (the member's privilege key still bounds its own later changes). */
export function setAuthBits(member: Member, authBits: number): { authBits: number } {
  member.setAuthority(authBits, member.privilegeKey);
  return { authBits };
}

/** A message to one member of this node (acked by its client) or to this node's members of the room. */
export async function deliverMessage(
  room: Room,
  message: AdminMessage,
  from: string,
  sessions: SessionRegistry,
  ackTimeoutMs: number,
): Promise<void> {
  const event = { from, data: message.data, binary: message.binary };
  // Members of other nodes (a replica) send nothing here: each node broadcasts to its own.
  if (message.to === undefined) return room.broadcast('room.message', event);
  const session = sessions.get(message.to);
  if (!session || session.member?.room !== room) throw memberNotFound(room.roomId, message.to);
  await session.sendAcked({ ...event, to: message.to }, ackTimeoutMs);
}
