import {
  AuthBits,
  LatestPacer,
  MEMBER_COUNT_INTERVAL_MS,
  encodeEvent,
  type RoomSnapshot,
  type ServerEventData,
  type ServerEventName,
} from '@hudong/protocol';
import { SERVER_DEFAULTS, type RoomTypeName } from '../config.js';
import { ServerError } from '../errors.js';
import type { Flushable } from '../signal/FanOut.js';
import { FrameBudget } from '../signal/FrameBudget.js';
import { TokenBucket } from '../signal/TokenBucket.js';
import { SafeEmitter } from '../util/SafeEmitter.js';
import { Member, type MemberExitReason, type MemberGrant, type MemberOwner, type SendingSource } from './Member.js';
import { Roster, type EndpointGroup } from './Roster.js';
import { contained } from '../util/guard.js';

export interface RoomEvents {
  /** The room closed (its last member left, or the node shut down). */
  close: [];
}

/** When a room's endpoint changes go out: `waiting` asks for a `flush`, `done` withdraws the request (the room flushed early). */
export interface FlushScheduler {
  waiting(room: Flushable): void;
  done(room: Flushable): void;
}

/**
 * The frames a second one room's `room.memberCount` may cost. A frame to a member costs ~20 µs of
 * the node's CPU here (bench/large-room: a room message to 3,000 members took 63 ms), so a room's
 * counts stay within ~4 % of a core: a room of 10,000 members hears its count every 5 s, one of
 * 100,000 every 50 s.
 */
export const COUNT_FRAMES_PER_SECOND = 2_000;

/**
 * The frames a second the audience's room messages may cost all together, whatever
 * `roomMessageRate` allows: ~0.4 of a core here. In a room of 10,000 that is 2 messages a second.
 */
export const AUDIENCE_MESSAGE_FRAMES_PER_SECOND = 20_000;

/** Each change goes out as it happens (no window): what a room does without a scheduler of the node's. */
const AT_ONCE: FlushScheduler = { waiting: (room) => room.flush(), done: () => {} };

/** How rooms treat many members (API.md section 3, docs/server.md). */
export interface RoomPolicy {
  /** Above this many members, members that publish nothing are not announced. */
  largeRoomThreshold: number;
  /** Room-wide messages per second the audience of a large room may send, all together (10005 ROOM_MESSAGE_RATE past it). */
  roomMessageRate: number;
  /** Writes per second those messages may cost, all together. @default AUDIENCE_MESSAGE_FRAMES_PER_SECOND */
  audienceMessageFrames: number;
  /** The node's signalling fan-out (end of the event-loop round), so that a round's changes go out as one event per kind. @default at once */
  scheduler: FlushScheduler;
}

/**
 * What a room that spans nodes (cluster) does with its local members' changes: they go to Redis, the
 * one sequencer, and come back to every node's replica in the same order (cluster/RoomReplica.ts).
 */
export interface RoomReplicator {
  /** A member of this node left (closed): the room keeps it, silent, until `remove` in Redis' order. */
  left(member: Member): void;
  /** A member of this node changed its sending flags: `announceSending` follows in Redis' order. */
  sendingChanged(member: Member): void;
  /** A room-wide message past this node's caps: every node broadcasts it to its own members. */
  message(from: Member, data: ServerEventData<'room.message'>): void;
  /** This node's part of the room's audience caps (its members over the room's): the nodes' parts add up to the room's caps. */
  capShare(): number;
}

/** A member already in a replicated room when this node's replica of it is made. */
export interface SeededMember {
  owner: MemberOwner;
  grant: MemberGrant;
  sending: Readonly<Record<SendingSource, boolean>>;
  /** Announced for good: the room was small with it in. */
  sticky: boolean;
}

