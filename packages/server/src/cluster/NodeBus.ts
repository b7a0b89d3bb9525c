import type { Logger } from '../logger.js';
import { SafeEmitter } from '../util/SafeEmitter.js';
import type { ClusterKeys } from './ClusterKeys.js';
import { parseEnvelope, type ClusterMessage, type ClusterMessageOf, type ClusterMessageType, type Envelope } from './messages.js';
import type { RedisLink } from './RedisLink.js';

/** One event per message type: the message and the node that sent it. */
export type NodeBusEvents = { [T in ClusterMessageType]: [message: ClusterMessageOf<T>, from: string] };

export interface NodeBusOptions {
  link: RedisLink;
  keys: ClusterKeys;
  nodeId: string;
  logger: Logger;
}

/**
 * Messages between nodes over Redis pub/sub: each node listens on its own channel `to:{nodeId}` and on
 * the channel of all nodes. Delivery is at most once (a node that is not subscribed at that moment,
 * e.g. while reconnecting, misses it), so what must not be lost is also written to Redis.
 * `on(type, handler)` receives validated messages only: a malformed one is logged and dropped.
 */
export class NodeBus extends SafeEmitter<NodeBusEvents> {
  readonly #options: NodeBusOptions;
  readonly #receiveDirect = (payload: string) => this.#onPayload(payload, false);
  readonly #receiveBroadcast = (payload: string) => this.#onPayload(payload, true);

  constructor(options: NodeBusOptions) {
    super();
    this.#options = { ...options };
  }

  /** Subscribes to this node's channel and the broadcast channel. */
  async start(): Promise<void> {
    const { link, keys, nodeId } = this.#options;
    await Promise.all([link.subscribe(keys.toNode(nodeId), this.#receiveDirect), link.subscribe(keys.broadcast, this.#receiveBroadcast)]);
  }

  /** Sends `message` to one node; resolves with whether a node was listening. */
  async send(nodeId: string, message: ClusterMessage): Promise<boolean> {
    return (await this.#publish(this.#options.keys.toNode(nodeId), message)) > 0;
  }

  /** Sends `message` to every other node. */
  async broadcast(message: ClusterMessage): Promise<void> {
    await this.#publish(this.#options.keys.broadcast, message);
  }

  async close(): Promise<void> {
    const { link, keys, nodeId } = this.#options;
    await Promise.all([link.unsubscribe(keys.toNode(nodeId), this.#receiveDirect), link.unsubscribe(keys.broadcast, this.#receiveBroadcast)]);
  }

  #publish(channel: string, message: ClusterMessage): Promise<number> {
    const envelope: Envelope = { from: this.#options.nodeId, message };
    return this.#options.link.publish(channel, JSON.stringify(envelope));
  }

  #onPayload(payload: string, broadcast: boolean): void {
    const parsed = parseEnvelope(payload);
    if (!parsed.ok) {
      this.#options.logger.warn({ reason: parsed.reason, payload: payload.slice(0, 200) }, 'cluster message dropped');
      return;
    }
    const { from, message } = parsed.envelope;
    // A broadcast reaches its sender too; it is meant for the others.
    if (broadcast && from === this.#options.nodeId) return;
    this.safeEmit(message.type, message as never, from);
  }
}
