import { AuthBits } from '@hudong/protocol';
import type { RoomTypeName } from '../config.js';
import { ServerError } from '../errors.js';
import { SafeEmitter } from '../util/SafeEmitter.js';
import type { Member, MemberGrant, MemberOwner } from './Member.js';
import { Room, type RoomPolicy, type RoomReplicator } from './Room.js';

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

/** The checks of steps 4–5 that refuse an entry, in their order: the cluster's enter script (Redis) returns which one failed. */
export type RoomRefusal =
  'ROOM_NOT_FOUND' | 'AUTH_CREATE_ROOM_MISSING' | 'ROOM_TYPE_MISMATCH' | 'AUTH_JOIN_ROOM_MISSING' | 'PAIR_ROOM_FULL' | 'ROOM_FULL';

/** The error of a refused entry, the same on one node and in a cluster. `roomType`: the room's own type (ROOM_TYPE_MISMATCH). */
export function refusal(
  reason: RoomRefusal,
  entry: Pick<RoomEntry, 'roomId' | 'roomType'>,
  context: { roomType?: string; maxMembersPerRoom: number },
): ServerError {
  const { roomId } = entry;
  switch (reason) {
    case 'ROOM_NOT_FOUND':
      return new ServerError(reason, `room ${roomId} does not exist and createRoom is false`);
    case 'AUTH_CREATE_ROOM_MISSING':
      return new ServerError(reason, `room ${roomId} does not exist and the auth bits lack CREATE_ROOM (0x01)`);
    case 'ROOM_TYPE_MISMATCH':
      return new ServerError(reason, `room ${roomId} is a ${context.roomType} room, not ${entry.roomType}`);
    case 'AUTH_JOIN_ROOM_MISSING':
      return new ServerError(reason, 'the auth bits lack JOIN_ROOM (0x02)');
    case 'PAIR_ROOM_FULL':
      return new ServerError(reason, `pair room ${roomId} already has 2 members`);
    case 'ROOM_FULL':
      return new ServerError(reason, `room ${roomId} is full (${context.maxMembersPerRoom} members)`);
  }
}

/** Where room.enter admits (step 4–6): this node's directory, or the cluster's rooms (cluster/ClusterRooms.ts), which ask Redis. */
export interface RoomEntrance {
  enter(owner: MemberOwner, entry: RoomEntry): Member | Promise<Member>;
}

export interface RoomDirectoryEvents {
  /** A room opened on this node: one of its own, or this node's replica of a room across nodes. */
  opened: [room: Room];
  /** A member of this node (not of another node's, in a replica) is in a room; its `close` ends that. */
  entered: [member: Member];
}

/** The rooms of this node (the root of Node → Room → Member), and the node-wide limits. */
export class RoomDirectory extends SafeEmitter<RoomDirectoryEvents> implements RoomEntrance {
  readonly #limits: RoomLimits;
  /** What every room of this node follows (the defaults of `Room` where not given). */
  readonly #policy: Partial<RoomPolicy>;
  readonly #rooms = new Map<number, Room>();
  #memberCount = 0;

  constructor(options: RoomLimits & Partial<RoomPolicy>) {
    super();
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

  /** The node-wide limits (NODE_ROOM_LIMIT for a room new to this node, NODE_MEMBER_LIMIT), checked before the cluster's own. */
  checkNodeLimits(newRoom: boolean): void {
    const { maxRooms, maxMembers } = this.#limits;
    if (newRoom && this.#rooms.size >= maxRooms) throw new ServerError('NODE_ROOM_LIMIT', `this node already hosts its maximum of ${maxRooms} rooms`);
    if (this.#memberCount >= maxMembers) throw new ServerError('NODE_MEMBER_LIMIT', `this node already hosts its maximum of ${maxMembers} members`);
  }

  /** This node's replica of a room that spans nodes (cluster): listed, counted and closed with the others. */
  openReplica(roomId: number, roomType: RoomTypeName, replicator: RoomReplicator): Room {
    return this.#create(roomId, roomType, replicator);
  }

  /** Counts `member` (of this node) among the node's members until it leaves. */
  counted(member: Member): Member {
    this.#memberCount++;
    member.on('close', () => this.#memberCount--);
    this.safeEmit('entered', member);
    return member;
  }

  /** Steps 4–6 of room.enter (docs/protocol.md), in that order; throws ServerError. */
  enter(owner: MemberOwner, entry: RoomEntry): Member {
    const { maxMembersPerRoom } = this.#limits;
    let room = this.#rooms.get(entry.roomId);
    const refuse = (reason: RoomRefusal) => refusal(reason, entry, { roomType: room?.roomType, maxMembersPerRoom });
    if (!room) {
      if (!entry.createRoom) throw refuse('ROOM_NOT_FOUND');
      if (!(entry.authBits & AuthBits.CREATE_ROOM)) throw refuse('AUTH_CREATE_ROOM_MISSING');
      this.checkNodeLimits(true);
      room = this.#create(entry.roomId, entry.roomType);
    } else {
      if (room.roomType !== entry.roomType) throw refuse('ROOM_TYPE_MISMATCH');
      if (!(entry.authBits & AuthBits.JOIN_ROOM)) throw refuse('AUTH_JOIN_ROOM_MISSING');
      if (room.roomType === 'pair' && room.size >= 2) throw refuse('PAIR_ROOM_FULL');
      if (room.size >= maxMembersPerRoom) throw refuse('ROOM_FULL');
      this.checkNodeLimits(false);
    }
    return this.counted(room.add(owner, { authBits: entry.authBits, role: entry.role, privilegeKey: entry.privilegeKey }));
  }

  /** The rooms of this node, in the order they opened. */
  rooms(): IterableIterator<Room> {
    return this.#rooms.values();
  }

  /** Closes every room, and with them every member. */
  close(): void {
    for (const room of [...this.#rooms.values()]) room.close();
  }

  #create(roomId: number, roomType: RoomTypeName, replicator?: RoomReplicator): Room {
    const room = new Room(roomId, roomType, this.#policy, replicator);
    this.#rooms.set(roomId, room);
    room.on('close', () => {
      if (this.#rooms.get(roomId) === room) this.#rooms.delete(roomId);
    });
    this.safeEmit('opened', room);
    return room;
  }
}
