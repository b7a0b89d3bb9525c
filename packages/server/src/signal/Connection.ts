import { WebSocket, type RawData } from 'ws';
import { parseClientMessage, parseParams, WireParseError, type ClientMessage, type MethodName, type ParsedParamsOf } from '@hudong/protocol';
import { ServerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { SafeEmitter } from '../util/SafeEmitter.js';
import { CloseCode } from './CloseCode.js';
import { LogThrottle } from './LogThrottle.js';
import { Outbox, type Frame } from './Outbox.js';
import { RateLimiter } from './RateLimiter.js';

/** A request whose envelope and params passed their schemas. */
export type ParsedRequest = { [M in MethodName]: { id: number; method: M; params: ParsedParamsOf<M> } }[MethodName];

/** A frame answered with an error before any handler ran. */
export interface RejectedFrame {
  reqId: number | null;
  method: MethodName | null;
  /** The raw params, for the log (a failed login still names its identifier). */
  params?: unknown;
  error: ServerError;
}

/** What a connection needs of the session logged in on it. */
export interface LinkedSession {
  readonly ended: boolean;
  acknowledge(ackId: number): void;
  transportLost(transport: Connection<LinkedSession>): void;
}

/** Runs requests and answers rejections (the handler layer, injected so this layer stays wire-only). */
export interface RequestSink<S extends LinkedSession> {
  /** Answers the request; never rejects. */
  handle(connection: Connection<S>, request: ParsedRequest): Promise<void>;
  reject(connection: Connection<S>, frame: RejectedFrame): void;
}

export interface ConnectionLimits {
  ratePerSecond: number;
  rateBurst: number;
  maxBadFrames: number;
  heartbeatIntervalMs: number;
  /** Bytes that may wait to be written (our outbox plus the socket's buffer) before the client counts as a slow consumer. */
  maxSendQueueBytes: number;
  /** How long the connection may stay without a login (from its opening or its logout) before it is closed with 4003. */
  loginTimeoutMs: number;
}

export interface ConnectionEvents {
  /** Closed, by either side; fired once, as soon as it is known. */
  close: [code: number, reason: string];
  /** Closed with SLOW_CONSUMER (before `close`): `queuedBytes` waited to be written. */
  slowConsumer: [queuedBytes: number];
}

/** Frames over the rate limit tolerated before closing (docs/protocol.md "Limits"). */
const RATE_LIMIT_CLOSE_AFTER = 200;
/** Silence, in heartbeat intervals, after which a client is taken for gone. */
const SILENT_INTERVALS = 3;
/** How often the failures answered before login that were not logged in full are reported as a count. */
const PRE_LOGIN_LOG_INTERVAL_MS = 10_000;

let nextConnectionId = 1;

/**
 * One client WebSocket: frame limits (rate, malformed frames, silence), envelope and params
 * validation, in-flight request ids, and the session logged in on it. `ws` itself enforces
 * `maxPayload` (close 1009). No socket callback lets an exception escape.
 */
export class Connection<S extends LinkedSession = LinkedSession> extends SafeEmitter<ConnectionEvents> {
  readonly id = nextConnectionId++;
  readonly #ws: WebSocket;
  readonly #sink: RequestSink<S>;
  readonly #logger: Logger;
  readonly #limits: ConnectionLimits;
  readonly #rate: RateLimiter;
  readonly #inFlight = new Set<number>();
  readonly #heartbeat: NodeJS.Timeout;
  /** Armed while no session is logged in: pings keep a socket alive, not a socket that never logs in. */
  #loginDeadline: NodeJS.Timeout | undefined;
  readonly #preLoginLog = new LogThrottle(PRE_LOGIN_LOG_INTERVAL_MS);
  readonly #socketClosed: Promise<void>;
  readonly #outbox = new Outbox((frame) => this.#guard(() => this.#write(frame)));
  #badFrames = 0;
  #session: S | null = null;
  #closed = false;

  constructor(ws: WebSocket, options: { sink: RequestSink<S>; logger: Logger; limits: ConnectionLimits }) {
    super();
    this.#ws = ws;
    this.#sink = options.sink;
    this.#logger = options.logger;
    this.#limits = { ...options.limits };
    this.#rate = new RateLimiter({ ratePerSecond: this.#limits.ratePerSecond, burst: this.#limits.rateBurst, closeAfter: RATE_LIMIT_CLOSE_AFTER });
    const silenceMs = SILENT_INTERVALS * this.#limits.heartbeatIntervalMs;
    this.#heartbeat = setTimeout(() => this.close(CloseCode.HEARTBEAT_TIMEOUT, `nothing received for ${silenceMs} ms`), silenceMs);
    this.#armLoginDeadline();
    this.#socketClosed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data, isBinary) => this.#guard(() => this.#onFrame(data, isBinary)));
    ws.on('error', (err) => this.#logger.debug({ conn: this.id, err: err.message }, 'websocket error'));
    ws.on('close', (code, reason) => this.#guard(() => this.#markClosed(code, reason.toString())));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The session logged in here; null before login, after logout, and once it ended elsewhere. */
  get session(): S | null {
    return this.#session && !this.#session.ended ? this.#session : null;
  }

  set session(session: S | null) {
    this.#session = session;
    if (session) {
      clearTimeout(this.#loginDeadline);
      this.#loginDeadline = undefined;
    } else {
      this.#armLoginDeadline();
    }
  }

  /**
   * Whether a failure answered while no session is logged in deserves a full log line: the first of
   * the connection does, the later ones are counted and reported every 10 s (and at close).
   */
  logsPreLoginFailure(): boolean {
    const now = Date.now();
    const full = this.#preLoginLog.admit(now);
    this.#reportPreLoginFailures(this.#preLoginLog.due(now));
    return full;
  }

  /** Resolves when the socket is really closed (after the closing handshake or terminate). */
  get socketClosed(): Promise<void> {
    return this.#socketClosed;
  }

  /** An event: written at the end of this event-loop round, after the answers to the requests read in it (see Outbox). */
  send(frame: Frame): void {
    if (this.#closed) return;
    this.#outbox.push(frame);
    this.#checkBacklog();
  }

  /** A response: written now, after the events queued on this connection before it. */
  respond(text: string): void {
    if (this.#closed) return;
    this.#outbox.flush();
    this.#write(text);
  }

  /** Starts the closing handshake (after the queued events); the connection counts as closed from now on. Idempotent. */
  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#outbox.flush();
    // The flush may have found a slow consumer and closed it.
    if (!this.#closed) this.#closeSocket(code, reason);
  }

  #closeSocket(code: number, reason: string): void {
    try {
      this.#ws.close(code, reason);
    } catch (err) {
      this.#logger.debug({ conn: this.id, err: (err as Error).message }, 'websocket close failed');
      this.#ws.terminate();
    }
    this.#markClosed(code, reason);
  }

  /** Drops the socket without a handshake (shutdown of peers that do not answer the close). */
  terminate(): void {
    this.#ws.terminate();
  }

  #markClosed(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#outbox.drop();
    clearTimeout(this.#heartbeat);
    clearTimeout(this.#loginDeadline);
    this.#reportPreLoginFailures(this.#preLoginLog.drain(Date.now()));
    this.#session?.transportLost(this as Connection<LinkedSession>);
    this.safeEmit('close', code, reason);
  }

  #armLoginDeadline(): void {
    if (this.#closed || this.#loginDeadline) return;
    const { loginTimeoutMs } = this.#limits;
    this.#loginDeadline = setTimeout(() => this.close(CloseCode.LOGIN_TIMEOUT, `no login within ${loginTimeoutMs} ms`), loginTimeoutMs);
  }

  #reportPreLoginFailures(count: number): void {
    if (count > 0) this.#logger.warn({ conn: this.id, count }, 'more failures before login (not logged one by one)');
  }

  #write(frame: Frame): void {
    if (this.#closed || this.#ws.readyState !== WebSocket.OPEN) return;
    // A Buffer is the UTF-8 of an encoded event: a text frame, not binary.
    this.#ws.send(frame, { binary: false });
    this.#checkBacklog();
  }

  /**
   * Nothing else bounds what a client that stops reading costs us: every event for it would wait in
   * the socket's buffer. Past the cap its queue is dropped and the close frame goes after what is
   * buffered already (ws destroys the socket if the closing handshake does not finish).
   */
  #checkBacklog(): void {
    const queued = this.#outbox.bytes + this.#ws.bufferedAmount;
    if (queued <= this.#limits.maxSendQueueBytes || this.#closed) return;
    this.#outbox.drop();
    this.#logger.warn({ conn: this.id, queuedBytes: queued, maxSendQueueBytes: this.#limits.maxSendQueueBytes }, 'slow consumer closed');
    this.safeEmit('slowConsumer', queued);
    this.#closeSocket(CloseCode.SLOW_CONSUMER, `more than ${this.#limits.maxSendQueueBytes} bytes waited to be sent`);
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      // A bug of ours must cost this client its connection, never the process.
      this.#logger.error({ conn: this.id, err }, 'connection callback threw');
      this.close(CloseCode.INTERNAL_ERROR, 'internal error');
    }
  }

  #onFrame(data: RawData, isBinary: boolean): void {
    if (this.#closed) return;
    this.#heartbeat.refresh();
    const verdict = this.#rate.admit();
    if (verdict === 'close') return this.close(CloseCode.RATE_LIMITED, 'stayed over the rate limit');
    if (isBinary) {
      if (verdict === 'limited') return this.#rateLimited(null, null);
      return this.#badFrame({
        reqId: null,
        method: null,
        error: new ServerError('NOT_JSON', 'binary frames are not accepted; send JSON text frames'),
      });
    }
    const text = rawText(data);
    let message: ClientMessage;
    try {
      message = parseClientMessage(text);
    } catch (err) {
      const reqId = err instanceof WireParseError ? err.requestId : null;
      const error = ServerError.from(err);
      if (verdict === 'limited') return this.#rateLimited(reqId, null);
      if (error.detail.code === 'UNKNOWN_METHOD') return this.#sink.reject(this, { reqId, method: null, error });
      return this.#badFrame({ reqId, method: null, error });
    }
    // An ack over the limit is dropped unanswered: acks get no responses.
    if (verdict === 'limited') return message.type === 'request' ? this.#rateLimited(message.id, message.method) : undefined;
    if (message.type === 'ack') return this.session?.acknowledge(message.id);
    const { id, method } = message;
    if (this.#inFlight.has(id)) {
      return this.#sink.reject(this, {
        reqId: id,
        method,
        error: new ServerError('DUPLICATE_REQUEST_ID', `request id ${id} is still in flight on this connection`),
      });
    }
    if (!this.session && method !== 'login' && method !== 'ping') {
      return this.#sink.reject(this, {
        reqId: id,
        method,
        params: message.params,
        error: new ServerError('NOT_LOGGED_IN', `${method} needs a login first`),
      });
    }
    let request: ParsedRequest;
    try {
      request = { id, method, params: parseParams(method, message.params, id) } as ParsedRequest;
    } catch (err) {
      return this.#badFrame({ reqId: id, method, params: message.params, error: ServerError.from(err) });
    }
    this.#inFlight.add(id);
    this.#sink
      .handle(this, request)
      .catch((err: unknown) => this.#logger.error({ conn: this.id, reqId: id, method, err }, 'request handling failed'))
      .finally(() => this.#inFlight.delete(id));
  }

  #rateLimited(reqId: number | null, method: MethodName | null): void {
    const error = new ServerError('RATE_LIMITED', `more than ${this.#limits.ratePerSecond} frames/s (burst ${this.#limits.rateBurst}); slow down`);
    this.#sink.reject(this, { reqId, method, error });
  }

  #badFrame(frame: RejectedFrame): void {
    this.#sink.reject(this, frame);
    if (++this.#badFrames >= this.#limits.maxBadFrames) {
      this.close(CloseCode.TOO_MANY_BAD_FRAMES, `${this.#badFrames} malformed frames`);
    }
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
