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
 * The node's webhooks: makes events (id, time, node) and hands them to every receiver. In a cluster
 * the events come from the cluster's stream instead (ClusterWebhooks), on the node that delivers.
 */
export class Webhooks {
  readonly stats: WebhookStats = emptyStats();
  readonly #options: WebhooksOptions;
  readonly #receivers: WebhookReceiver[];

  constructor(options: WebhooksOptions) {
    this.#options = { ...options };
    this.#receivers = options.urls.map((url) => new WebhookReceiver(url, options.limits, this.stats, options.logger));
  }

  /** Any receiver configured: without one, no event is even made. */
  get enabled(): boolean {
    return this.#receivers.length > 0;
  }

  /** An event of this node (a single node: RoomEventFeed), delivered from here. */
  emit(init: WebhookEventInit): void {
    if (!this.enabled) return;
    this.deliver(makeEvent(init, { sdkAppId: this.#options.sdkAppId, node: this.#options.nodeId }));
  }

  /** Queues `event` for every receiver; `settled` is called once all of them are done with it (taken or dropped). */
  deliver(event: WebhookEvent, settled?: () => void): void {
    const body = JSON.stringify(event);
    const signature = signatureOf(body, this.#options.secret);
    let waiting = this.#receivers.length;
    const one = settled && (() => --waiting === 0 && settled());
    for (const receiver of this.#receivers) receiver.enqueue(event, body, signature, one);
  }

  close(): void {
    for (const receiver of this.#receivers) receiver.close();
  }
}
