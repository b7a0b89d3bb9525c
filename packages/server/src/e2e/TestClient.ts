import { WebSocket } from 'ws';
import { pino, type Logger } from 'pino';
import { Writable } from 'node:stream';
import { createServer, type HudongServer, type ServerOptions } from '../index.js';

/** Any frame the server sent. */
export type Frame = { type: 'response' | 'event'; id?: number | null; ok?: boolean; result?: any; error?: any; event?: string; data?: any };

const WAIT_MS = 3000;

/** A bare-protocol client for tests: raw frames in, frames out, nothing hidden. */
export class TestClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #ws: WebSocket;
  readonly #taken = new Set<number>();
  #waiters: (() => void)[] = [];
  #nextId = 1;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()));
      for (const wake of this.#waiters.splice(0)) wake();
    });
    ws.on('error', () => {});
  }

  static connect(url: string): Promise<TestClient> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TestClient(ws)));
      ws.once('error', reject);
    });
  }

  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  raw(data: string | Buffer): void {
    this.#ws.send(data);
  }

  /** Sends a request and returns its id without waiting. */
  send(method: string, params: unknown = {}, id = this.#nextId++): number {
    this.raw(JSON.stringify({ type: 'request', id, method, params }));
    return id;
  }

  /** Sends a request and waits for its response frame. */
  async request(method: string, params: unknown = {}, waitMs = WAIT_MS): Promise<Frame> {
    const id = this.send(method, params);
    return this.response(id, waitMs);
  }

  response(id: number | null, waitMs = WAIT_MS): Promise<Frame> {
    return this.waitFor((f) => f.type === 'response' && f.id === id, waitMs, `response ${id}`);
  }

  event(name: string, waitMs = WAIT_MS): Promise<Frame> {
    return this.waitFor((f) => f.type === 'event' && f.event === name, waitMs, `event ${name}`);
  }

  ack(id: number): void {
    this.raw(JSON.stringify({ type: 'ack', id }));
  }

  /** The first frame not yet taken that matches; fails after `waitMs`. */
  async waitFor(match: (f: Frame) => boolean, waitMs = WAIT_MS, what = 'frame'): Promise<Frame> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const index = this.frames.findIndex((f, i) => !this.#taken.has(i) && match(f));
      if (index >= 0) {
        this.#taken.add(index);
        return this.frames[index]!;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${waitMs} ms; got ${JSON.stringify(this.frames)}`);
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }

  close(): void {
    this.#ws.terminate();
  }
}

/** A server on a free port with its log lines captured. */
export async function startServer(options: ServerOptions = {}): Promise<{ server: HudongServer; url: string; wsUrl: string; logs: Record<string, any>[] }> {
  const logs: Record<string, any>[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { logs.push(JSON.parse(chunk.toString())); done(); } });
  const logger: Logger = pino({ level: 'debug' }, sink);
  const server = createServer({ dev: true, port: 0, logger, ...options });
  const { url, wsUrl } = await server.listen();
  return { server, url, wsUrl, logs };
}

/** A login request's params with a valid UserSig of `server`. */
export function loginParams(server: HudongServer, identifier: string, extra: Record<string, unknown> = {}) {
  return { protocolVersion: 1, sdkAppId: server.sdkAppId, identifier, userSig: server.userSig(identifier), terminal: 'test', ...extra };
}

/** Connects and logs in; returns the client and the login result. */
export async function loggedIn(server: HudongServer, wsUrl: string, identifier: string, extra: Record<string, unknown> = {}) {
  const client = await TestClient.connect(wsUrl);
  const res = await client.request('login', loginParams(server, identifier, extra));
  if (!res.ok) throw new Error(`login of ${identifier} failed: ${JSON.stringify(res.error)}`);
  return { client, login: res.result };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
