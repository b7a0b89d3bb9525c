import { AuthBits } from '@hudong/protocol';
import type { RoomTypeName } from '../config.js';
import { ServerError } from '../errors.js';
import type { Member, MemberGrant, MemberOwner } from './Member.js';
import { Room, type RoomPolicy } from './Room.js';

export interface RoomLimits {
  maxRooms: number;
  /** Members over all rooms of this node. */
  maxMembers: number;
  maxMembersPerRoom: number;
}

/** A room.enter whose auth bits are already the effective ones (steps 1–3 done by `admit`). */
export interface RoomEntry extends MemberGrant {
  roomId: number;
  roomType: RoomTypeName;
  createRoom: boolean;
}

/** The rooms of this node (the root of Node → Room → Member), and the node-wide limits. */
export class RoomDirectory {
  readonly #limits: RoomLimits;
  /** What every room of this node follows (the defaults of `Room` where not given). */
  readonly #policy: Partial<RoomPolicy>;
  readonly #rooms = new Map<number, Room>();
  #memberCount = 0;

  constructor(options: RoomLimits & Partial<RoomPolicy>) {
    const { maxRooms, maxMembers, maxMembersPerRoom, largeRoomThreshold, roomMessageRate, scheduler } = options;
    this.#limits = { maxRooms, maxMembers, maxMembersPerRoom };
    this.#policy = { largeRoomThreshold, roomMessageRate, scheduler };
  }

  get roomCount(): number {
    return this.#rooms.size;
  }

  get memberCount(): number {
    return this.#memberCount;
  }

  get(roomId: number): Room | undefined {
    return this.#rooms.get(roomId);
  }

  /** Steps 4–6 of room.enter (docs/protocol.md), in that order; throws ServerError. */
  enter(owner: MemberOwner, entry: RoomEntry): Member {
    const { maxRooms, maxMembers, maxMembersPerRoom } = this.#limits;
    let room = this.#rooms.get(entry.roomId);
    if (!room) {
      if (!entry.createRoom) throw new ServerError('ROOM_NOT_FOUND', `room ${entry.roomId} does not exist and createRoom is false`);
      if (!(entry.authBits & AuthBits.CREATE_ROOM)) {
        throw new ServerError('AUTH_CREATE_ROOM_MISSING', `room ${entry.roomId} does not exist and the auth bits lack CREATE_ROOM (0x01)`);
      }
      if (this.#rooms.size >= maxRooms) throw new ServerError('NODE_ROOM_LIMIT', `this node already hosts its maximum of ${maxRooms} rooms`);
      if (this.#memberCount >= maxMembers) throw new ServerError('NODE_MEMBER_LIMIT', `this node already hosts its maximum of ${maxMembers} members`);
      room = this.#create(entry.roomId, entry.roomType);
    } else {
      if (room.roomType !== entry.roomType) {
        throw new ServerError('ROOM_TYPE_MISMATCH', `room ${entry.roomId} is a ${room.roomType} room, not ${entry.roomType}`);
      }
      if (!(entry.authBits & AuthBits.JOIN_ROOM)) throw new ServerError('AUTH_JOIN_ROOM_MISSING', 'the auth bits lack JOIN_ROOM (0x02)');
      if (room.roomType === 'pair' && room.size >= 2) throw new ServerError('PAIR_ROOM_FULL', `pair room ${entry.roomId} already has 2 members`);
      if (room.size >= maxMembersPerRoom) throw new ServerError('ROOM_FULL', `room ${entry.roomId} is full (${maxMembersPerRoom} members)`);
      if (this.#memberCount >= maxMembers) throw new ServerError('NODE_MEMBER_LIMIT', `this node already hosts its maximum of ${maxMembers} members`);
    }
    const member = room.add(owner, { authBits: entry.authBits, role: entry.role, privilegeKey: entry.privilegeKey });
    this.#memberCount++;
    member.on('close', () => this.#memberCount--);
    return member;
  }

  /** Closes every room, and with them every member. */
  close(): void {
    for (const room of [...this.#rooms.values()]) room.close();
  }

  #create(roomId: number, roomType: RoomTypeName): Room {
    const room = new Room(roomId, roomType, this.#policy);
    this.#rooms.set(roomId, room);
    room.on('close', () => {
      if (this.#rooms.get(roomId) === room) this.#rooms.delete(roomId);
    });
    return room;
  }
}
