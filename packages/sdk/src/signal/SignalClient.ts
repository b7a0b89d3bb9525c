import {
  encodeAck,
  encodeRequest,
  parseEvent,
  parseResult,
  parseServerMessage,
  ErrorCode,
  type AVError,
  type Lang,
  type MethodName,
  type ParamsOf,
  type ResultOf,
  type ServerEventData,
  type ServerEventName,
} from '@hudong/protocol';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { avError, connectionLostError, fromWire, timeoutError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { openWebSocket, WS_OPEN, type WebSocketLike } from './websocket.js';

/** A validated server event, discriminated by its name. */
export type ServerEventMessage = { [E in ServerEventName]: { event: E; data: ServerEventData<E> } }[ServerEventName];

export interface SignalCloseInfo {
  /** True when `close()` ended it; otherwise the connection was lost. */
  deliberate: boolean;
  /** WebSocket close code, or 0 when we gave up on a silent connection. */
  code: number;
  reason: string;
}

export type SignalClientEvents = {
  /** The connection ended (once). Pending requests were rejected just before. */
  close: [info: SignalCloseInfo];
  /** A server event, validated. An `ackId` it carries is acknowledged right after this returns. */
  event: [message: ServerEventMessage];
};

export interface SignalClientOptions {
  lang: Lang;
  logger: Logger;
  onListenerError?: (error: unknown, event: string) => void;
}

interface Pending {
  method: MethodName;
  resolve(result: unknown): void;
  reject(err: AVError): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One WebSocket to the server and nothing above it: request/response matching with per-connection
 * ids, result validation, event acks and the heartbeat. It knows no session, room or reconnect.
 */
export class SignalClient extends TypedEmitter<SignalClientEvents> {
  #ws: WebSocketLike;
  #opts: SignalClientOptions;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #closed = false;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #lastSeen = Date.now();

  /** Opens a connection; see `openWebSocket` for how that fails. */
  static async connect(
    url: string,
    timeoutMs: number,
    onTimeout: () => AVError,
    opts: SignalClientOptions,
    abort?: AbortSignal,
  ): Promise<SignalClient> {
    const ws = await openWebSocket(url, timeoutMs, onTimeout, opts.lang, abort);
    return new SignalClient(ws, opts);
  }

  private constructor(ws: WebSocketLike, opts: SignalClientOptions) {
    super(opts.onListenerError);
    this.#ws = ws;
    this.#opts = opts;
    ws.onmessage = (ev) => this.#onMessage(ev.data);
    ws.onclose = (ev) => this.#shutdown({ deliberate: false, code: ev.code, reason: ev.reason });
    ws.onerror = () => {}; // a close event follows; the error itself says nothing more useful
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends `method` and resolves with its validated result. Rejects with the server's AVError
   * unchanged, `onTimeout()` (default 1005 naming the method) or 1 `CONNECTION_LOST`.
   */
  request<M extends MethodName>(method: M, params: ParamsOf<M>, timeoutMs: number, onTimeout?: () => AVError): Promise<ResultOf<M>> {
    const { lang } = this.#opts;
    if (this.#closed) return Promise.reject(connectionLostError(method, lang));
    const id = this.#nextId++;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.#pending.delete(id);
          reject(onTimeout ? onTimeout() : timeoutError(method, timeoutMs, lang));
        },
        Math.max(0, timeoutMs),
      );
      this.#pending.set(id, { method, resolve: resolve as (r: unknown) => void, reject, timer });
      try {
        this.#ws.send(encodeRequest(id, method, params));
      } catch (err) {
        this.#pending.delete(id);
        clearTimeout(timer);
        reject(connectionLostError(method, lang));
        this.#opts.logger.debug({ method, err }, 'send failed');
      }
    });
  }

  /** Pings every `intervalMs`; a server silent for two intervals counts as a lost connection. */
  startHeartbeat(intervalMs: number): void {
    clearInterval(this.#heartbeat);
    this.#lastSeen = Date.now();
    this.#heartbeat = setInterval(() => {
      if (this.#closed) return;
      const silentMs = Date.now() - this.#lastSeen;
      if (silentMs > 2 * intervalMs) {
        this.#opts.logger.info({ silentMs, intervalMs }, 'heartbeat missed twice; connection lost');
        this.#shutdown({ deliberate: false, code: 0, reason: 'HEARTBEAT_TIMEOUT' });
        return;
      }
      // Only the arrival matters (any frame refreshes #lastSeen); the result itself is not needed.
      this.request('ping', {}, 2 * intervalMs).catch(() => {});
    }, intervalMs);
  }

  /** Closes deliberately; pending requests reject with CONNECTION_LOST. Idempotent. */
  close(): void {
    this.#shutdown({ deliberate: true, code: 1000, reason: 'client closed' });
  }

  #shutdown(info: SignalCloseInfo): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    const ws = this.#ws;
    ws.onmessage = ws.onclose = null;
    try {
      if (info.deliberate) ws.close(1000, 'client closed');
      else if (ws.terminate) ws.terminate();
      else if (ws.readyState === WS_OPEN) ws.close(4000, info.reason.slice(0, 100));
    } catch {
      /* already closing */
    }
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(connectionLostError(p.method, this.#opts.lang));
    }
    this.emit('close', info);
  }

  #onMessage(raw: unknown): void {
    this.#lastSeen = Date.now();
    const { logger, lang } = this.#opts;
    if (typeof raw !== 'string') {
      logger.warn({ type: typeof raw }, 'ignored a non-text frame');
      return;
    }
    let msg;
    try {
      msg = parseServerMessage(raw);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'ignored an unreadable server frame');
      return;
    }
    if (msg.type === 'event') {
      this.#onEvent(msg.event, msg.data);
      return;
    }
    if (msg.id === null) {
      // The server could not tell which request it answers; nothing to settle.
      if (!msg.ok) logger.warn({ error: msg.error }, 'server rejected an unreadable frame');
      return;
    }
    const pending = this.#pending.get(msg.id);
    if (!pending) return; // timed out earlier: the late answer has no one to go to
    this.#pending.delete(msg.id);
    clearTimeout(pending.timer);
    if (!msg.ok) {
      pending.reject(fromWire(msg.error, lang));
      return;
    }
    try {
      pending.resolve(parseResult(pending.method, msg.result));
    } catch (err) {
      pending.reject(avError(ErrorCode.AV_ERR_FAILED, 'BAD_RESULT', (err as Error).message, lang));
    }
  }

  #onEvent(name: string, data: unknown): void {
    let parsed;
    try {
      parsed = parseEvent(name, data);
    } catch (err) {
      this.#opts.logger.warn({ event: name, err: (err as Error).message }, 'ignored an invalid server event');
      return;
    }
    this.emit('event', parsed as ServerEventMessage);
    const ackId = (parsed.data as { ackId?: number }).ackId;
    if (typeof ackId === 'number' && !this.#closed) {
      try {
        this.#ws.send(encodeAck(ackId));
      } catch {
        /* the connection is going; the sender will time out */
      }
    }
  }
}
