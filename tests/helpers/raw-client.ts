import WebSocket from 'ws';
import {
  PROTOCOL_VERSION,
  encodeAck,
  isMethodName,
  parseEvent,
  parseResult,
  parseServerMessage,
  type MethodName,
  type ParamsOf,
  type ResultOf,
  type ServerEventData,
  type ServerEventName,
  type WireError,
} from '@hudong/protocol';
import { TEST_APP_ID, userSigFor } from './server.js';

/**
 * A response the server sent, as it arrived: `result` (of type R) when `ok`, `error` when not. Both
 * are declared so that a test reads the one it asserts on without narrowing first; reading the absent
 * one throws, which fails the test as a wrong assertion would. The result of a request this client
 * sent under a method name was checked against that method's schema (see RawClient).
 */
export interface ResponseFrame<R = unknown> {
  type: 'response';
  id: number | null;
  ok: boolean;
  result: R;
  error: WireError;
  event?: undefined;
  data?: undefined;
}

/** Each event as it arrived: `event` tells the type of `data`, which was checked against the event's schema (see RawClient). */
type AnyEventFrame = {
  [N in ServerEventName]: {
    type: 'event';
    event: N;
    data: ServerEventData<N>;
    id?: undefined;
    ok?: undefined;
    result?: undefined;
    error?: undefined;
  };
}[ServerEventName];

/** A frame the server sent: `f.type`, `f.event === name` or `f.ok` tell which. */
export type Frame = ResponseFrame | AnyEventFrame;

/** The frame of an event `E`. */
export type EventFrame<E extends ServerEventName = ServerEventName> = Extract<AnyEventFrame, { event: E }>;

export interface RawClientOptions {
  /** Acknowledge every event that carries an `ackId` (one-to-one room messages) at once. @default false */
  autoAck?: boolean;
  /** Send `ping` this often, as the SDK does, so that a long-lived client outlives the heartbeat timeout. @default never */
  keepAliveMs?: number;
  /** How long a wait (a response, an event) lasts when the call gives no time of its own. @default 10000 */
  waitMs?: number;
  /** Options of the `ws` socket: an `origin` header, a `localAddress` to connect from. @default none */
  socket?: WebSocket.ClientOptions;
}

/** The `login` params of the test credentials for `identifier`; `extra` overrides or adds (resumeToken, a bad sig …). */
export function loginParams(identifier: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { protocolVersion: PROTOCOL_VERSION, sdkAppId: TEST_APP_ID, identifier, userSig: userSigFor(identifier), terminal: 'test', ...extra };
}

/**
 * The wire protocol by hand, below the SDK: for what the SDK would never send (garbage, unknown
 * methods, reused ids, requests out of order, missing acks) and for load clients. Every frame the
 * server sends is kept in `frames` and checked against @hudong/protocol (envelope, event data, the
 * result of each request it sent); a frame that breaks the protocol fails every wait from then on.
 */
