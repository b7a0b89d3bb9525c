import type { ServerConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { RoomDirectory } from '../rooms/RoomDirectory.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import { ClusterKeys } from './ClusterKeys.js';
import { ClusterRooms } from './ClusterRooms.js';
import { ClusterSessions } from './ClusterSessions.js';
import { NodeBus } from './NodeBus.js';
import { NodeRegistry } from './NodeRegistry.js';
import { RedisLink } from './RedisLink.js';

export interface ClusterOptions {
  config: ServerConfig & { readonly redisUrl: string };
  logger: Logger;
  /** The node's local sessions. */
  sessions: SessionRegistry;
  /** The node's rooms: the replicas of the rooms that span nodes live there. */
  rooms: RoomDirectory;
  /** This node's load, written with each heartbeat. */
  counts(): { rooms: number; members: number };
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
  readonly #nodeId: string;
  #address: { url: string; wsUrl: string } = { url: '', wsUrl: '' };
  #started = false;

  constructor({ config, logger, sessions, rooms, counts }: ClusterOptions) {
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
    this.#started = true;
  }

  health(): ClusterHealth {
    return { nodeId: this.#nodeId, nodes: this.registry.nodes(), redis: this.link.ready ? 'up' : 'down' };
  }

  /** Leaves the cluster (the registration is removed) and closes the link; idempotent. */
  async close(): Promise<void> {
    if (this.#started) {
      this.#started = false;
      await this.rooms.close();
      await this.sessions.close();
      await this.registry.stop();
      await this.bus.close();
    }
    this.link.close();
  }
}
