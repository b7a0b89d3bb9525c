import { encodeError, encodeResult, type MethodName } from '@hudong/protocol';
import { ServerError } from '../errors.js';
import { logRequestFailure, type RequestLogFields } from '../logger.js';
import type { ServerMetrics } from '../metrics.js';
import type { Session } from '../session/Session.js';
import type { Connection, ParsedRequest, RejectedFrame, RequestSink } from '../signal/Connection.js';
import type { Handler, HandlerTable, Services } from './types.js';

/** Metrics label for frames that never named a known method (client strings never become labels). */
const NO_METHOD = 'none';

/** Runs handlers and is the one place where answers are sent, counted and (for errors) logged. */
export class RequestDispatcher implements RequestSink<Session> {
  readonly #handlers: HandlerTable;
  readonly #services: Services;
  readonly #metrics: ServerMetrics;

  constructor(handlers: HandlerTable, services: Services, metrics: ServerMetrics) {
    this.#handlers = handlers;
    this.#services = services;
    this.#metrics = metrics;
  }

  async handle(connection: Connection<Session>, request: ParsedRequest): Promise<void> {
    const started = performance.now();
    try {
      // method and params are a correlated pair the compiler cannot follow through the union.
      const handler = this.#handlers[request.method] as Handler<MethodName>;
      const result = await handler({ connection, services: this.#services }, request.params as never);
      connection.respond(encodeResult(request.id, result));
      const seconds = (performance.now() - started) / 1000;
      this.#metrics.recordRequest(request.method, 0, seconds);
      this.#services.logger.debug({ conn: connection.id, reqId: request.id, method: request.method, ms: seconds * 1000 }, 'request done');
    } catch (err) {
      const error = ServerError.from(err);
      if (!(err instanceof ServerError) && error.detail.code === 'INTERNAL') {
        this.#services.logger.error({ conn: connection.id, reqId: request.id, method: request.method, err }, 'handler threw');
      }
      this.#fail(connection, { reqId: request.id, method: request.method, params: request.params, error }, started);
    }
  }

  reject(connection: Connection<Session>, frame: RejectedFrame): void {
    this.#fail(connection, frame, null);
  }

  #fail(connection: Connection<Session>, frame: RejectedFrame, started: number | null): void {
    try {
      connection.respond(encodeError(frame.reqId, frame.error.toWire()));
      const seconds = started === null ? null : (performance.now() - started) / 1000;
      this.#metrics.recordRequest(frame.method ?? NO_METHOD, frame.error.code, seconds);
      // Before login a client is nobody yet: its first failure is logged, a flood of them only counted.
      if (connection.session || connection.logsPreLoginFailure()) logRequestFailure(this.#services.logger, logFields(connection, frame), frame.error);
    } catch (err) {
      this.#services.logger.error({ conn: connection.id, err }, 'answering an error failed');
    }
  }
}

/** Who asked: the session when logged in, else what the request itself claims (a failed login's identifier). */
function logFields(connection: Connection<Session>, frame: RejectedFrame): RequestLogFields {
  const session = connection.session;
  const params = (typeof frame.params === 'object' && frame.params !== null ? frame.params : {}) as Record<string, unknown>;
  return {
    conn: connection.id,
    reqId: frame.reqId,
    method: frame.method,
    identifier: session?.identifier ?? (typeof params.identifier === 'string' ? params.identifier : null),
    tinyId: session?.tinyId ?? null,
    roomId: session?.member?.room.roomId ?? (typeof params.roomId === 'number' ? params.roomId : null),
  };
}
