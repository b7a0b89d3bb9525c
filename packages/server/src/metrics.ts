import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MediaEngineStats } from './media/MediaEngine.js';
import type { MediaStats } from './media/MediaStats.js';
import type { Refusal } from './signal/ConnectionAdmission.js';
import type { WebhookStats } from './webhooks/WebhookReceiver.js';

/** Live counts the gauges read at scrape time. */
export interface MetricSources {
  connections(): number;
  sessions(): number;
  rooms(): number;
  members(): number;
  publications(): number;
  subscriptions(): number;
  /** Media counters, read at scrape time (the forwarding path does not touch prom-client). */
  media: MediaStats;
  /** Webhook counters, over all receivers. */
  webhooks: WebhookStats;
  /** The media engine's socket counters (zero on an engine without them). */
  engine(): MediaEngineStats;
}

/** Media engine counters: metric name → MediaEngineStats field. */
const ENGINE_COUNTERS = {
  hudong_media_datagrams_sent_total: ['datagramsSent', "Datagrams the native media engine's socket sent"],
  hudong_media_datagrams_dropped_total: ['datagramsDropped', "Datagrams not sent: the native media engine's socket send buffer was full"],
  hudong_media_stun_refused_total: ['stunDropped', 'STUN datagrams refused: not a binding request of a live connection with its password'],
  hudong_media_datagrams_unmatched_total: ['unknownDropped', 'Datagrams from an address no connection checked from, dropped'],
} as const satisfies Record<string, readonly [keyof MediaEngineStats, string]>;

/** Webhook counters: metric name → WebhookStats field. */
const WEBHOOK_COUNTERS = {
  hudong_webhook_delivered_total: ['delivered', 'Webhook events a receiver took (2xx)'],
  hudong_webhook_failed_attempts_total: ['failedAttempts', 'Webhook POSTs that failed (non-2xx, unreachable, timed out), retried or not'],
  hudong_webhook_dropped_queue_full_total: ['droppedQueueFull', "Webhook events dropped because a receiver's queue was full (webhookQueueLimit)"],
  hudong_webhook_dropped_retries_total: ['droppedRetriesExhausted', 'Webhook events dropped after failing for webhookRetryForMs'],
  hudong_webhook_dropped_unpaired_total: [
    'droppedUnpaired',
    'Webhook events dropped because the event they close was dropped (an exit without its entry)',
  ],
} as const satisfies Record<string, readonly [keyof WebhookStats, string]>;

/** Media counters: metric name → MediaStats field. */
const MEDIA_COUNTERS = {
  hudong_rtp_received_total: ['rtpReceived', 'RTP packets received from publishers'],
  hudong_rtp_forwarded_total: ['rtpForwarded', 'RTP packets sent to subscribers (first transmissions)'],
  hudong_rtp_dropped_by_test_total: ['rtpDroppedByTest', 'RTP packets dropped by the testDropRate hook'],
  hudong_nack_received_total: ['nackReceived', 'NACK packets received from subscribers'],
  hudong_rtp_retransmitted_total: ['rtpRetransmitted', 'RTP packets resent to subscribers for their NACKs'],
  hudong_retransmissions_suppressed_total: [
    'retransmissionsSuppressed',
    'NACKed packets not resent: resent to that view less than the resend interval ago',
  ],
  hudong_nack_items_ignored_total: ['nackItemsIgnored', 'NACKed sequence numbers past the per-RTCP-packet cap, ignored'],
  hudong_rtp_oversized_total: ['rtpOversized', 'RTP packets from publishers larger than maxRtpPacketBytes, dropped'],
  hudong_media_transports_refused_total: ['transportsRefused', 'Media transports refused: fewer than mediaFdReserve file descriptors free'],
  hudong_nack_sent_total: ['nackSent', 'NACK packets sent to publishers'],
  hudong_keyframe_requests_received_total: ['keyframeRequestsReceived', 'PLI/FIR received from subscribers'],
  hudong_keyframe_requests_sent_total: ['keyframeRequestsSent', 'Keyframe requests (PLI+FIR) sent to publishers'],
  hudong_keyframes_replayed_total: ['keyframesReplayed', 'New views started from the stored newest keyframe (no request to the publisher)'],
  hudong_remb_sent_total: ['rembSent', 'REMB packets sent to publishers'],
  hudong_receiver_reports_sent_total: ['receiverReportsSent', 'RTCP receiver reports sent to publishers'],
} as const satisfies Record<string, readonly [keyof MediaStats, string]>;

/** Prometheus metrics of one server, in its own Registry so that two servers in a process do not mix. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'method' | 'code'>;
  readonly #duration: Histogram<'method'>;
  readonly #slowConsumers: Counter;
  readonly #refused: Counter<'reason'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge('hudong_connections', 'Open signalling WebSocket connections', () => sources.connections());
    gauge('hudong_sessions', 'Logged-in sessions, including those in their reconnect grace', () => sources.sessions());
    gauge('hudong_rooms', 'Rooms open on this node', () => sources.rooms());
    gauge('hudong_members', 'Room members on this node', () => sources.members());
    gauge('hudong_publications', 'Published sources (member × source) on this node', () => sources.publications());
    gauge('hudong_subscriptions', 'Views (subscriber transports) on this node', () => sources.subscriptions());
    gauge('hudong_webhook_queued', 'Webhook events waiting, over all receivers', () => sources.webhooks.queued);
    const counter = (name: string, help: string, read: () => number) => {
      let reported = 0;
      new Counter({
        name,
        help,
        registers,
        collect() {
          const value = read();
          if (value > reported) this.inc(value - reported);
          reported = value;
        },
      });
    };
    for (const [name, [field, help]] of Object.entries(MEDIA_COUNTERS)) counter(name, help, () => sources.media[field]);
    for (const [name, [field, help]] of Object.entries(WEBHOOK_COUNTERS)) counter(name, help, () => sources.webhooks[field]);
    for (const [name, [field, help]] of Object.entries(ENGINE_COUNTERS)) counter(name, help, () => sources.engine()[field]);
    this.#requests = new Counter({
      name: 'hudong_requests_total',
      help: 'Requests answered, by method and server code ("0" for success)',
      labelNames: ['method', 'code'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'hudong_request_duration_seconds',
      help: 'Time from request frame to response, by method',
      labelNames: ['method'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
    this.#slowConsumers = new Counter({
      name: 'hudong_slow_consumers_total',
      help: 'Connections closed with 4009 SLOW_CONSUMER: more than maxSendQueueBytes waited to be written to them',
      registers,
    });
    this.#refused = new Counter({
      name: 'hudong_connections_refused_total',
      help: 'WebSocket upgrades refused, by reason (origin, max_connections, max_connections_per_ip)',
      labelNames: ['reason'],
      registers,
    });
  }

  slowConsumerClosed(): void {
    this.#slowConsumers.inc();
  }

  /** A WebSocket upgrade answered with an HTTP error instead of a connection (ConnectionAdmission). */
  recordConnectionRefused(reason: Refusal['reason']): void {
    this.#refused.inc({ reason });
  }

  /** `method` must come from the method table (or a fixed placeholder): labels are not client strings. */
  recordRequest(method: string, code: number, seconds: number | null): void {
    this.#requests.inc({ method, code: String(code) });
    if (seconds !== null) this.#duration.observe({ method }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
