import type { ServerEventData } from '@hudong/protocol';
import type { ServerConfig } from '../config.js';
import { ServerError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Member, MemberOwner } from '../rooms/Member.js';
import type { RoomDirectory, RoomEntrance, RoomEntry } from '../rooms/RoomDirectory.js';
import { redisStoreError } from '../identity/store-error.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import type { ClusterKeys } from './ClusterKeys.js';
import type { ClusterMessageOf } from './messages.js';
import type { NodeBus } from './NodeBus.js';
import type { NodeRegistry } from './NodeRegistry.js';
import type { RedisLink } from './RedisLink.js';
import { RoomReplica } from './RoomReplica.js';
import { RoomScripts } from './RoomScripts.js';

/** How long the node that won `room-cleanup:{lostNodeId}` keeps it: the others skip that loss meanwhile. */
const CLEANUP_CLAIM_MS = 60_000;
/** Scripts sent at once when taking a lost node's members out. */
const BATCH = 1000;

export interface ClusterRoomsOptions {
  link: RedisLink;
  keys: ClusterKeys;
  bus: NodeBus;
  registry: NodeRegistry;
  /** This node's sessions: a one-to-one message from another node goes to one of them. */
  sessions: SessionRegistry;
  /** This node's rooms: the replicas are listed, counted and closed there. */
  directory: RoomDirectory;
  config: Pick<
    ServerConfig,
    'largeRoomThreshold' | 'maxMembersPerRoom' | 'messageAckTimeoutMs' | 'storeTimeoutMs' | 'webhooks' | 'webhookStreamLimit'
  >;
  nodeId: string;
  logger: Logger;
}

/**
 * Rooms that span nodes (docs/cluster.md): room.enter asks Redis, the one sequencer, and this node keeps
 * a replica of each room it has members in (RoomReplica). Also carries one-to-one messages to members
 * of other nodes (NodeBus request, acked), and takes a lost node's members out of their rooms.
 */
export class ClusterRooms implements RoomEntrance {
  readonly #options: ClusterRoomsOptions;
  readonly #scripts: RoomScripts;
  readonly #replicas = new Map<number, RoomReplica>();
  /** Identifiers whose room.enter is in flight: one at a time, as on one node where it is synchronous. */
  readonly #entering = new Set<string>();
  readonly #pending = new Set<Promise<void>>();
  readonly #onNodeLost = (nodeId: string) => this.#track(this.#cleanUpAfter(nodeId));
  readonly #onUp = () => {
    for (const replica of this.#replicas.values()) void replica.resync('redis came back');
  };
  readonly #onRegisteredAgain = () => {
    for (const replica of this.#replicas.values()) this.#track(replica.restore('this node registered again'));
  };