export class RawClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #ws: WebSocket;
  readonly #autoAck: boolean;
  readonly #waitMs: number;
  /** Indexes of frames a wait already returned: each is returned once. */
  readonly #taken = new Set<number>();
  /** Methods of requests in flight, by id: their results are checked against the method's schema. */
  readonly #methods = new Map<number, MethodName>();
  #wake: (() => void)[] = [];
  readonly #eventListeners = new Map<string, ((data: unknown) => void)[]>();
  #nextId = 1;
  #violation: Error | undefined;
  #isClosed = false;
  #keepAlive: NodeJS.Timeout | undefined;

  private constructor(ws: WebSocket, options: RawClientOptions) {
    this.#ws = ws;
    this.#autoAck = options.autoAck ?? false;
    this.#waitMs = options.waitMs ?? 10_000;
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.#isClosed = true;
        clearInterval(this.#keepAlive);
        this.#wakeAll();
        resolve({ code, reason: String(reason) });
      }),
    );
    ws.on('error', () => {});
    ws.on('message', (data) => this.#receive(String(data)));
    if (options.keepAliveMs) this.#keepAlive = setInterval(() => this.isOpen && this.sendRequest('ping'), options.keepAliveMs).unref();
  }

  static connect(url: string, options: RawClientOptions = {}): Promise<RawClient> {
    const ws = new WebSocket(url, options.socket);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RawClient(ws, options)));
      ws.once('error', reject);
    });
  }

  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }
  get events(): EventFrame[] {
    return this.frames.filter((f) => f.type === 'event');
  }
  get responses(): ResponseFrame[] {
    return this.frames.filter((f) => f.type === 'response');
  }

  /** Sends anything: a string or Buffer as it is, anything else as JSON. */
  send(frame: unknown): void {
    this.#ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /** Sends a request without waiting; returns its id (the next one, unless given). */
  sendRequest(method: string, params: unknown = {}, id = this.#nextId++): number {
    // An id sent twice while in flight: its responses cannot be told apart, so neither result is checked.
    if (this.#methods.has(id)) this.#methods.delete(id);
    else if (isMethodName(method)) this.#methods.set(id, method);
    this.send({ type: 'request', id, method, params });
    return id;
  }

  /** Sends a request and resolves with its response frame, whether ok or not. */
  request<M extends MethodName>(method: M, params?: unknown, timeoutMs?: number): Promise<ResponseFrame<ResultOf<M>>>;
  request(method: string, params?: unknown, timeoutMs?: number): Promise<ResponseFrame>;
  request(method: string, params: unknown = {}, timeoutMs = this.#waitMs): Promise<ResponseFrame> {
    return this.response(this.sendRequest(method, params), timeoutMs);
  }

  /** Same with an id of the caller's (its result is not checked when the id is already in flight). */
  requestWithId(id: number, method: string, params: unknown = {}, timeoutMs = this.#waitMs): Promise<ResponseFrame> {
    return this.response(this.sendRequest(method, params, id), timeoutMs);
  }

  /** Sends a request and resolves with its result; an error response rejects with its code and detail. */
  async call<M extends MethodName>(method: M, params: ParamsOf<M>, timeoutMs = this.#waitMs): Promise<ResultOf<M>> {
    return resultOf(method, await this.request(method, params, timeoutMs));
  }

  /** Logs in with the test credentials (`extra`: see loginParams); resolves with the login result, rejects when refused. */
  async login(identifier: string, extra: Record<string, unknown> = {}): Promise<ResultOf<'login'>> {
    return resultOf('login', await this.request('login', loginParams(identifier, extra)));
  }

  /** The response to `id` (null: to frames that had no readable id), whether it came already or comes later. */
  response(id: number | null, timeoutMs = this.#waitMs): Promise<ResponseFrame> {
    return this.waitFor((f): f is ResponseFrame => f.type === 'response' && f.id === id, timeoutMs, `response ${id}`);
  }

  /** Calls `listener` for every event `name` from now on (besides keeping it in `frames`). */
  onEvent<E extends ServerEventName>(name: E, listener: (data: ServerEventData<E>) => void): void {
    const listeners = this.#eventListeners.get(name) ?? [];
    listeners.push(listener as (data: unknown) => void);
    this.#eventListeners.set(name, listeners);
  }

  /** The next event `name` not yet returned. */
  event<E extends ServerEventName>(name: E, timeoutMs = this.#waitMs): Promise<EventFrame<E>> {
    return this.waitFor((f): f is EventFrame<E> => f.type === 'event' && f.event === name, timeoutMs, `event ${name}`);
  }

  /** The first frame not yet returned that matches; fails after `timeoutMs`, or once the connection closed without one. */
  waitFor<F extends Frame>(match: (f: Frame) => f is F, timeoutMs?: number, what?: string): Promise<F>;
  waitFor(match: (f: Frame) => boolean, timeoutMs?: number, what?: string): Promise<Frame>;
  async waitFor(match: (f: Frame) => boolean, timeoutMs = this.#waitMs, what = 'frame'): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#violation) throw this.#violation;
      const index = this.frames.findIndex((f, i) => !this.#taken.has(i) && match(f));
      if (index >= 0) {
        this.#taken.add(index);
        return this.frames[index]!;
      }
      const left = deadline - Date.now();
      const recent = () => JSON.stringify(this.frames.slice(-10)).slice(0, 2000);
      if (this.#isClosed) throw new Error(`no ${what}: the connection closed; last frames ${recent()}`);
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms; last frames ${recent()}`);
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#wake.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }

  ack(ackId: number): void {
    this.send(encodeAck(ackId));
  }

  /** Closing handshake (the server keeps the session for its grace period, as for any lost connection). */
  close(): void {
    clearInterval(this.#keepAlive);
    this.#ws.close();
  }

  /** Stops reading the socket, as a client that hangs or a link that stalls: what the server sends piles up in its buffers. */
  pauseReading(): void {
    this.#ws.pause();
  }

  resumeReading(): void {
    this.#ws.resume();
  }

  /** Drops the TCP connection without a close handshake, as a lost network does. */
  terminate(): void {
    clearInterval(this.#keepAlive);
    this.#ws.terminate();
  }

  #receive(text: string): void {
    try {
      // Kept before it is checked, so that a test can still look at a frame that broke the protocol.
      const frame = JSON.parse(text) as Frame;
      this.frames.push(frame);
      parseServerMessage(text);
      if (frame.type === 'event') {
        const { data } = parseEvent(frame.event, frame.data);
        if (this.#autoAck && 'ackId' in data && typeof data.ackId === 'number') this.ack(data.ackId);
        for (const listener of this.#eventListeners.get(frame.event) ?? []) listener(data);
      } else if (typeof frame.id === 'number') {
        const method = this.#methods.get(frame.id);
        this.#methods.delete(frame.id);
        if (method && frame.ok) parseResult(method, frame.result);
      }
    } catch (err) {
      this.#violation ??= new Error(`the server broke the protocol: ${(err as Error).message}; frame ${text.slice(0, 500)}`);
    }
    this.#wakeAll();
  }

  #wakeAll(): void {
    for (const wake of this.#wake.splice(0)) wake();
  }
}

function resultOf<M extends MethodName>(method: M, res: ResponseFrame<ResultOf<M>>): ResultOf<M> {
  if (!res.ok) throw new Error(`${method} failed: ${res.error.code} ${JSON.stringify(res.error.detail)}`);
  return res.result;
}

/** Connects and logs in as `identifier`; rejects when the login is refused. */
export async function loggedIn(url: string, identifier: string, extra: Record<string, unknown> = {}, options: RawClientOptions = {}) {
  const client = await RawClient.connect(url, options);
  const login = await client.login(identifier, extra);
  return { client, login };
}

/**
 * A host and a guest logged in and both in multi room `roomId` with every bit (the host made it);
 * each is closed by `closers` (pushed before anything can fail).
 */
export async function hostAndGuest(url: string, roomId: number, closers: (() => unknown)[], hostId = 'host', guestId = 'guest') {
  const { client: host } = await loggedIn(url, hostId);
  const { client: guest } = await loggedIn(url, guestId);
  closers.push(
    () => host.terminate(),
    () => guest.terminate(),
  );
  const enter = (client: RawClient, createRoom: boolean) => client.request('room.enter', { roomId, roomType: 'multi', authBits: 0xff, createRoom });
  const entered = await enter(host, true);
  if (!entered.ok) throw new Error(`the host's room.enter failed: ${JSON.stringify(entered.error)}`);
  const joined = await enter(guest, false);
  if (!joined.ok) throw new Error(`the guest's room.enter failed: ${JSON.stringify(joined.error)}`);
  return { host, guest };
}
