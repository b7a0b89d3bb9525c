import type { RoomTypeName } from '../config.js';

/** A room as `GET /api/v1/rooms` lists it. */
export interface RoomSummary {
  roomId: number;
  roomType: RoomTypeName;
  memberCount: number;
  /** ms since the epoch. */
  createdAt: number;
}

/** A member as `GET /api/v1/rooms/:roomId` shows it. */
export interface MemberSummary {
  identifier: string;
  tinyId: string;
  role: string;
  authBits: number;
  hasAudio: boolean;
  hasCameraVideo: boolean;
  hasScreenVideo: boolean;
  /** The node the member is connected to. */
  node: string;
}

export interface RoomDetail extends RoomSummary {
  /** One page of members, senders first. */
  members: MemberSummary[];
}

/** A node as `GET /api/v1/nodes` lists it. */
export interface NodeSummary {
  nodeId: string;
  rooms: number;
  members: number;
  /** How full the node is, 0–1: the larger of rooms/maxRooms and members/maxMembers. */
  load: number;
}

export interface MemberPage {
  offset: number;
  limit: number;
}

/** A message the server API sends into a room: from the admin identifier, to one member or all. */
export interface AdminMessage {
  data: string;
  binary: boolean;
  to?: string | undefined;
}

/**
 * What the server API (api/ApiRouter.ts) does to rooms, for the whole deployment: this node's rooms
 * (LocalRoomAdmin), or every node's (ClusterRoomAdmin). Failures are ServerErrors (10009, 10010 …).
 */
export interface RoomAdmin {
  rooms(): Promise<RoomSummary[]>;
  room(roomId: number, page: MemberPage): Promise<RoomDetail>;
  /** Every member's room ends with 10009 ROOM_DISMISSED; resolves with how many there were. */
  dismiss(roomId: number): Promise<{ members: number }>;
  /** The member's room ends with 10006 KICKED; the others see EXIT. */
  kick(roomId: number, identifier: string): Promise<void>;
  /** The member's auth bits become `authBits` (publications that lose their SEND bit end with 10003). */
  setAuthBits(roomId: number, identifier: string, authBits: number): Promise<{ authBits: number }>;
  message(roomId: number, message: AdminMessage): Promise<void>;
  nodes(): Promise<NodeSummary[]>;
}
