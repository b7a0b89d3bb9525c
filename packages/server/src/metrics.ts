import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Live counts the gauges read at scrape time. */
export interface MetricSources {
  connections(): number;
  sessions(): number;
  rooms(): number;
  members(): number;
}

/** Prometheus metrics of one server, in its own Registry so that two servers in a process do not mix. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'method' | 'code'>;
  readonly #duration: Histogram<'method'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({ name, help, registers, collect() { this.set(read()); } });
    gauge('hudong_connections', 'Open signalling WebSocket connections', () => sources.connections());
    gauge('hudong_sessions', 'Logged-in sessions, including those in their reconnect grace', () => sources.sessions());
    gauge('hudong_rooms', 'Rooms open on this node', () => sources.rooms());
    gauge('hudong_members', 'Room members on this node', () => sources.members());
    this.#requests = new Counter({
      name: 'hudong_requests_total', help: 'Requests answered, by method and server code ("0" for success)',
      labelNames: ['method', 'code'], registers,
    });
    this.#duration = new Histogram({
      name: 'hudong_request_duration_seconds', help: 'Time from request frame to response, by method',
      labelNames: ['method'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30], registers,
    });
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
