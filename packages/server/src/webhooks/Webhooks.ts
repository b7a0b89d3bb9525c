import type { Logger } from '../logger.js';
import { makeEvent, signatureOf, type WebhookEvent, type WebhookEventInit } from './WebhookEvent.js';
import { emptyStats, WebhookReceiver, type WebhookLimits, type WebhookStats } from './WebhookReceiver.js';

export interface WebhooksOptions {
  urls: readonly string[];
  secret: string;
  sdkAppId: number;
  nodeId: string;
  limits: WebhookLimits;
  logger: Logger;
}

/**
 * Where events go: straight to the receivers (a single node), or through the cluster's event log
 * (cluster/ClusterWebhooks.ts), from which one node at a time delivers them.
 */
export interface EventLog {
  append(event: WebhookEvent): void;
}

/** The node's webhooks: makes events (id, time, node) and hands them to every receiver. */
export class Webhooks {
  readonly stats: WebhookStats = emptyStats();
  readonly #options: WebhooksOptions;
  readonly #receivers: WebhookReceiver[];
  #log: EventLog;

  constructor(options: WebhooksOptions) {
    this.#options = { ...options };
    this.#receivers = options.urls.map((url) => new WebhookReceiver(url, options.limits, this.stats, options.logger));
    this.#log = { append: (event) => this.deliver(event) };
  }

  /** Any receiver configured: without one, no event is even made. */
  get enabled(): boolean {
    return this.#receivers.length > 0;
  }

  /** Events go to `log` from now on (the cluster's), which calls `deliver` on the node that delivers. */
  useLog(log: EventLog): void {
    this.#log = log;
  }

  emit(init: WebhookEventInit): void {
    if (!this.enabled) return;
    this.#log.append(makeEvent(init, { sdkAppId: this.#options.sdkAppId, node: this.#options.nodeId }));
  }

  /** Queues `event` for every receiver. */
  deliver(event: WebhookEvent): void {
    const body = JSON.stringify(event);
    const signature = signatureOf(body, this.#options.secret);
    for (const receiver of this.#receivers) receiver.enqueue(event, body, signature);
  }

  /** Events queued at all receivers, most of one. */
  get backlog(): number {
    return Math.max(0, ...this.#receivers.map((r) => r.size));
  }

  close(): void {
    for (const receiver of this.#receivers) receiver.close();
  }
}
