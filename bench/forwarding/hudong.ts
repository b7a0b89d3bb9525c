// Hudong side: the server as a child process, and a bare wire-protocol client (no SDK).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { signUserSig } from '@hudong/protocol/auth';

export const SDK_APP_ID = 1400000001;
export const SECRET = 'hudong-bench-forwarding-secret-0123456789';
export const ROOM_ID = 4242;
const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

export interface HudongServer {
  pid: number;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `hudong serve` on a free port; resolves on its 'listening' line. Later stdout lines go to `onLog`. */
export async function startHudong(onLog: (rec: Record<string, unknown>) => void = () => {}): Promise<HudongServer> {
  const dir = mkdtempSync(join(tmpdir(), 'hudong-fwd-'));
  const cfg = join(dir, 'cfg.json');
  writeFileSync(cfg, JSON.stringify({ ratePerSecond: 1000, rateBurst: 1000 }));
  const args = [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--secret', SECRET, '--sdk-app-id', String(SDK_APP_ID), '--config', cfg];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  process.once('exit', () => child.kill('SIGKILL')); // never leave it behind
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hudong did not listen in 15 s: ${stderr}`)), 15_000);
    void exited.then(() => reject(new Error(`hudong exited before listening: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line);
      } catch {
        return;
      }
      if (rec.msg === 'listening' && typeof rec.port === 'number') {
        clearTimeout(timer);
        resolve(rec.port);
      } else onLog(rec);
    });
  });
  return {
    pid: child.pid!,
    url: `ws://127.0.0.1:${port}/ws`,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

export interface MemberLike {
  identifier: string;
  hasCameraVideo?: boolean;
}

/** One signalling connection: request/response, acks, pings, events. */
export class HudongClient {
  #ws!: WebSocket;
  #nextId = 1;
  #pending = new Map<number, { resolve: (r: any) => void; reject: (e: Error) => void; method: string }>();
  #ping: NodeJS.Timeout | undefined;
  onEvent: (event: string, data: any) => void = () => {};

  constructor(readonly url: string, readonly identifier: string) {}

  async connect(): Promise<void> {
    this.#ws = new WebSocket(this.url);
    await new Promise<void>((res, rej) => {
      this.#ws.once('open', () => res());
      this.#ws.once('error', rej);
    });
    this.#ws.on('message', (d) => this.#onFrame(String(d)));
    this.#ws.on('close', () => {
      for (const p of this.#pending.values()) p.reject(new Error('socket closed'));
      this.#pending.clear();
    });
    this.#ping = setInterval(() => this.request('ping', {}).catch(() => {}), 5000);
  }

  #onFrame(text: string): void {
    const msg = JSON.parse(text);
    if (msg.type === 'response') {
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`${p.method}: ${msg.error?.code} ${JSON.stringify(msg.error?.detail)}`));
    } else if (msg.type === 'event') {
      if (typeof msg.data?.ackId === 'number') this.#ws.send(JSON.stringify({ type: 'ack', id: msg.data.ackId }));
      this.onEvent(msg.event, msg.data);
    }
  }

  request<T = any>(method: string, params: unknown, timeoutMs = 20_000): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method}: no response in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        method,
        resolve: (r) => (clearTimeout(t), resolve(r)),
        reject: (e) => (clearTimeout(t), reject(e)),
      });
      this.#ws.send(JSON.stringify({ type: 'request', id, method, params }));
    });
  }

  /** login + room.enter; resolves with the room snapshot's members. */
  async join(roomId = ROOM_ID): Promise<MemberLike[]> {
    await this.connect();
    const userSig = signUserSig({ sdkAppId: SDK_APP_ID, secret: SECRET, identifier: this.identifier, expireSeconds: 86400 });
    await this.request('login', { protocolVersion: 1, sdkAppId: SDK_APP_ID, identifier: this.identifier, userSig, terminal: 'bench' });
    const snap = await this.request('room.enter', { roomId, roomType: 'multi', authBits: 255, controlRole: '', createRoom: true });
    return snap.members ?? [];
  }

  close(): void {
    clearInterval(this.#ping);
    try {
      this.#ws.close();
    } catch {
      /* already closed */
    }
  }
}

/** Resolves once `publisher` is known to send camera video (snapshot or room.endpoints event 3). */
export function waitForCamera(client: HudongClient, members: MemberLike[], publisher: string, timeoutMs = 30_000): Promise<void> {
  if (members.some((m) => m.identifier === publisher && m.hasCameraVideo)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no HAS_CAMERA_VIDEO from ${publisher} in ${timeoutMs} ms`)), timeoutMs);
    const prev = client.onEvent;
    client.onEvent = (event, data) => {
      prev(event, data);
      if (event === 'room.endpoints' && data.event === 3 && data.members?.some((m: MemberLike) => m.identifier === publisher)) {
        clearTimeout(t);
        client.onEvent = prev;
        resolve();
      }
    };
  });
}
