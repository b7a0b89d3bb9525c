/**
 * A scripted stand-in for the Hudong server, for the SDK's own unit tests only (not built, not
 * exported): it speaks the wire protocol through @hudong/protocol and lets a test decide every
 * answer, freeze, drop or refuse connections. The real server is exercised by tests/ at the root.
 */
import { createServer, type Server, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  encodeError,
  encodeEvent,
  encodeResult,
  parseClientMessage,
  parseParams,
  type MethodName,
  type ParsedParamsOf,
  type RoomSnapshot,
  type ServerEventData,
  type ServerEventName,
  type WireError,
} from '@hudong/protocol';

export class WireFailure {
  constructor(readonly error: WireError) {}
}
export const fail = (code: number, sub: string, message = sub) => new WireFailure({ code, detail: { code: sub, message } });

type Handler<M extends MethodName> = (params: ParsedParamsOf<M>, conn: FakeConn) => unknown;

export class FakeConn {
  identifier: string | null = null;
  session: FakeSession | null = null;
  acks: number[] = [];
  /** While true, this connection's requests are swallowed (a stalled path; new connections still work). */
  silent = false;
  constructor(readonly ws: WebSocket) {}
  event<E extends ServerEventName>(event: E, data: ServerEventData<E>): void {
    this.ws.send(encodeEvent(event, data));
  }
  /** TCP reset, no close frame: what a dead network looks like. */
  drop(): void {
    this.ws.terminate();
  }
}

export interface FakeSession {
  token: string;
  identifier: string;
  room: RoomSnapshot | null;
  /** A removal from the room the resume reports (the server API kicked it while it was away). */
  removed?: { roomId: number; error: WireError };
}

export class FakeServer {
  readonly conns: FakeConn[] = [];
  readonly requests: { method: MethodName; params: unknown; conn: FakeConn }[] = [];
  readonly sessions = new Map<string, FakeSession>();
  heartbeatIntervalMs = 5000;
  /** Resume works only while this is true (turn off to act as if the grace expired). */
  resumable = true;
  /** While true, requests are swallowed: no answer at all. */
  silent = false;
  /** Members others see in any room entered. */
  members: RoomSnapshot['members'] = [];
  #handlers = new Map<MethodName, Handler<never>>();
  #http: Server;
  #wss: WebSocketServer;
  #sockets = new Set<Duplex>();
  #refuse = false;
  #stall = false;
  port = 0;

  private constructor() {
    this.#http = createServer((_req, res) => res.writeHead(404).end());
    this.#wss = new WebSocketServer({ noServer: true });
    this.#http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.#refuse) return void socket.destroy();
      // Accepted, never answered: a handshake that hangs. Reading on lets us see the client hang up.
      if (this.#stall) return void socket.on('end', () => socket.destroy()).resume();
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
    });
    this.#http.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  static async start(): Promise<FakeServer> {
    const s = new FakeServer();
    await new Promise<void>((r) => s.#http.listen(0, '127.0.0.1', r));
    s.port = (s.#http.address() as { port: number }).port;
    return s;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }
  get live(): FakeConn[] {
    return this.conns.filter((c) => c.ws.readyState === c.ws.OPEN);
  }
  requestsOf(method: MethodName): unknown[] {
    return this.requests.filter((r) => r.method === method).map((r) => r.params);
  }

  /** Replaces the default answer of `method` (return a value, a WireFailure, or a promise of either). */
  handle<M extends MethodName>(method: M, handler: Handler<M>): void {
    this.#handlers.set(method, handler as Handler<never>);
  }

  /** While on, new WebSocket upgrades are dropped (the server looks unreachable). */
  refuse(on: boolean): void {
    this.#refuse = on;
  }

  /** TCP connections currently open to us (stalled handshakes included). */
  get openSockets(): number {
    return this.#sockets.size;
  }

  /** While on, new WebSocket upgrades get no answer at all (a stalled network). */
  stall(on: boolean): void {
    this.#stall = on;
  }

  /** Resets every connection. */
  dropAll(): void {
    for (const c of this.live) c.drop();
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.ws.terminate();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => this.#http.close(() => r()));
  }

  #accept(ws: WebSocket): void {
    const conn = new FakeConn(ws);
    this.conns.push(conn);
    ws.on('message', (raw) => void this.#onFrame(conn, String(raw)));
  }

  async #onFrame(conn: FakeConn, text: string): Promise<void> {
    const msg = parseClientMessage(text);
    if (msg.type === 'ack') {
      conn.acks.push(msg.id);
      return;
    }
    const params = parseParams(msg.method, msg.params, msg.id);
    this.requests.push({ method: msg.method, params, conn });
    if (this.silent || conn.silent) return;
    const handler = this.#handlers.get(msg.method) ?? this.#default(msg.method);
    const out = await (handler as Handler<MethodName>)(params as never, conn);
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    if (out instanceof WireFailure) conn.ws.send(encodeError(msg.id, out.error));
    else if (out !== undefined) conn.ws.send(encodeResult(msg.id, out));
  }

  #default(method: MethodName): Handler<never> {
    const h: Partial<Record<MethodName, Handler<MethodName>>> = {
      login: (p: ParsedParamsOf<'login'>, conn) => {
        const old = p.resumeToken ? this.sessions.get(p.resumeToken) : undefined;
        const resumed = !!old && this.resumable;
        const session: FakeSession = resumed ? old! : { token: `tok-${this.sessions.size + 1}`, identifier: p.identifier, room: null };
        if (resumed) this.sessions.delete(old!.token);
        session.token = `tok-${this.sessions.size + 1}-${Date.now()}`;
        this.sessions.set(session.token, session);
        conn.identifier = p.identifier;
        conn.session = session;
        return {
          tinyId: '1001',
          sessionToken: session.token,
          node: 'fake',
          heartbeatIntervalMs: this.heartbeatIntervalMs,
          resumed,
          room: resumed ? session.room : null,
          ...(resumed && session.removed && { removed: session.removed }),
        };
      },
      ping: () => ({}),
      logout: () => ({}),
      'room.enter': (p: ParsedParamsOf<'room.enter'>, conn) => {
        const snap: RoomSnapshot = { roomId: p.roomId, roomType: p.roomType, authBits: p.authBits, role: p.controlRole, members: this.members };
        if (conn.session) conn.session.room = snap;
        return snap;
      },
      'room.exit': (_p, conn) => {
        if (conn.session) conn.session.room = null;
        return {};
      },
      'room.message': () => ({}),
      'room.changeAuthority': (p: ParsedParamsOf<'room.changeAuthority'>) => ({ authBits: p.authBits }),
    } as Partial<Record<MethodName, Handler<MethodName>>>;
    return (h[method] ?? (() => fail(10007, 'UNKNOWN_METHOD'))) as Handler<never>;
  }
}
