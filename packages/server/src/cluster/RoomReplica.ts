import type { MemberInfo, ServerEventData } from '@hudong/protocol';
import { ServerError } from '../errors.js';
import { redisStoreError } from '../identity/store-error.js';
import type { Logger } from '../logger.js';
import type { Member, MemberGrant, MemberOwner, SendingSource } from '../rooms/Member.js';
import type { Room, RoomReplicator, SeededMember } from '../rooms/Room.js';
import { refusal, type RoomDirectory, type RoomEntry } from '../rooms/RoomDirectory.js';
import type { ClusterKeys } from './ClusterKeys.js';
import type { RedisLink } from './RedisLink.js';
import { ChangeOrder, parseRoomChange, type MemberEntry, type RoomChange } from './RoomChannel.js';
import type { RoomScripts, RoomState } from './RoomScripts.js';

/** A member of another node, in this node's replica: its own node delivers to it, so sending to it here does nothing. */
class RemoteOwner implements MemberOwner {
  readonly identifier: string;
  readonly tinyId: string;
  readonly terminal: string;

  constructor(
    info: MemberInfo,
    readonly nodeId: string,
  ) {
    this.identifier = info.identifier;
    this.tinyId = info.tinyId;
    this.terminal = info.terminal;
  }

  send(): void {}
  sendEncoded(): void {}
}

/** A local enter waiting for its member to appear in the replica (from the state, or its change on the channel). */
interface PendingEnter {
  owner: MemberOwner;
  grant: MemberGrant;
  added(member: Member): void;
}

export interface RoomReplicaOptions {
  roomId: number;
  nodeId: string;
  link: RedisLink;
  keys: ClusterKeys;
  scripts: RoomScripts;
  directory: RoomDirectory;
  logger: Logger;
  maxMembersPerRoom: number;
  /** Redis' command timeout, named in 10004 STORE_BUSY; also how long a local enter waits for its change to come back. */
  timeoutMs: number;
  /** This replica is gone (its node's last member left, or its first enter failed). */
  dropped(): void;
  /** Redis work in flight that the node's close waits for (a member's exit). */
  track(work: Promise<void>): void;
}

const SOURCES: readonly (readonly [SendingSource, 'hasAudio' | 'hasCameraVideo' | 'hasScreenVideo'])[] = [
  ['audio', 'hasAudio'],
  ['camera', 'hasCameraVideo'],
  ['screen', 'hasScreenVideo'],
];

const sendingOf = (info: MemberInfo) => ({ audio: info.hasAudio, camera: info.hasCameraVideo, screen: info.hasScreenVideo });

/**
 * This node's copy of a room that spans nodes, for as long as the node has members in it: every
 * member (local ones owned by their Session, the others by a RemoteOwner), kept in the order of the
 * room's channel. Local changes go to Redis (RoomScripts) and are applied when they come back on the
 * channel, like everyone else's; the one exception is a local member leaving, which its own client sees
 * at once (it left), while the others here see its EXIT in the channel's order.
 *
 * Fan-out stays local: a change costs each node one channel message, which it turns into events for
 * its own members only.
 */
export class RoomReplica implements RoomReplicator {
  readonly #options: RoomReplicaOptions;
  readonly #order = new ChangeOrder<RoomChange>();
  /** entrySeq of each member in the replica. */
  readonly #entrySeqs = new Map<Member, number>();
  readonly #pending = new Map<string, PendingEnter>();
  /** Local members not yet left. */
  readonly #local = new Set<Member>();
  readonly #receive = (payload: string) => this.#onPayload(payload);
  #room: Room | null = null;
  /**
   * Local enters whose script has not answered yet: the channel waits meanwhile, so that a joiner's own
   * change, coming back before the answer, does not send it events before its enter is answered.
   */
  #answering = 0;
  readonly #held: RoomChange[] = [];
  #dropped = false;
  #resyncing: Promise<void> | null = null;
  #restoring: Promise<void> | null = null;
  #restoreAgain = false;
  /** Settles when the first enter built the replica (true) or failed, dropping it (false). */
  readonly built: Promise<boolean>;
  #settleBuilt!: (ok: boolean) => void;

