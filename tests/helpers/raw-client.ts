import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '@hudong/protocol';
import { TEST_APP_ID } from './server-process.js';
import { userSigFor } from './clients.js';

type Response = { type: 'response'; id: number | null; ok: boolean; result?: any; error?: any };

/**
 * Speaks the wire protocol by hand, for what the SDK would never send: garbage, unknown methods,
 * reused ids, requests out of order.
 */
export class RawClient {
  readonly events: { event: string; data: any }[] = [];
  readonly responses: Response[] = [];
  #waiters = new Map<number | null, (r: Response) => void>();
  #nextId = 1;
  closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    ws.on('error', () => {});
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.type === 'event') {
        this.events.push(msg);
        if (msg.data?.ackId !== undefined) this.send({ type: 'ack', id: msg.data.ackId });
        return;
      }
      this.responses.push(msg);
      const waiter = this.#waiters.get(msg.id);
      if (waiter) {
        this.#waiters.delete(msg.id);
        waiter(msg);
      }
    });
  }

  static connect(url: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('open', () => resolve(new RawClient(ws)));
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /** The next response with `id` (null: answers to frames that had no readable id). */
  response(id: number | null, timeoutMs = 10_000): Promise<Response> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response ${id} within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  request(method: string, params: unknown): Promise<Response> {
    return this.requestWithId(1000 + this.#nextId++, method, params);
  }

  requestWithId(id: number, method: string, params: unknown): Promise<Response> {
    const pending = this.response(id);
    this.send({ type: 'request', id, method, params });
    return pending;
  }

  async login(identifier: string, resumeToken?: string): Promise<any> {
    const res = await this.request('login', {
      protocolVersion: PROTOCOL_VERSION, sdkAppId: TEST_APP_ID, identifier, userSig: userSigFor(identifier),
      ...(resumeToken ? { resumeToken } : {}),
    });
    if (!res.ok) throw new Error(`login failed: ${JSON.stringify(res.error)}`);
    return res.result;
  }

  close(): void {
    this.ws.close();
  }

  /** Drop the TCP connection without a close handshake, as a lost network does. */
  terminate(): void {
    this.ws.terminate();
  }
}
