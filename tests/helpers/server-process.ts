import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

export const TEST_APP_ID = 1400000001;
export const TEST_SECRET = 'hudong-test-secret-0123456789abcdef';

export interface ServerProcessOptions {
  /** createServer options written to a --config file (limits, timeouts, roles …). */
  config?: Record<string, unknown>;
  dataDir?: string;
  port?: number;
  extraArgs?: string[];
}

/** A real `hudong serve` process; its JSON log lines are kept for assertions. */
export class ServerProcess {
  readonly logs: Record<string, unknown>[] = [];
  #child: ChildProcess | undefined;
  #port = 0;
  #exit: Promise<number | null> | undefined;
  #configDir: string | undefined;

  constructor(readonly options: ServerProcessOptions = {}) {}

  get port(): number {
    return this.#port;
  }
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.#port}/ws`;
  }
  get httpUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts the process (on the same port again after a stop) and waits for its 'listening' log line. */
  async start(): Promise<this> {
    this.#configDir ??= mkdtempSync(join(tmpdir(), 'hudong-srv-'));
    const configPath = join(this.#configDir, 'config.json');
    writeFileSync(configPath, JSON.stringify(this.options.config ?? {}));
    const args = [
      BIN, 'serve', '--host', '127.0.0.1', '--port', String(this.#port || this.options.port || 0),
      '--sdk-app-id', String(TEST_APP_ID), '--secret', TEST_SECRET, '--config', configPath,
      ...(this.options.dataDir ? ['--data-dir', this.options.dataDir] : []),
      ...(this.options.extraArgs ?? []),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    const lines = createInterface({ input: child.stdout! });
    const listening = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not listen within 15 s; stderr: ${stderr}`)), 15_000);
      lines.on('line', (line) => {
        let rec: Record<string, unknown>;
        try {
          rec = JSON.parse(line);
        } catch {
          return;
        }
        this.logs.push(rec);
        if (rec.msg === 'listening' && typeof rec.port === 'number') {
          clearTimeout(timer);
          resolve(rec.port);
        }
      });
      void this.#exit!.then((code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code} before listening; stderr: ${stderr}`));
      });
    });
    this.#port = await listening;
    return this;
  }

  /** Graceful stop (SIGTERM); removes the config file. */
  async stop(): Promise<void> {
    await this.#signal('SIGTERM');
    if (this.#configDir) rmSync(this.#configDir, { recursive: true, force: true });
    this.#configDir = undefined;
  }

  /** Abrupt death (SIGKILL), as a crash or an OOM kill would be. */
  async kill(): Promise<void> {
    await this.#signal('SIGKILL');
  }

  /** True while the process runs: tests assert it survived garbage. */
  get alive(): boolean {
    return !!this.#child && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  logsWith(predicate: (rec: Record<string, unknown>) => boolean): Record<string, unknown>[] {
    return this.logs.filter(predicate);
  }

  /** Log lines arrive a little after the response they describe: wait for one. */
  async waitForLog(predicate: (rec: Record<string, unknown>) => boolean, timeoutMs = 3000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching server log line within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async #signal(sig: NodeJS.Signals): Promise<void> {
    if (!this.alive) return;
    this.#child!.kill(sig);
    await this.#exit;
  }
}