  constructor(options: RoomReplicaOptions) {
    this.#options = { ...options };
    this.built = new Promise((resolve) => (this.#settleBuilt = resolve));
  }

  get room(): Room | null {
    return this.#room;
  }

  /**
   * Writes this node's members back to Redis where it lost them (it restarted without its data, or
   * the other nodes took this one for lost), then re-reads the room: the other nodes see them enter again.
   */
  restore(reason: string): Promise<void> {
    // One at a time; asked again meanwhile (more of its members taken out), it runs once more after.
    if (this.#restoring) {
      this.#restoreAgain = true;
      return this.#restoring;
    }
    this.#restoring = (async () => {
      do {
        this.#restoreAgain = false;
        await this.#restoreOnce(reason);
      } while (this.#restoreAgain);
    })().finally(() => (this.#restoring = null));
    return this.#restoring;
  }

  async #restoreOnce(reason: string): Promise<void> {
    const { scripts, roomId, logger } = this.#options;
    const room = this.#room;
    if (!room || this.#dropped) return;
    let restored = 0;
    try {
      for (const member of [...this.#local]) {
        const entrySeq = this.#entrySeqs.get(member);
        if (entrySeq === undefined || member.closed) continue;
        const outcome = await scripts.restore(roomId, room.roomType, entrySeq, member.info());
        if (outcome === 'RESTORED') restored++;
        else if (outcome === 'ROOM_TYPE_MISMATCH') {
          logger.warn({ roomId, identifier: member.identifier }, 'could not write a member back: the room was made again with another type');
        }
      }
    } catch (err) {
      logger.warn({ roomId, reason, error: (err as Error).message }, 'could not write the members back to Redis');
    }
    if (restored > 0) logger.info({ roomId, reason, restored }, 'members written back to Redis');
    await this.resync(reason);
  }

  /**
   * The node's first member of the room: subscribes to the channel first, then runs the enter script
   * asking for the whole state, builds the replica from it and applies what came on the channel since.
   */
  async enterFirst(owner: MemberOwner, entry: RoomEntry): Promise<Member> {
    const { link, keys, roomId } = this.#options;
    try {
      await link.subscribe(keys.roomChannel(roomId), this.#receive);
      const added = this.#expect(owner, entry);
      const answer = await this.#runEnter(owner, entry, true);
      this.#build(answer.state!);
      this.#settleBuilt(true);
      return await added;
    } catch (err) {
      this.#pending.delete(owner.identifier);
      this.#settleBuilt(false);
      this.#drop();
      throw err;
    }
  }

  /** Another member of this node enters the (built) replica: its member appears when its change comes back. */
  async enter(owner: MemberOwner, entry: RoomEntry): Promise<Member> {
    const added = this.#expect(owner, entry);
    this.#answering++;
    try {
      await this.#runEnter(owner, entry, false);
    } catch (err) {
      this.#pending.delete(owner.identifier);
      this.#maybeDrop();
      throw err;
    } finally {
      if (--this.#answering === 0) for (const change of this.#held.splice(0)) this.#receiveChange(change);
    }
    return added;
  }

  /** Re-reads the room from Redis and brings the replica to it (a gap on the channel, a lost echo, Redis back). */
  resync(reason: string): Promise<void> {
    this.#resyncing ??= this.#resync(reason).finally(() => (this.#resyncing = null));
    return this.#resyncing;
  }

  // RoomReplicator: the room's calls for its local members.

  left(member: Member): void {
    const entrySeq = this.#entrySeqs.get(member);
    if (entrySeq === undefined) return;
    this.#track(
      this.#options.scripts.exit(this.#options.roomId, member.identifier, this.#options.nodeId, entrySeq, member.exitReason ?? 'left'),
      'exit',
    );
  }

  sendingChanged(member: Member): void {
    this.#writeInfo(member);
  }

  message(_from: Member, data: ServerEventData<'room.message'>): void {
    const { link, keys, roomId } = this.#options;
    const change: RoomChange = { kind: 'message', from: data.from, data: data.data, binary: data.binary };
    // Answered once sent, as on one node: a message Redis could not take is logged, not reported (docs/cluster.md).
    this.#track(link.publish(keys.roomChannel(roomId), JSON.stringify(change)), 'message');
  }

  capShare(): number {
    const size = this.#room?.size ?? 0;
    return size === 0 ? 1 : Math.max(this.#local.size, 1) / size;
  }

  #expect(owner: MemberOwner, entry: RoomEntry): Promise<Member> {
    const { timeoutMs } = this.#options;
    return new Promise<Member>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Its change was lost on the way back (pub/sub is at most once): Redis has it, read it whole.
        void this.resync('an enter of this node did not come back on the channel').then(() => {
          if (this.#pending.get(owner.identifier)?.owner !== owner) return;
          this.#pending.delete(owner.identifier);
          reject(new ServerError('STORE_BUSY', `the room's change did not come back from Redis within ${timeoutMs} ms`));
          this.#maybeDrop();
        }, reject);
      }, timeoutMs * 2);
      this.#pending.set(owner.identifier, {
        owner,
        grant: { authBits: entry.authBits, role: entry.role, privilegeKey: entry.privilegeKey },
        added: (member) => {
          clearTimeout(timer);
          resolve(member);
        },
      });
    });
  }

