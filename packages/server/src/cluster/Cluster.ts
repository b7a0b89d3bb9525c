import type { MediaSource } from '@hudong/protocol';
import type { ServerConfig } from '../config.js';
import { ServerError } from '../errors.js';
import type { InviteManager } from '../invites/InviteManager.js';
import type { Logger } from '../logger.js';
import type { MediaRouter } from '../media/MediaRouter.js';
import type { Publication } from '../media/Publication.js';
import type { RoomDirectory } from '../rooms/RoomDirectory.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import { ClusterInvites } from './ClusterInvites.js';
import { ClusterKeys } from './ClusterKeys.js';
import { ClusterRooms } from './ClusterRooms.js';
import { ClusterSessions } from './ClusterSessions.js';
import { NodeBus } from './NodeBus.js';
import { NodeRegistry } from './NodeRegistry.js';
import { RedisLink } from './RedisLink.js';
import { MediaRelay } from './relay/MediaRelay.js';

export interface ClusterOptions {
  config: ServerConfig & { readonly redisUrl: string };
  logger: Logger;
  /** The node's local sessions. */
  sessions: SessionRegistry;
  /** The node's rooms: the replicas of the rooms that span nodes live there. */
  rooms: RoomDirectory;
  /** The node's invites: those of its inviters, whose invitees may be on other nodes. */
  invites: InviteManager;
  /** This node's load, written with each heartbeat. */
  counts(): { rooms: number; members: number };
  /** The node's media plane (made after the cluster): what the relay sends to other nodes and receives into. */
  media(): MediaRouter;
}

/** What `/healthz` says about the cluster. */
export interface ClusterHealth {
  nodeId: string;
  /** Live nodes at the last heartbeat, this one included. */
  nodes: readonly string[];
  redis: 'up' | 'down';
}

/**
 * A node's part in a cluster (`redisUrl` set): its Redis link, registration, bus and cluster-wide
 * sessions. connect() before listening, start() once the address is known, close() last.
 */
export class Cluster {
  readonly link: RedisLink;
  readonly keys: ClusterKeys;
  readonly bus: NodeBus;
  readonly registry: NodeRegistry;
  readonly sessions: ClusterSessions;
  readonly rooms: ClusterRooms;
  readonly invites: ClusterInvites;
  readonly #nodeId: string;
  readonly #options: ClusterOptions;
  #relay: MediaRelay | null = null;
  #address: { url: string; wsUrl: string } = { url: '', wsUrl: '' };
  #started = false;

  constructor(options: ClusterOptions) {
    const { config, logger, sessions, rooms, invites, counts } = options;
    this.#options = options;
    const { nodeId, storeTimeoutMs: timeoutMs } = config;
    this.#nodeId = nodeId;
    this.link = new RedisLink({ url: config.redisUrl, logger, commandTimeoutMs: timeoutMs });
    this.keys = new ClusterKeys(config.sdkAppId);
    const { link, keys } = this;
    this.bus = new NodeBus({ link, keys, nodeId, logger });
    this.registry = new NodeRegistry({
      link,
      keys,
      nodeId,
      logger,
      heartbeatMs: config.clusterHeartbeatMs,
      describe: () => ({ ...this.#address, ...counts() }),
    });
    this.sessions = new ClusterSessions({ link, keys, bus: this.bus, registry: this.registry, sessions, nodeId, logger, timeoutMs });
    this.rooms = new ClusterRooms({ link, keys, bus: this.bus, registry: this.registry, sessions, directory: rooms, config, nodeId, logger });
    this.invites = new ClusterInvites({
      bus: this.bus,
      registry: this.registry,
      sessions,
      clusterSessions: this.sessions,
      invites,
      nodeId,
      logger,
      timeoutMs,
    });
  }

  /** Connects to Redis; rejects with the URL in the message when it cannot be reached. */
  connect(): Promise<void> {
    return this.link.connect();
  }

  /** Subscribes, then registers this node (rejects when its node id is live elsewhere) and starts the heartbeat. */
  async start(address: { url: string; wsUrl: string }): Promise<void> {
    this.#address = { url: address.url, wsUrl: address.wsUrl };
    await this.bus.start();
    await this.registry.start();
    this.sessions.start();
    this.rooms.start();
    this.invites.start();
    this.#relay = await this.#startRelay();
    this.#started = true;
  }

  /** The media relay between nodes; null until started. */
  get relay(): MediaRelay | null {
    return this.#relay;
  }

  health(): ClusterHealth {
    return { nodeId: this.#nodeId, nodes: this.registry.nodes(), redis: this.link.ready ? 'up' : 'down' };
  }

  /** Leaves the cluster (the registration is removed) and closes the link; idempotent. */
  async close(): Promise<void> {
    if (this.#started) {
      this.#started = false;
      this.#relay?.close();
      this.#relay = null;
      this.invites.close();
      await this.rooms.close();
      await this.sessions.close();
      await this.registry.stop();
      await this.bus.close();
    }
    this.link.close();
  }

  #startRelay(): Promise<MediaRelay> {
    const { config, logger, rooms, media } = this.#options;
    if (config.relayAddress === '127.0.0.1') {
      logger.warn(
        { relayAddress: config.relayAddress },
        'the media relay listens on 127.0.0.1: nodes on other machines cannot relay media to this one (set relayAddress)',
      );
    }
    const local = (roomId: number, identifier: string, source: MediaSource): Publication => {
      const member = rooms.get(roomId)?.member(identifier);
      if (!member || member.nodeId !== undefined) {
        throw new ServerError('MEMBER_NOT_FOUND', `"${identifier}" is not in room ${roomId} on node ${this.#nodeId}`);
      }
      const publication = media().publicationOf(member, source);
      if (!publication) throw new ServerError('NOT_PUBLISHING', `"${identifier}" does not publish ${source}`);
      return publication;
    };
    return MediaRelay.start({
      bus: this.bus,
      registry: this.registry,
      nodeId: this.#nodeId,
      address: config.relayAddress,
      logger,
      stats: () => media().stats,
      timeoutMs: config.mediaConnectTimeoutMs,
      dropRate: config.testDropRate,
      local,
    });
  }
}