  constructor(options: ClusterRoomsOptions) {
    this.#options = { ...options };
    const { link, keys, nodeId, config } = options;
    this.#scripts = new RoomScripts({
      link,
      keys,
      nodeId,
      largeRoomThreshold: config.largeRoomThreshold,
      maxMembersPerRoom: config.maxMembersPerRoom,
      events: config.webhooks.length > 0 ? { stream: keys.webhookEvents, maxLength: config.webhookStreamLimit } : null,
    });
  }

  /** The room scripts: the server API reads the cluster's rooms with them. */
  get scripts(): RoomScripts {
    return this.#scripts;
  }

  start(): void {
    const { bus, registry, link } = this.#options;
    bus.answer('member.message', (message) => this.#deliver(message));
    registry.on('nodeLost', this.#onNodeLost);
    registry.on('registeredAgain', this.#onRegisteredAgain);
    link.on('up', this.#onUp);
  }

  /** Steps 4–6 of room.enter, cluster-wide: the node's own limits here first, then the room's checks in Redis. Throws ServerError. */
  async enter(owner: MemberOwner, entry: RoomEntry): Promise<Member> {
    if (this.#entering.has(owner.identifier)) {
      throw new ServerError('IN_ANOTHER_ROOM', `a room.enter of "${owner.identifier}" is already in progress`);
    }
    this.#entering.add(owner.identifier);
    try {
      for (;;) {
        const replica = this.#replicas.get(entry.roomId);
        if (!replica) return await this.#enterFirst(owner, entry);
        // Its first enter may still be building it, and may fail (then it is gone: start again).
        if (!(await replica.built)) continue;
        this.#options.directory.checkNodeLimits(false);
        return await replica.enter(owner, entry);
      }
    } finally {
      this.#entering.delete(owner.identifier);
    }
  }

  /**
   * A one-to-one message to `to`, a member of another node: handed to that node, answered when the
   * recipient's client acked it (10004 DELIVERY_TIMEOUT otherwise, as on one node).
   */
  sendTo(to: Member, message: Omit<ServerEventData<'room.message'>, 'to' | 'ackId'>): Promise<void> {
    return this.deliverOn(to.nodeId!, to.room.roomId, to.identifier, message);
  }

  /** `sendTo` by name: a one-to-one message to `to`, a member of `roomId` connected to `node`. */
  async deliverOn(node: string, roomId: number, to: string, message: Omit<ServerEventData<'room.message'>, 'to' | 'ackId'>): Promise<void> {
    const { bus, config } = this.#options;
    const timeoutMs = config.messageAckTimeoutMs;
    await bus.request(
      node,
      { type: 'member.message', roomId, to, from: message.from, data: message.data, binary: message.binary },
      // The recipient's own ack timeout, plus the way there and back.
      timeoutMs + config.storeTimeoutMs,
      () => new ServerError('DELIVERY_TIMEOUT', `${to} did not acknowledge the message within ${timeoutMs} ms`),
    );
  }

  /** Whether the room exists anywhere in the cluster. Throws ServerError 10001 / 10004 when Redis fails. */
  async exists(roomId: number): Promise<boolean> {
    const { link, keys, config } = this.#options;
    try {
      return (await link.commands.exists(keys.room(roomId))) === 1;
    } catch (err) {
      throw redisStoreError(err, config.storeTimeoutMs);
    }
  }

  /** Stops reacting to the cluster and lets the Redis work in flight (members' exits) finish. */
  async close(): Promise<void> {
    const { registry, link } = this.#options;
    registry.off('nodeLost', this.#onNodeLost);
    registry.off('registeredAgain', this.#onRegisteredAgain);
    link.off('up', this.#onUp);
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  #enterFirst(owner: MemberOwner, entry: RoomEntry): Promise<Member> {
    const { link, keys, directory, logger, nodeId, config } = this.#options;
    directory.checkNodeLimits(true);
    const replica: RoomReplica = new RoomReplica({
      roomId: entry.roomId,
      nodeId,
      link,
      keys,
      scripts: this.#scripts,
      directory,
      logger,
      maxMembersPerRoom: config.maxMembersPerRoom,
      timeoutMs: config.storeTimeoutMs,
      dropped: () => {
        if (this.#replicas.get(entry.roomId) === replica) this.#replicas.delete(entry.roomId);
      },
      track: (work) => this.#track(work),
    });
    this.#replicas.set(entry.roomId, replica);
    return replica.enterFirst(owner, entry);
  }

  /** A member of this node gets a one-to-one message from another node's member; resolves once its client acked it. */
  async #deliver({ roomId, to, from, data, binary }: ClusterMessageOf<'member.message'>): Promise<void> {
    const session = this.#options.sessions.get(to);
    if (session?.member?.room.roomId !== roomId) throw new ServerError('MEMBER_NOT_FOUND', `"${to}" is not in room ${roomId}`);
    await session.sendAcked({ from, data, binary, to }, this.#options.config.messageAckTimeoutMs);
  }

  /** One surviving node (whoever claims `room-cleanup:{lost}` first) takes the lost node's members out of their rooms: the others see them EXIT. */
  async #cleanUpAfter(lostNodeId: string): Promise<void> {
    const { link, keys, nodeId, logger } = this.#options;
    try {
      const won = await link.commands.set(keys.roomCleanup(lostNodeId), nodeId, 'PX', CLEANUP_CLAIM_MS, 'NX');
      if (won !== 'OK') return;
      const held = await link.commands.smembers(keys.nodeMembers(lostNodeId));
      let removed = 0;
      for (let i = 0; i < held.length; i += BATCH) {
        const batch = held.slice(i, i + BATCH).map((value) => {
          const colon = value.indexOf(':');
          return { roomId: Number(value.slice(0, colon)), identifier: value.slice(colon + 1) };
        });
        const results = await Promise.all(batch.map((m) => this.#scripts.exit(m.roomId, m.identifier, lostNodeId, undefined, 'timeout')));
        removed += results.filter(Boolean).length;
      }
      await link.commands.del(keys.nodeMembers(lostNodeId));
      logger.info({ lostNodeId, members: removed }, "took a lost node's members out of their rooms");
    } catch (err) {
      logger.warn({ lostNodeId, error: (err as Error).message }, "could not take a lost node's members out of their rooms");
    }
  }

  #track(work: Promise<void>): void {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }
}
