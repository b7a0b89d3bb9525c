import type { WireError } from '@hudong/protocol';
import { ServerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { SafeEmitter } from '../util/SafeEmitter.js';
import type { ClusterKeys } from './ClusterKeys.js';
import {
  parseEnvelope,
  type ClusterMessage,
  type ClusterMessageOf,
  type ClusterMessageType,
  type ClusterRequest,
  type ClusterRequestType,
  type Envelope,
} from './messages.js';
import type { RedisLink } from './RedisLink.js';

/** One event per message type: the message and the node that sent it. */
export type NodeBusEvents = { [T in ClusterMessageType]: [message: ClusterMessageOf<T>, from: string] };

/** A request as the caller writes it: NodeBus.request numbers it. */
export type RequestBody = ClusterRequest extends infer R ? (R extends ClusterRequest ? Omit<R, 'requestId'> : never) : never;

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
  /** Requests sent and not yet answered, by requestId. */
  readonly #waiting = new Map<string, (reply: { error: WireError | null; result?: unknown }) => void>();
  #nextRequest = 0;

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

  /**
   * Sends a request to one node; resolves with its reply's `result` (unchecked: the caller validates
   * it) when that node is done, rejects with the ServerError it replied with, or with `unanswered()`
   * when no node listens or no reply came within `timeoutMs` (pub/sub may lose a message: a request
   * never waits for ever).
   */
  async request(nodeId: string, body: RequestBody, timeoutMs: number, unanswered: () => ServerError): Promise<unknown> {
    const requestId = `${this.#options.nodeId}:${++this.#nextRequest}`;
    let timer: NodeJS.Timeout | undefined;
    const replied = new Promise<{ error: WireError | null; result?: unknown }>((resolve) => {
      this.#waiting.set(requestId, resolve);
      timer = setTimeout(() => resolve({ error: unanswered().toWire() }), timeoutMs);
    });
    try {
      if (!(await this.send(nodeId, { ...body, requestId } as ClusterRequest))) throw unanswered();
      const { error, result } = await replied;
      if (error) throw ServerError.fromWire(error);
      return result;
    } finally {
      clearTimeout(timer);
      this.#waiting.delete(requestId);
    }
  }

  /** Answers the requests of `type` with `handler`: its result (or the ServerError it threw) goes back to the requester. */
  answer<T extends ClusterRequestType>(type: T, handler: (message: Extract<ClusterRequest, { type: T }>, from: string) => Promise<unknown>): void {
    const listener = (message: Extract<ClusterRequest, { type: T }>, from: string) => {
      void handler(message, from)
        .then(
          (result) => ({ error: null, result }),
          (err: unknown) => ({ error: ServerError.from(err).toWire(), result: undefined }),
        )
        .then(({ error, result }) =>
          this.send(from, { type: 'reply', requestId: message.requestId, error, ...(result !== undefined && { result }) }).catch((err: Error) =>
            this.#options.logger.warn({ to: from, type, error: err.message }, 'could not reply to a cluster request'),
          ),
        );
    };
    this.on(type, listener as never);
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
    if (message.type === 'reply') return this.#waiting.get(message.requestId)?.(message);
    this.safeEmit(message.type, message as never, from);
  }
}