/** One app room (AVSDK relation_id) on this node. Owns its members; closes itself when empty. */
export class Room extends SafeEmitter<RoomEvents> implements Flushable {
  readonly roomId: number;
  readonly roomType: RoomTypeName;
  /** When this node opened it (ms since the epoch); a room across nodes keeps its first node's time in Redis. */
  readonly createdAt = Date.now();
  readonly #policy: RoomPolicy;
  readonly #members = new Map<string, Member>();
  readonly #roster: Roster<Member>;
  readonly #count = new LatestPacer<number>(
    // A count costs a write to every member: past COUNT_FRAMES_PER_SECOND members it goes out less often than once a second.
    () => Math.max(MEMBER_COUNT_INTERVAL_MS, (this.size / COUNT_FRAMES_PER_SECOND) * 1000),
    (count) => this.broadcast('room.memberCount', { count }),
    // The rest of the round first: a burst of joins read together is one count.
    { soon: (run) => setImmediate(contained("a room's member count push", run)) },
  );
  /** The audience's room-wide messages in a large room, and the writes they cost; made when first needed. */
  #messages: { count: TokenBucket; frames: FrameBudget } | undefined;
  /** Set when the room spans nodes; its local members' departures and sending changes then wait for Redis' order. */
  readonly #replicator: RoomReplicator | undefined;
  #closed = false;

  constructor(roomId: number, roomType: RoomTypeName, policy: Partial<RoomPolicy> = {}, replicator?: RoomReplicator) {
    super();
    this.roomId = roomId;
    this.roomType = roomType;
    this.#replicator = replicator;
    this.#policy = {
      largeRoomThreshold: policy.largeRoomThreshold ?? SERVER_DEFAULTS.largeRoomThreshold,
      roomMessageRate: policy.roomMessageRate ?? SERVER_DEFAULTS.roomMessageRate,
      audienceMessageFrames: policy.audienceMessageFrames ?? AUDIENCE_MESSAGE_FRAMES_PER_SECOND,
      scheduler: policy.scheduler ?? AT_ONCE,
    };
    this.#roster = new Roster(this.#policy.largeRoomThreshold);
    // Its first member learns the count from its snapshot.
    this.#count.known(1);
  }

  get size(): number {
    return this.#members.size;
  }

  /** More than `largeRoomThreshold` members: the audience is not announced. */
  get large(): boolean {
    return this.#roster.large;
  }

  member(identifier: string): Member | undefined {
    return this.#members.get(identifier);
  }

  /** Every member, in the order they entered. */
  members(): IterableIterator<Member> {
    return this.#members.values();
  }

  /** Admits `owner` (limits are the directory's business); the others hear ENTER if it is announced. */
  add(owner: MemberOwner, grant: MemberGrant): Member {
    const member = new Member(owner, this, grant);
    this.#members.set(owner.identifier, member);
    member.on('close', () => this.#memberClosed(member));
    this.#roster.entered(member);
    this.#changed();
    this.#count.set(this.size);
    return member;
  }

  /** The members a replica starts with (all of them, told already): nobody here is told of them again. */
  seed(members: readonly SeededMember[]): Member[] {
    const seeded = members.map(({ owner, grant, sending, sticky }) => {
      const member = new Member(owner, this, grant, sending);
      this.#members.set(owner.identifier, member);
      member.on('close', () => this.#memberClosed(member));
      this.#roster.seeded(member, sticky);
      return member;
    });
    this.#count.known(this.size);
    return seeded;
  }

  /** Takes `member` out (a replicated room: in Redis' order), closing it if it is not yet. */
  remove(member: Member): void {
    this.#remove(member);
    member.close();
  }

  /**
   * The room as `member` sees it: its own bits and role, the members announced to it and how many
   * there are in all. The announced members as last told to everyone: what is still pending reaches
   * it with the next flush, as it reaches the others.
   */
  snapshotFor(member: Member): RoomSnapshot {
    return {
      roomId: this.roomId,
      roomType: this.roomType,
      authBits: member.authBits,
      role: member.role,
      members: this.#roster.told(member),
      memberCount: this.size,
    };
  }

  /** One event to every member but `except`: encoded once, the same bytes to each; after the endpoint changes made before it. */
  broadcast<E extends ServerEventName>(event: E, data: ServerEventData<E>, except?: Member): void {
    this.flush();
    let frame: Buffer | undefined;
    for (const member of this.#members.values()) {
      if (member !== except && !member.closed) member.owner.sendEncoded((frame ??= Buffer.from(encodeEvent(event, data))));
    }
  }

  /**
   * A room-wide message from `from`. In a large room the audience shares `roomMessageRate`
   * messages a second, and at most `audienceMessageFrames` writes a second (each
   * message is a write to every member, so the bigger the room the fewer); the host (CREATE_ROOM
   * bit) and members that publish are not counted. Throws 10005 ROOM_MESSAGE_RATE past either.
   */
  message(from: Member, data: ServerEventData<'room.message'>): void {
    if (this.large && !(from.authBits & AuthBits.CREATE_ROOM) && !from.sending) {
      const { roomMessageRate: rate, audienceMessageFrames: frames } = this.#policy;
      // A room that spans nodes: each node takes its share, so that the caps hold for the whole room.
      const share = this.#replicator?.capShare() ?? 1;
      const onThisNode = share < 1 ? ` (this node's share: ${(rate * share).toFixed(2)})` : '';
      this.#messages ??= { count: new TokenBucket(rate, rate), frames: new FrameBudget(frames) };
      this.#messages.count.setRate(rate * share, Math.max(1, rate * share));
      this.#messages.frames.setRate(frames * share);
      if (!this.#messages.count.take()) {
        throw new ServerError(
          'ROOM_MESSAGE_RATE',
          `room ${this.roomId} already carries its audience's ${rate} messages a second${onThisNode}; try again later`,
        );
      }
      if (!this.#messages.frames.take(this.size - 1)) {
        throw new ServerError(
          'ROOM_MESSAGE_RATE',
          `room ${this.roomId} (${this.size} members) already carries the ${frames} writes a second its audience's messages may cost; try again later`,
        );
      }
    }
    if (this.#replicator) return this.#replicator.message(from, data);
    this.broadcast('room.message', data, from);
  }

  /** @internal From Member.setSending: announce the change (and, in a large room, the member itself). */
  sendingChanged(member: Member): void {
    if (this.#replicator && member.nodeId === undefined) this.#replicator.sendingChanged(member);
    else this.announceSending(member);
  }

  /** Announces `member`'s sending flags as they are now (a replicated room: in Redis' order). */
  announceSending(member: Member): void {
    if (this.#members.get(member.identifier) !== member) return;
    this.#roster.sendingChanged(member);
    this.#changed();
  }

  /**
   * Sends the endpoint changes made since the last flush: one event per kind, encoded once. A
   * member the events are about gets them without itself (encoded for it: members who changed
   * in this round, not every recipient). The scheduler calls this at the end of the round;
   * anything else sent to a member of the room calls it first, to keep the order it was caused in.
   */
  flush(): void {
    if (!this.#roster.pending) return;
    this.#policy.scheduler.done(this);
    const groups = this.#roster.flush();
    if (groups.length === 0) return;
    const frames = groups.map((group) => Buffer.from(encodeEvent('room.endpoints', group)));
    const subjects = new Set(groups.flatMap((group) => group.members.map((m) => m.identifier)));
    for (const member of this.#members.values()) {
      if (member.closed) continue;
      if (subjects.has(member.identifier)) this.#sendWithoutSelf(member, groups, frames);
      else for (const frame of frames) member.owner.sendEncoded(frame);
    }
  }

  /** Closes every member (without EXIT events: everyone is leaving; `reason` for webhooks, default 'left'), then the room. Idempotent. */
  close(reason?: MemberExitReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#count.close();
    this.#policy.scheduler.done(this);
    for (const member of [...this.#members.values()]) member.close(reason);
    this.safeEmit('close');
  }

  #sendWithoutSelf(member: Member, groups: EndpointGroup[], frames: Buffer[]): void {
    groups.forEach((group, i) => {
      const others = group.members.filter((m) => m.identifier !== member.identifier);
      if (others.length === group.members.length) member.owner.sendEncoded(frames[i]!);
      else if (others.length > 0) member.owner.send('room.endpoints', { event: group.event, members: others });
    });
  }

  #changed(): void {
    if (this.#roster.pending) this.#policy.scheduler.waiting(this);
  }

  #memberClosed(member: Member): void {
    if (this.#replicator && member.nodeId === undefined) {
      if (this.#members.get(member.identifier) === member) this.#replicator.left(member);
      return;
    }
    this.#remove(member);
  }

  #remove(member: Member): void {
    if (this.#members.get(member.identifier) !== member) return;
    this.#members.delete(member.identifier);
    this.#roster.left(member, this.#members.values());
    if (this.#closed) return;
    // A replica (cluster) closes when its node's last member leaves, which its replicator decides.
    if (this.#members.size === 0 && !this.#replicator) return this.close();
    this.#changed();
    this.#count.set(this.size);
  }
}
