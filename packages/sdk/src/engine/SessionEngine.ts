import {
  ErrorCode,
  PROTOCOL_VERSION,
  type AVError,
  type Lang,
  type MethodName,
  type ParamsOf,
  type ResultOf,
  type RoomSnapshot,
} from '@hudong/protocol';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { avError, fromWire, isConnectionLost, timeoutError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { cancellableSleep, deferred, withTimeout, type Deferred } from '../util/timers.js';
import { SignalClient, type ServerEventMessage, type SignalCloseInfo } from '../signal/SignalClient.js';
import { RoomMembership, type EnterParams } from './RoomMembership.js';
import { BACKOFF_INITIAL_MS, nextBackoff } from './backoff.js';
import { ServerList } from './ServerList.js';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';
export type LoginResult = ResultOf<'login'>;

export type SessionEngineEvents = {
  /** The connection state changed. */
  connectionState: [state: ConnectionState];
  /** A server event for the model (room.endpoints, room.message, room.privilege, invite.*). */
  serverEvent: [message: ServerEventMessage];
  /** After a reconnect the room continues; diff this snapshot against the known members. */
  roomRestored: [snapshot: RoomSnapshot];
  /** The room could not be kept: re-entering failed or the server removed us. The session goes on. */
  roomLost: [reason: AVError];
  /** The session is over (replaced, reconnect timed out, login refused): no more reconnects. */
  ended: [reason: AVError];
};

export interface SessionEngineOptions {
  /** The nodes to use, in order (ServerList). */
  serverUrls: readonly string[];
  sdkAppId: number;
  terminal: string;
  lang: Lang;
  logger: Logger;
  reconnectTimeoutMs: number;
  onListenerError?: (error: unknown, event: string) => void;
}

export interface RequestOptions {
  timeoutMs: number;
  /** The public operation, for the 1005 message (`<op> got no answer within N ms`). */
  op: string;
  /** Idempotent requests are sent again after a reconnect when the connection dropped under them. */
  retry?: boolean;
}

/** Server codes that make retrying a login pointless: the answer would not change. */
const FATAL_LOGIN_CODES: ReadonlySet<number> = new Set([
  ErrorCode.AV_ERR_SERVER_INVALID_ARGUMENT,
  ErrorCode.AV_ERR_SERVER_NO_PERMISSION,
  ErrorCode.AV_ERR_SERVER_INVALID_ABILITY,
]);
/** One reconnect attempt (connect + login + restore) never waits longer than this. */
const ATTEMPT_CAP_MS = 10_000;

/**
 * The session: connect and login, requests that wait through reconnects, the heartbeat-driven
 * reconnect with resume or re-enter, and the end of the session. Reports upward through events only.
 */
export class SessionEngine extends TypedEmitter<SessionEngineEvents> {
  #opts: SessionEngineOptions;
  #state: ConnectionState = 'idle';
  #signal: SignalClient | null = null;
  #identity: { identifier: string; userSig: string } | null = null;
  #login: LoginResult | null = null;
  #connectedWaiters = new Set<Deferred<SignalClient>>();
  /** Stops a reconnect loop at once: wakes its backoff sleep, aborts its connect, closes its socket. */
  #reconnectAbort: AbortController | null = null;
  #attempt: SignalClient | null = null;
  #room: RoomMembership;
  readonly #servers: ServerList;

  constructor(opts: SessionEngineOptions) {
    super(opts.onListenerError);
    this.#opts = opts;
    this.#servers = new ServerList(opts.serverUrls);
    this.#room = new RoomMembership({
      lang: opts.lang,
      logger: opts.logger,
      connected: () => (this.#state === 'connected' ? this.#signal : null),
      whenConnected: (ms, onTimeout) => this.#whenConnected(ms, onTimeout),
      sendExit: (ms) => this.#sendExit(ms),
      restored: (snap) => this.emit('roomRestored', snap),
      lost: (err) => this.emit('roomLost', err),
    });
  }

  get state(): ConnectionState {
    return this.#state;
  }
  get tinyId(): string | null {
    return this.#login?.tinyId ?? null;
  }

  /** Connects and logs in; no reconnects until this succeeded. Rejects 1 (socket), 1005 or the server's error. */
  async start(identity: { identifier: string; userSig: string }, timeoutMs: number): Promise<LoginResult> {
    this.#identity = { ...identity };
    this.#setState('connecting');
    const onTimeout = () => timeoutError('start', timeoutMs, this.#opts.lang);
    const deadline = Date.now() + timeoutMs;
    let signal: SignalClient | null = null;
    try {
      signal = await this.#connectFirst(deadline, onTimeout);
      const release = this.#listen(signal);
      if (this.#state !== 'connecting') throw avError(ErrorCode.AV_ERR_FAILED, 'STOPPED', 'stopped while starting', this.#opts.lang);
      const login = await signal.request('login', this.#loginParams(undefined), deadline - Date.now(), onTimeout);
      if (this.#state !== 'connecting') throw avError(ErrorCode.AV_ERR_FAILED, 'STOPPED', 'stopped while starting', this.#opts.lang);
      this.#attach(signal, login);
      this.#setState('connected');
      release();
      return login;
    } catch (err) {
      signal?.close();
      if (this.#state === 'connecting') this.#setState('closed');
      throw err;
    }
  }

  /**
   * The first node of the list that accepts a connection, each given an equal share of the time left
   * (one that hangs must not eat the others' turn); rejects with the last one's error.
   */
  async #connectFirst(deadline: number, onTimeout: () => AVError): Promise<SignalClient> {
    for (let left = this.#servers.size; ; left--) {
      const url = this.#servers.current;
      try {
        return await SignalClient.connect(url, Math.max(1, (deadline - Date.now()) / left), onTimeout, this.#signalOptions());
      } catch (err) {
        if (left === 1 || Date.now() >= deadline) throw err;
        this.#opts.logger.info({ url, code: (err as AVError).code }, 'server unreachable; trying the next one');
        this.#servers.failed();
      }
    }
  }

  /** Sends a request; while reconnecting it waits (within `timeoutMs`) for the connection. */
  async request<M extends MethodName>(method: M, params: ParamsOf<M>, opts: RequestOptions): Promise<ResultOf<M>> {
    const deadline = Date.now() + opts.timeoutMs;
    const onTimeout = () => timeoutError(opts.op, opts.timeoutMs, this.#opts.lang);
    for (;;) {
      const signal = await this.#whenConnected(deadline - Date.now(), onTimeout);
      try {
        return await signal.request(method, params, deadline - Date.now(), onTimeout);
      } catch (err) {
        if (!(opts.retry && isConnectionLost(err) && this.#state !== 'closed')) throw err;
      }
    }
  }

  /** Enters a room and remembers it for reconnects. */
  enterRoom(params: EnterParams, timeoutMs: number): Promise<RoomSnapshot> {
    return this.#room.enter(params, timeoutMs);
  }

  /** Leaves the room entered (an enter still running goes on). Never rejects. */
  exitRoom(timeoutMs: number): Promise<void> {
    return this.#room.exit(timeoutMs);
  }

  /** Logs out (best effort, within `timeoutMs`) and closes. Idempotent; never rejects. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'idle') return;
    const signal = this.#state === 'connected' ? this.#signal : null;
    const stopped = avError(ErrorCode.AV_ERR_FAILED, 'STOPPED', 'the context was stopped', this.#opts.lang);
    this.#finish(stopped);
    if (signal) await signal.request('logout', {}, timeoutMs).catch(() => {});
    signal?.close();
  }

  #signalOptions() {
    return { lang: this.#opts.lang, logger: this.#opts.logger, onListenerError: this.#opts.onListenerError };
  }

  #loginParams(resumeToken: string | undefined): ParamsOf<'login'> {
    const { identifier, userSig } = this.#identity!;
    return {
      protocolVersion: PROTOCOL_VERSION,
      sdkAppId: this.#opts.sdkAppId,
      identifier,
      userSig,
      terminal: this.#opts.terminal,
      ...(resumeToken ? { resumeToken } : {}),
    };
  }

  /**
   * Listens from the moment the socket is open, but holds the events until `release()`: an event
   * read in the same turn as the login or re-enter answer (one TCP chunk) would otherwise run before
   * that answer's continuation, and a re-enter's snapshot would then undo it (a member who entered
   * just after us would be dropped again). Events of a connection never released are dropped with it.
   */
  #listen(signal: SignalClient): () => void {
    let held: ServerEventMessage[] | null = [];
    signal.on('event', (msg) => (held ? held.push(msg) : this.#onServerEvent(msg)));
    return () => {
      const due = held ?? [];
      held = null;
      for (const msg of due) this.#onServerEvent(msg);
    };
  }

  #attach(signal: SignalClient, login: LoginResult): void {
    this.#signal = signal;
    this.#login = login;
    signal.on('close', (info) => this.#onClose(signal, info));
    signal.startHeartbeat(login.heartbeatIntervalMs);
  }

  #onServerEvent(msg: ServerEventMessage): void {
    const { lang } = this.#opts;
    if (msg.event === 'session.replaced') {
      this.#end(fromWire(msg.data.error, lang));
      return;
    }
    if (msg.event === 'room.removed') {
      this.#room.removed(msg.data.roomId, fromWire(msg.data.error, lang));
      return;
    }
    this.emit('serverEvent', msg);
  }

  #onClose(signal: SignalClient, info: SignalCloseInfo): void {
    if (signal !== this.#signal || info.deliberate || this.#state === 'closed') return;
    this.#signal = null;
    // `closeCode`, not `code`: log readers take `code` for an AVSDK error code.
    this.#opts.logger.info({ closeCode: info.code, reason: info.reason }, 'connection lost');
    // Lost again while a reconnect is restoring the room: that loop sees it and tries again.
    if (this.#state === 'connected') void this.#reconnect();
  }

  async #reconnect(): Promise<void> {
    const { reconnectTimeoutMs, logger, lang } = this.#opts;
    this.#setState('reconnecting');
    const abort = new AbortController();
    this.#reconnectAbort = abort;
    const lostAt = Date.now();
    let delay = BACKOFF_INITIAL_MS;
    for (let attempt = 1; this.#state === 'reconnecting'; attempt++) {
      const remaining = reconnectTimeoutMs - (Date.now() - lostAt);
      if (remaining <= 0) break;
      const budget = Math.min(remaining, ATTEMPT_CAP_MS);
      const onTimeout = () => timeoutError('reconnect', budget, lang);
      let signal: SignalClient | null = null;
      try {
        signal = await SignalClient.connect(this.#servers.current, budget, onTimeout, this.#signalOptions(), abort.signal);
        this.#attempt = signal;
        const release = this.#listen(signal);
        const login = await signal.request('login', this.#loginParams(this.#login?.sessionToken), budget, onTimeout);
        if (this.#state !== 'reconnecting') {
          signal.close();
          return;
        }
        this.#attach(signal, login);
        logger.info({ attempt, resumed: login.resumed, roomId: login.room?.roomId ?? null }, 'logged in again');
        await this.#room.restore(login, signal, budget);
        if (this.#state !== 'reconnecting' || signal.closed)
          throw avError(ErrorCode.AV_ERR_FAILED, 'CONNECTION_LOST', 'lost again while restoring', lang);
        this.#attempt = null;
        this.#setState('connected');
        release();
        return;
      } catch (err) {
        this.#attempt = null;
        if (this.#signal === signal) this.#signal = null;
        signal?.close();
        const e = err as AVError;
        if (this.#state !== 'reconnecting') return;
        this.#servers.failed();
        if (FATAL_LOGIN_CODES.has(e.code)) {
          this.#end(e);
          return;
        }
        logger.debug({ attempt, code: e.code, detail: e.detail, next: this.#servers.current }, 'reconnect attempt failed');
      }
      const left = reconnectTimeoutMs - (Date.now() - lostAt);
      if (left <= 0) break;
      const sleep = cancellableSleep(Math.min(delay, left));
      abort.signal.addEventListener('abort', sleep.cancel, { once: true });
      await sleep.done;
      abort.signal.removeEventListener('abort', sleep.cancel);
      delay = nextBackoff(delay);
    }
    if (this.#state !== 'reconnecting') return;
    this.#end(avError(ErrorCode.AV_ERR_TIMEOUT, 'RECONNECT_TIMEOUT', `lost the server for ${reconnectTimeoutMs} ms`, lang));
  }

  /** The session ended by itself: tell the model once. */
  #end(reason: AVError): void {
    if (this.#state === 'closed') return;
    this.#opts.logger.warn({ code: reason.code, codeName: reason.codeName, detail: reason.detail }, 'session ended');
    const signal = this.#signal;
    this.#finish(reason);
    signal?.close();
    this.emit('ended', reason);
  }

  /** Common teardown of stop and end: no reconnects, no waiters, no room to restore. */
  #finish(reason: AVError): void {
    this.#signal = null;
    this.#setState('closed');
    this.#reconnectAbort?.abort(reason);
    this.#reconnectAbort = null;
    this.#attempt?.close();
    this.#attempt = null;
    this.#room.clear(reason);
    for (const w of this.#connectedWaiters) w.reject(reason);
    this.#connectedWaiters.clear();
  }

  #whenConnected(timeoutMs: number, onTimeout: () => AVError): Promise<SignalClient> {
    if (this.#state === 'connected' && this.#signal) return Promise.resolve(this.#signal);
    if (this.#state !== 'reconnecting') {
      return Promise.reject(avError(ErrorCode.AV_ERR_FAILED, 'NOT_CONNECTED', 'the session is not connected', this.#opts.lang));
    }
    const waiter = deferred<SignalClient>();
    this.#connectedWaiters.add(waiter);
    return withTimeout(waiter.promise, timeoutMs, onTimeout).finally(() => this.#connectedWaiters.delete(waiter));
  }

  /** room.exit where "not in the room" (10006) counts as done; other failures are logged, not thrown. */
  async #sendExit(timeoutMs: number): Promise<void> {
    try {
      await this.request('room.exit', {}, { timeoutMs, op: 'exitRoom', retry: true });
    } catch (err) {
      const e = err as AVError;
      if (e.code === ErrorCode.AV_ERR_SERVER_ID_NOT_IN_ROOM) return;
      this.#opts.logger.warn({ code: e.code, codeName: e.codeName, detail: e.detail }, 'the server did not confirm room.exit');
    }
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    const from = this.#state;
    this.#state = state;
    this.#opts.logger.info({ from, to: state }, 'connection state');
    if (state === 'connected') {
      for (const w of this.#connectedWaiters) w.resolve(this.#signal!);
      this.#connectedWaiters.clear();
    }
    this.emit('connectionState', state);
  }
}
