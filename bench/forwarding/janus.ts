// Janus side: Janus 1.1.2 (apt-get install -y janus) started in the current network namespace with the
// reference config (../shared/reference/janus/conf beside the repository, see its README.md), and a
// minimal Janus API client over WebSocket.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REF_CONF = join(REPO_ROOT, '../shared/reference/janus/conf');
export const JANUS_ROOM = 1234;
export const JANUS_URL = 'ws://127.0.0.1:8188/';

export interface JanusServer {
  pid: number;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Starts Janus with the reference config; `firFreq` overrides room 1234's fir_freq (reference: 10).
 * `twcc` false adds `transport_wide_cc_ext = false` to the room: the publisher then adapts on REMB (and
 * loss), as with Hudong, which answers publishers without transport-cc. With transport-cc, Janus's
 * feedback timing degrades as fan-out grows and the publisher's delay-based estimate collapsed
 * (~1.7 Mbps at 50 subscribers → ~0.5 Mbps at 100, ~0.2 Mbps at 200, Janus at ~45 % CPU).
 */
export async function startJanus(firFreq: number, twcc = false): Promise<JanusServer> {
  try {
    execFileSync('which', ['janus'], { stdio: 'ignore' });
  } catch {
    throw new Error('janus is not installed: apt-get update && apt-get install -y janus');
  }
  if (!existsSync(REF_CONF)) throw new Error(`no Janus reference config at ${REF_CONF} (../shared/reference/janus/conf beside the repository)`);
  const state = mkdtempSync(join(tmpdir(), 'hudong-fwd-janus-'));
  const conf = join(state, 'conf');
  mkdirSync(conf);
  for (const f of readdirSync(REF_CONF).filter((n) => n.endsWith('.jcfg'))) {
    let text = readFileSync(join(REF_CONF, f), 'utf8').replaceAll('@CONF@', conf);
    if (f === 'janus.plugin.videoroom.jcfg') {
      text = text.replace(/fir_freq\s*=\s*\d+/, `fir_freq = ${firFreq}`);
      if (!twcc) text = text.replace(/(fir_freq = \d+)/, '$1\n\ttransport_wide_cc_ext = false');
    }
    writeFileSync(join(conf, f), text);
  }
  const logFile = join(state, 'janus.log');
  const child = spawn('janus', ['-F', conf, '-C', join(conf, 'janus.jcfg'), '-o', '-N', '-L', logFile, '-d', '4'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  process.once('exit', () => child.kill('SIGKILL')); // never leave it behind
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`janus exited (${child.exitCode}): ${stderr}`);
    if (existsSync(logFile) && /websockets server started/i.test(readFileSync(logFile, 'utf8'))) break;
    if (i > 80) throw new Error(`janus did not start in 20 s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    pid: child.pid!,
    child,
    logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** What this bench sends: Janus' own fields, or a videoroom request body or jsep. */
type JanusBody = Record<string, unknown>;

/** The fields of a Janus reply or event this bench reads (Janus JSON API, videoroom plugin). */
export interface JanusMessage {
  janus: string;
  transaction?: string;
  /** create, attach: the new session's or handle's id. */
  data?: { id: number };
  error?: { code: number; reason: string };
  plugindata?: { plugin: string; data: { id?: number; error?: string; error_code?: number } };
  jsep?: { type: string; sdp: string };
}

/** One Janus session on its own WebSocket (like a browser client), with one videoroom handle. */
export class JanusSession {
  #ws!: WebSocket;
  #pending = new Map<string, { resolve: (m: JanusMessage) => void; reject: (e: Error) => void; waitEvent: boolean }>();
  #keepalive: NodeJS.Timeout | undefined;
  id = 0;
  handle = 0;
  onEvent: (m: JanusMessage) => void = () => {};

  async open(url = JANUS_URL): Promise<void> {
    this.#ws = new WebSocket(url, 'janus-protocol');
    await new Promise<void>((res, rej) => {
      this.#ws.once('open', () => res());
      this.#ws.once('error', rej);
    });
    this.#ws.on('message', (d) => this.#onMessage(JSON.parse(String(d)) as JanusMessage));
    this.id = (await this.request({ janus: 'create' })).data!.id;
    // A lost keepalive shows as the session timing out on Janus' side; nothing to do about it here.
    this.#keepalive = setInterval(() => void this.request({ janus: 'keepalive' }).catch(() => {}), 25_000);
    this.handle = (await this.request({ janus: 'attach', plugin: 'janus.plugin.videoroom' })).data!.id;
  }

  #onMessage(m: JanusMessage): void {
    const transaction = m.transaction ?? '';
    const p = this.#pending.get(transaction);
    if (p) {
      if (m.janus === 'ack' && p.waitEvent) return;
      this.#pending.delete(transaction);
      if (m.janus === 'error') return p.reject(new Error(`janus error ${m.error?.code}: ${m.error?.reason}`));
      const pd = m.plugindata?.data;
      if (pd?.error) return p.reject(new Error(`videoroom error ${pd.error_code}: ${pd.error}`));
      return p.resolve(m);
    }
    this.onEvent(m);
  }

  request(body: JanusBody, waitEvent = false): Promise<JanusMessage> {
    const transaction = randomBytes(6).toString('hex');
    const msg: JanusBody = { ...body, transaction };
    if (this.id) msg.session_id = this.id;
    return new Promise((resolve, reject) => {
      this.#pending.set(transaction, { resolve, reject, waitEvent });
      this.#ws.send(JSON.stringify(msg));
    });
  }

  /** An asynchronous videoroom request: resolves with the plugin event (and its jsep). */
  message(body: JanusBody, jsep?: JanusBody): Promise<JanusMessage> {
    return this.request({ janus: 'message', handle_id: this.handle, body, ...(jsep ? { jsep } : {}) }, true);
  }

  trickleCompleted(): Promise<JanusMessage> {
    return this.request({ janus: 'trickle', handle_id: this.handle, candidate: { completed: true } });
  }

  close(): void {
    clearInterval(this.#keepalive);
    try {
      this.#ws.close();
    } catch {
      /* already closed */
    }
  }
}
