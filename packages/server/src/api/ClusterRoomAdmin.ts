import type { Cluster } from '../cluster/Cluster.js';
import type { RequestBody } from '../cluster/NodeBus.js';
import type { RoomState } from '../cluster/RoomScripts.js';
import type { ServerConfig } from '../config.js';
import { ServerError } from '../errors.js';
import type { Member } from '../rooms/Member.js';
import type { RoomDirectory } from '../rooms/RoomDirectory.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import { LocalRoomAdmin, nodeSummary } from './LocalRoomAdmin.js';
import * as actions from './room-actions.js';
import type { AdminMessage, MemberPage, NodeSummary, RoomAdmin, RoomDetail, RoomSummary } from './RoomAdmin.js';

export interface ClusterRoomAdminOptions {
  config: Pick<ServerConfig, 'nodeId' | 'adminIdentifier' | 'messageAckTimeoutMs' | 'maxRooms' | 'maxMembers' | 'storeTimeoutMs'>;
  cluster: Cluster;
  rooms: RoomDirectory;
  sessions: SessionRegistry;
}

/**
 * The server API of a node of a cluster, answering for the whole cluster: rooms and members are read
 * from Redis (the room index and the room hashes the scripts keep); what is done to a member is done
 * by the node it is connected to (NodeBus request), so that its client hears it from there.
 */
export class ClusterRoomAdmin implements RoomAdmin {
  readonly #options: ClusterRoomAdminOptions;
  /** This node's part: what another node asks of it over NodeBus, and a member connected here. */
  readonly #local: LocalRoomAdmin;

  constructor(options: ClusterRoomAdminOptions) {
    this.#options = { ...options };
    this.#local = new LocalRoomAdmin(options);
    this.#answer();
  }

  /** Answers the other nodes' server API requests for members connected here (from construction on). */
  #answer(): void {
    const { bus } = this.#options.cluster;
    bus.answer('api.dismiss', async ({ roomId }) => this.#dismissHere(roomId));
    bus.answer('api.kick', async ({ roomId, identifier }) => actions.kick(this.#localMember(roomId, identifier)));
    bus.answer('api.authBits', async ({ roomId, identifier, authBits }) => actions.setAuthBits(this.#localMember(roomId, identifier), authBits));
  }

  async rooms(): Promise<RoomSummary[]> {
    return this.#redis(() => this.#options.cluster.rooms.scripts.rooms());
  }

  async room(roomId: number, page: MemberPage): Promise<RoomDetail> {
    const state = await this.#state(roomId);
    const members = [...state.members].map(([, { node, info }]) => actions.memberSummaryOf(info, node));
    // The hash has no order: members by entry order, as on one node.
    const order = new Map([...state.members].map(([id, entry]) => [id, entry.entrySeq]));
    members.sort((a, b) => order.get(a.identifier)! - order.get(b.identifier)!);
    return {
      roomId,
      roomType: state.roomType,
      memberCount: state.members.size,
      createdAt: state.createdAt ?? 0,
      members: actions.pageOf(members, page),
    };
  }

  async dismiss(roomId: number): Promise<{ members: number }> {
    const state = await this.#state(roomId);
    const nodes = new Set([...state.members.values()].map((entry) => entry.node));
    const told = await Promise.all(
      [...nodes].map((node) =>
        node === this.#options.config.nodeId
          ? this.#dismissHere(roomId)
          : (this.#ask(node, { type: 'api.dismiss', roomId }) as Promise<{ members: number }>),
      ),
    );
    return { members: told.reduce((sum, { members }) => sum + (Number(members) || 0), 0) };
  }

  async kick(roomId: number, identifier: string): Promise<void> {
    const node = await this.#nodeOf(roomId, identifier);
    if (node === this.#options.config.nodeId) return actions.kick(this.#localMember(roomId, identifier));
    await this.#ask(node, { type: 'api.kick', roomId, identifier });
  }

  async setAuthBits(roomId: number, identifier: string, authBits: number): Promise<{ authBits: number }> {
    const node = await this.#nodeOf(roomId, identifier);
    if (node === this.#options.config.nodeId) return actions.setAuthBits(this.#localMember(roomId, identifier), authBits);
    await this.#ask(node, { type: 'api.authBits', roomId, identifier, authBits });
    return { authBits };
  }

  async message(roomId: number, message: AdminMessage): Promise<void> {
    const { cluster, config } = this.#options;
    const state = await this.#state(roomId);
    if (message.to === undefined) {
      // On the room's channel, as a member's room message: every node with members in it broadcasts it to them.
      const change = { kind: 'message', from: config.adminIdentifier, data: message.data, binary: message.binary };
      await this.#redis(() => cluster.link.publish(cluster.keys.roomChannel(roomId), JSON.stringify(change)));
      return;
    }
    const entry = state.members.get(message.to);
    if (!entry) throw actions.memberNotFound(roomId, message.to);
    if (entry.node === config.nodeId) return this.#local.message(roomId, message);
    await cluster.rooms.deliverOn(entry.node, roomId, message.to, { from: config.adminIdentifier, data: message.data, binary: message.binary });
  }

  async nodes(): Promise<NodeSummary[]> {
    const { cluster, config } = this.#options;
    const ids = cluster.registry.nodes();
    const pipeline = cluster.link.commands.pipeline();
    for (const id of ids) pipeline.hmget(cluster.keys.node(id), 'rooms', 'members');
    const results = (await this.#redis(() => pipeline.exec())) ?? [];
    return ids.map((id, i) => {
      const [rooms, members] = (results[i]?.[1] ?? []) as (string | null)[];
      // Each node's own limits are not in Redis: the nodes of a cluster share their configuration.
      return nodeSummary(id, config, { rooms: Number(rooms ?? 0), members: Number(members ?? 0) });
    });
  }

  /** This node's members of the room leave, told why; its replica closes when the last one is out of Redis. */
  #dismissHere(roomId: number): { members: number } {
    const room = this.#options.rooms.get(roomId);
    if (!room) return { members: 0 };
    const members = actions.tellDismissed(room);
    for (const member of [...room.members()]) if (member.nodeId === undefined) member.close('dismissed');
    return { members };
  }

  #localMember(roomId: number, identifier: string): Member {
    const member = this.#options.rooms.get(roomId)?.member(identifier);
    if (!member || member.closed || member.nodeId !== undefined) throw actions.memberNotFound(roomId, identifier);
    return member;
  }

  async #state(roomId: number): Promise<RoomState> {
    const state = await this.#redis(() => this.#options.cluster.rooms.scripts.state(roomId));
    if (!state) throw actions.roomNotFound(roomId);
    return state;
  }

  async #nodeOf(roomId: number, identifier: string): Promise<string> {
    const entry = (await this.#state(roomId)).members.get(identifier);
    if (!entry) throw actions.memberNotFound(roomId, identifier);
    return entry.node;
  }

  #ask(node: string, body: RequestBody): Promise<unknown> {
    const { cluster, config } = this.#options;
    return cluster.bus.request(
      node,
      body,
      config.storeTimeoutMs * 2,
      () => new ServerError('STORE_BUSY', `node ${node}, which holds the member, did not answer within ${config.storeTimeoutMs * 2} ms`),
    );
  }

  /** A Redis failure as the API reports it (10004 STORE_BUSY), not a 500. */
  async #redis<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (err instanceof ServerError) throw err;
      throw new ServerError('STORE_BUSY', `Redis did not answer: ${(err as Error).message}`);
    }
  }
}
