import type { Cluster } from '../cluster/Cluster.js';
import type { ServerConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { RoomDirectory } from '../rooms/RoomDirectory.js';
import { ClusterWebhooks } from './ClusterWebhooks.js';
import { RoomEventFeed } from './RoomEventFeed.js';
import type { WebhookStats } from './WebhookReceiver.js';
import { Webhooks } from './Webhooks.js';

export interface NodeWebhooksOptions {
  config: ServerConfig;
  rooms: RoomDirectory;
  /** null on a single node. */
  cluster: Cluster | null;
  logger: Logger;
}

/**
 * A node's webhooks, wired (docs/operator.md): a single node tells its rooms' events itself
 * (RoomEventFeed); in a cluster the room scripts append them to the cluster's stream, and this node
 * takes its turn at delivering them (ClusterWebhooks). Nothing runs without `webhooks` configured.
 */
export class NodeWebhooks {
  readonly #webhooks: Webhooks;
  readonly #cluster: ClusterWebhooks | null;

  constructor({ config, rooms, cluster, logger }: NodeWebhooksOptions) {
    this.#webhooks = new Webhooks({
      urls: config.webhooks,
      secret: config.secret,
      sdkAppId: config.sdkAppId,
      nodeId: config.nodeId,
      limits: {
        queueLimit: config.webhookQueueLimit,
        retryMs: config.webhookRetryMs,
        retryForMs: config.webhookRetryForMs,
        timeoutMs: config.webhookTimeoutMs,
        concurrency: config.webhookConcurrency,
      },
      logger,
    });
    const webhooks = this.#webhooks;
    if (webhooks.enabled && !cluster) new RoomEventFeed(rooms, (event) => webhooks.emit(event));
    this.#cluster =
      webhooks.enabled && cluster
        ? new ClusterWebhooks({
            link: cluster.link,
            keys: cluster.keys,
            nodeId: config.nodeId,
            sdkAppId: config.sdkAppId,
            webhooks,
            // As long as a node takes to be declared lost.
            leaseMs: Math.max(1000, 3 * config.clusterHeartbeatMs),
            logger,
          })
        : null;
  }

  /** What /metrics reports, over all receivers. */
  get stats(): WebhookStats {
    return this.#webhooks.stats;
  }

  /** Once the node is in the cluster: it may become the one that delivers. */
  start(): void {
    this.#cluster?.start();
  }

  /** Gives up delivering (another node takes over) and drops what is queued here (logged). */
  async close(): Promise<void> {
    await this.#cluster?.close();
    this.#webhooks.close();
  }
}
