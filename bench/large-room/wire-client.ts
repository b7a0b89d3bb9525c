// A wire client for load: thousands live in one process, so it does the least it can per frame.
// tests/helpers/raw-client.ts keeps every frame and checks it against the protocol's schemas, which
// a test needs; here a room of 10,000 sends each client up to 10,000 ENTER frames (today's wire), and
// keeping or zod-parsing them would make the clients, not the server, what the bench measures. So a
// response is matched to its request by the id at the head of the frame, an event is counted by the
// name at its head, and a frame is JSON-parsed only when it is an error or a watcher wants it.
import WebSocket from 'ws';

/** Milliseconds since the epoch with sub-millisecond precision, comparable between processes of one machine. */
export const epochMs = () => performance.timeOrigin + performance.now();

/** The answer to one request, when it arrived (epochMs). */
export interface Answer {
  ok: boolean;
  at: number;
  /** Of a refused request: its code and sub-code, e.g. `10005 ROOM_FULL`. */
  error?: string;
  /** The whole frame, when the request asked to keep it. */
  text?: string;
}

/** What the clients of one process share: their frame counts, and who sees their events. */
export interface FrameSink {
  /** +1 per frame received, under `response`, the event's name, or `other`. */
  readonly counts: Map<string, number>;
  /** Sees every event frame: which client got it, the event's name, its bytes, when it arrived (epochMs). */
  tap?: (client: WireClient, event: string, frame: Buffer, at: number) => void;
}

// The server encodes `{type, id, ok, …}` and `{type, event, data}` in this order (@hudong/protocol encode*).
const RESPONSE_HEAD = /^\{"type":"response","id":(\d+|null),"ok":(true|false)/;
const EVENT_HEAD = /^\{"type":"event","event":"([^"]{1,64})"/;

export class WireClient {
  readonly #ws: WebSocket;
  readonly #sink: FrameSink;
  readonly #pending = new Map<number, { resolve: (a: Answer) => void; keep: boolean }>();
  #nextId = 1;

  private constructor(
    ws: WebSocket,
    readonly identifier: string,
    sink: FrameSink,
  ) {
    this.#ws = ws;
    this.#sink = sink;
    ws.on('message', (data: Buffer) => this.#receive(data));
    ws.on('close', () => {
      for (const { resolve } of this.#pending.values()) resolve({ ok: false, at: epochMs(), error: 'closed' });
      this.#pending.clear();
    });
  }

  /** Opens a WebSocket to `url` for `identifier`, counting and tapping into `sink`. */
  static connect(url: string, identifier: string, sink: FrameSink): Promise<WireClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new WireClient(ws, identifier, sink)));
      ws.once('error', reject);
    });
  }

  /** Sends a request; resolves with its answer (never rejects: a refusal or a lost connection is `ok: false`). */
  request(method: string, params: unknown, keep = false): Promise<Answer> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, { resolve, keep });
      this.#ws.send(JSON.stringify({ type: 'request', id, method, params }));
    });
  }

  /** Drops the connection without a closing handshake. */
  terminate(): void {
    this.#ws.terminate();
  }

  #receive(frame: Buffer): void {
    const at = epochMs();
    const head = frame.toString('latin1', 0, Math.min(frame.length, 96));
    const response = RESPONSE_HEAD.exec(head);
    if (response) {
      this.#count('response');
      const waiter = this.#pending.get(Number(response[1]));
      if (!waiter) return;
      this.#pending.delete(Number(response[1]));
      if (response[2] === 'true') return waiter.resolve({ ok: true, at, text: waiter.keep ? frame.toString() : undefined });
      const { error } = JSON.parse(frame.toString()) as { error: { code: number; detail: { code: string | number } } };
      return waiter.resolve({ ok: false, at, error: `${error.code} ${error.detail.code}` });
    }
    const event = EVENT_HEAD.exec(head)?.[1];
    this.#count(event ?? 'other');
    if (event) this.#sink.tap?.(this, event, frame, at);
  }

  #count(kind: string): void {
    const { counts } = this.#sink;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
}
