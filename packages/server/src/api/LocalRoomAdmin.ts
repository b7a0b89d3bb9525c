import type { ServerConfig } from '../config.js';
import type { Member } from '../rooms/Member.js';
import type { Room } from '../rooms/Room.js';
import type { RoomDirectory } from '../rooms/RoomDirectory.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import * as actions from './room-actions.js';
import type { AdminMessage, MemberPage, NodeSummary, RoomAdmin, RoomDetail, RoomSummary } from './RoomAdmin.js';

export interface LocalRoomAdminOptions {
  config: Pick<ServerConfig, 'nodeId' | 'adminIdentifier' | 'messageAckTimeoutMs' | 'maxRooms' | 'maxMembers'>;
  rooms: RoomDirectory;
  sessions: SessionRegistry;
}

/** The server API of a single node: its rooms are all the rooms. */
export class LocalRoomAdmin implements RoomAdmin {
  readonly #options: LocalRoomAdminOptions;

  constructor(options: LocalRoomAdminOptions) {
    this.#options = { ...options };
  }

  async rooms(): Promise<RoomSummary[]> {
    return [...this.#options.rooms.rooms()].map(actions.summaryOf);
  }

  async room(roomId: number, page: MemberPage): Promise<RoomDetail> {
    return actions.detailOf(this.#room(roomId), page, this.#options.config.nodeId);
  }

  async dismiss(roomId: number): Promise<{ members: number }> {
    const room = this.#room(roomId);
    const members = actions.tellDismissed(room);
    room.close('dismissed');
    return { members };
  }

  async kick(roomId: number, identifier: string): Promise<void> {
    actions.kick(this.#member(roomId, identifier));
  }

  async setAuthBits(roomId: number, identifier: string, authBits: number): Promise<{ authBits: number }> {
    return actions.setAuthBits(this.#member(roomId, identifier), authBits);
  }

  async message(roomId: number, message: AdminMessage): Promise<void> {
    const { config, sessions } = this.#options;
    await actions.deliverMessage(this.#room(roomId), message, config.adminIdentifier, sessions, config.messageAckTimeoutMs);
  }

  async nodes(): Promise<NodeSummary[]> {
    const { config, rooms } = this.#options;
    return [nodeSummary(config.nodeId, config, { rooms: rooms.roomCount, members: rooms.memberCount })];
  }

  #room(roomId: number): Room {
    const room = this.#options.rooms.get(roomId);
    if (!room) throw actions.roomNotFound(roomId);
    return room;
  }

  #member(roomId: number, identifier: string): Member {
    const member = this.#room(roomId).member(identifier);
    if (!member || member.closed) throw actions.memberNotFound(roomId, identifier);
    return member;
  }
}

/** A node's line of `GET /nodes`. */
export function nodeSummary(
  nodeId: string,
  limits: Pick<ServerConfig, 'maxRooms' | 'maxMembers'>,
  { rooms, members }: { rooms: number; members: number },
): NodeSummary {
  const load = Math.max(limits.maxRooms ? rooms / limits.maxRooms : 1, limits.maxMembers ? members / limits.maxMembers : 1);
  return { nodeId, rooms, members, load: Math.round(Math.min(1, load) * 1000) / 1000 };
}