  async #runEnter(owner: MemberOwner, entry: RoomEntry, full: boolean) {
    const { scripts, timeoutMs, maxMembersPerRoom } = this.#options;
    const info: MemberInfo = {
      identifier: owner.identifier,
      tinyId: owner.tinyId,
      role: entry.role,
      terminal: owner.terminal,
      authBits: entry.authBits,
      hasAudio: false,
      hasCameraVideo: false,
      hasScreenVideo: false,
    };
    const canCreate = (entry.authBits & 0x01) !== 0;
    const canJoin = (entry.authBits & 0x02) !== 0;
    let answer;
    try {
      answer = await scripts.enter({ ...entry, canCreate, canJoin }, info, full);
    } catch (err) {
      throw redisStoreError(err, timeoutMs);
    }
    if (answer.refused) throw refusal(answer.refused, entry, { roomType: answer.roomType, maxMembersPerRoom });
    return answer;
  }

  #build(state: RoomState): void {
    const { directory, roomId } = this.#options;
    const room = directory.openReplica(roomId, state.roomType, this);
    this.#room = room;
    const entries = [...state.members];
    const seeded: SeededMember[] = entries.map(([identifier, entry]) => ({
      ...this.#ownerOf(identifier, entry),
      sending: sendingOf(entry.info),
      sticky: entry.entrySeq <= state.lastSmallSeq,
    }));
    room.seed(seeded).forEach((member, i) => this.#admitted(member, entries[i]![1].entrySeq));
    this.#applyAll(this.#order.start(state.seq));
  }

  /** The owner of a member in the state: the local session whose enter waits for it, or a stand-in for another node's. */
  #ownerOf(identifier: string, entry: MemberEntry): { owner: MemberOwner; grant: MemberGrant } {
    const pending = entry.node === this.#options.nodeId ? this.#pending.get(identifier) : undefined;
    if (pending) return { owner: pending.owner, grant: pending.grant };
    const { info } = entry;
    return { owner: new RemoteOwner(info, entry.node), grant: { authBits: info.authBits, role: info.role, privilegeKey: undefined } };
  }

  /** Records a member now in the room; a local one resolves its enter. */
  #admitted(member: Member, entrySeq: number): void {
    // Kept until the member is out of the replica: a local member that left waits there for its exit.
    this.#entrySeqs.set(member, entrySeq);
    if (member.nodeId !== undefined) return;
    const pending = this.#pending.get(member.identifier);
    this.#pending.delete(member.identifier);
    this.#local.add(this.#options.directory.counted(member));
    member.on('authority', () => this.#writeInfo(member));
    member.on('close', () => {
      this.#local.delete(member);
      this.#maybeDrop();
    });
    pending?.added(member);
  }

  #onPayload(payload: string): void {
    if (this.#dropped) return;
    const parsed = parseRoomChange(payload);
    if (!parsed.ok) {
      this.#options.logger.warn({ roomId: this.#options.roomId, reason: parsed.reason, payload: payload.slice(0, 200) }, 'room change dropped');
      return;
    }
    if (this.#answering > 0) this.#held.push(parsed.change);
    else this.#receiveChange(parsed.change);
  }

  #receiveChange(change: RoomChange): void {
    if (this.#resyncing || this.#dropped) return; // the state being read has it (or a later one)
    this.#applyAll(this.#order.receive(change));
  }

  #applyAll(changes: RoomChange[] | 'gap'): void {
    if (changes === 'gap') {
      void this.resync('a change of the room was lost on the channel');
      return;
    }
    for (const change of changes) this.#apply(change);
  }

  #apply(change: RoomChange): void {
    const room = this.#room;
    if (!room) return;
    switch (change.kind) {
      case 'message': {
        const { from, data, binary } = change;
        room.broadcast('room.message', { from, data, binary }, room.member(from));
        return;
      }
      case 'enter':
        return this.#enterChange(room, change.identifier, change.entry);
      case 'exit': {
        const member = room.member(change.identifier);
        if (!member || this.#entrySeqs.get(member) !== change.entrySeq) return;
        // A member of this node that has not left was taken out by another node, which took this one for lost.
        if (this.#local.has(member)) return void this.restore('a member of this node was taken out by another node');
        this.#remove(room, member);
        return;
      }
      case 'update': {
        const member = room.member(change.identifier);
        if (member && this.#entrySeqs.get(member) === change.entry.entrySeq) this.#updateChange(room, member, change.entry.info);
        return;
      }
    }
  }

  #enterChange(room: Room, identifier: string, entry: MemberEntry): void {
    const present = room.member(identifier);
    if (present) {
      if (this.#entrySeqs.get(present) === entry.entrySeq) return;
      // Its session was replaced on another node before its exit came: the newer entry wins.
      this.#remove(room, present);
    }
    if (entry.node === this.#options.nodeId && !this.#pending.has(identifier)) {
      // This node's enter whose session gave up waiting: its member leaves Redis again.
      this.#track(this.#options.scripts.exit(this.#options.roomId, identifier, entry.node, entry.entrySeq, 'left'), 'exit');
      return;
    }
    const { owner, grant } = this.#ownerOf(identifier, entry);
    const member = room.add(owner, grant);
    if (member.nodeId !== undefined) for (const [source, flag] of SOURCES) if (entry.info[flag]) member.setSending(source, true);
    this.#admitted(member, entry.entrySeq);
  }

  #remove(room: Room, member: Member): void {
    room.remove(member);
    this.#entrySeqs.delete(member);
  }

  #updateChange(room: Room, member: Member, info: MemberInfo): void {
    // A local member's change is already in it; only the announcement waited for Redis' order.
    if (member.nodeId === undefined) return room.announceSending(member);
    for (const [source, flag] of SOURCES) member.setSending(source, info[flag]);
    if (member.authBits !== info.authBits) member.setAuthority(info.authBits, undefined);
  }

  #writeInfo(member: Member): void {
    const entrySeq = this.#entrySeqs.get(member);
    if (entrySeq === undefined || member.closed) return;
    this.#track(this.#options.scripts.update(this.#options.roomId, entrySeq, member.info()), 'update');
  }

  async #resync(reason: string): Promise<void> {
    const { scripts, roomId, logger } = this.#options;
    let state: RoomState | null;
    try {
      state = await scripts.state(roomId);
    } catch (err) {
      logger.warn({ roomId, reason, error: (err as Error).message }, 'could not read the room from Redis');
      return;
    }
    const room = this.#room;
    if (!room || this.#dropped) return;
    const members = state?.members ?? new Map<string, MemberEntry>();
    let changed = 0;
    // Members gone from Redis leave; this node's own stay (they are written again when Redis comes back).
    for (const [member, entrySeq] of [...this.#entrySeqs]) {
      if (member.nodeId === undefined && !member.closed) continue;
      if (members.get(member.identifier)?.entrySeq !== entrySeq) {
        this.#remove(room, member);
        changed++;
      }
    }
    for (const [identifier, entry] of members) {
      const present = room.member(identifier);
      if (!present || this.#entrySeqs.get(present) !== entry.entrySeq) {
        if (present?.nodeId === undefined && present && !present.closed) continue;
        this.#enterChange(room, identifier, entry);
        changed++;
      } else if (present.nodeId !== undefined) this.#updateChange(room, present, entry.info);
    }
    this.#order.reset(state?.seq ?? 0);
    logger.warn({ roomId, reason, seq: state?.seq ?? 0, changed }, 'room replica rebuilt from Redis');
  }

  #maybeDrop(): void {
    if (this.#room && this.#local.size === 0 && this.#pending.size === 0) this.#drop();
  }

  /** Leaves the channel and closes the replica (its remote members with it, silently: nobody here is left to tell). */
  #drop(): void {
    if (this.#dropped) return;
    this.#dropped = true;
    const { link, keys, roomId } = this.#options;
    void link.unsubscribe(keys.roomChannel(roomId), this.#receive);
    this.#room?.close();
    this.#options.dropped();
  }

  #track(work: Promise<unknown>, what: string): void {
    this.#options.track(
      work.then(
        () => undefined,
        (err: Error) =>
          this.#options.logger.warn({ roomId: this.#options.roomId, what, error: err.message }, 'could not write a room change to Redis'),
      ),
    );
  }
}
