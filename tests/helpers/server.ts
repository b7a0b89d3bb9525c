// The one way tests and benches get a Hudong server, signed for with the credentials below.
// `ServerProcess` runs `hudong serve` as users do; `InProcessServer` calls createServer() in this
// process, for tests that need the HudongServer object (its stats, a media engine of their own).
// Both keep the server's JSON log lines, and own a temp directory for what they write (a process's
// config file, the identity store with `dataDir: true`) that stop() removes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { signUserSig } from '@hudong/protocol/auth';
import type { HudongServer, ServerOptions } from '@hudong/server';
import { waitUntil } from './wait-until.js';

export const TEST_APP_ID = 1400000001;
export const TEST_SECRET = 'hudong-test-secret-0123456789abcdef';

const require = createRequire(import.meta.url);
/** The `hudong` CLI as installed: the `bin` entry of @hudong/cli. */
export const HUDONG_BIN = join(
  dirname(require.resolve('@hudong/cli/package.json')),
  (require('@hudong/cli/package.json') as { bin: { hudong: string } }).bin.hudong,
);

/** A UserSig for `identifier` that the test servers accept (other keys, apps or times on request). */
export function userSigFor(identifier: string, opts: { expireSeconds?: number; now?: number; secret?: string; sdkAppId?: number } = {}): string {
  return signUserSig({
    sdkAppId: opts.sdkAppId ?? TEST_APP_ID,
    secret: opts.secret ?? TEST_SECRET,
    identifier,
    expireSeconds: opts.expireSeconds,
    now: opts.now,
  });
}

/**
 * One JSON log line of the server (pino: level, time, msg and the fields of the event). A 'request
 * failed' line also has `code`, `codeName` and `detail` (packages/server/src/logger.ts).
 */
export interface LogLine {
  level: number;
  time: number;
  msg: string;
  detail?: { code: number | string; message: string };
  [field: string]: unknown;
}

/** What the launcher decides itself: the address, the test credentials, the identity store's place and the logger. */
type LauncherOwned = 'host' | 'port' | 'sdkAppId' | 'secret' | 'dataDir' | 'logger';

export interface TestServerOptions {
  /** createServer options (limits, timeouts, roles …); a process reads them from its --config file, so JSON values only there. */
  config?: Omit<ServerOptions, LauncherOwned>;
  /** Where the identity store persists: a directory, or `true` for a fresh one in the temp directory. @default in memory */
  dataDir?: string | true;
  /** Port to listen on; a restart reuses the port of the first start. @default any free port */
  port?: number;
  /** Sees each log line as it arrives (all of them are kept in `logs` as well). */
  onLog?: (line: LogLine) => void;
}

/** What both kinds of test server share: addresses, log lines, the temp directory. */
abstract class TestServer {
  readonly logs: LogLine[] = [];
  #port = 0;
  #tempDir: string | undefined;

  constructor(readonly options: TestServerOptions) {}

  abstract start(): Promise<this>;
  /** Stops the server and removes its temp directory. */
  abstract stop(): Promise<void>;

  get port(): number {
    return this.#port;
  }
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.#port}/ws`;
  }
  get httpUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }
  /** The identity store's directory, when it persists (with `dataDir: true`, from start() to stop()). */
  get dataDir(): string | undefined {
    return this.options.dataDir === true ? this.#tempDir && join(this.#tempDir, 'data') : this.options.dataDir;
  }

  logsWith(predicate: (line: LogLine) => boolean): LogLine[] {
    return this.logs.filter(predicate);
  }

  /** Log lines arrive a little after the response they describe: wait for one. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 3000): Promise<LogLine> {
    return waitUntil('a matching server log line', () => this.logs.find(predicate), timeoutMs, 20);
  }

  /** The temp directory, made by the first start() and kept across restarts until stop(). */
  protected prepareTempDir(): string {
    return (this.#tempDir ??= mkdtempSync(join(tmpdir(), 'hudong-test-server-')));
  }
  protected get portToListenOn(): number {
    return this.#port || this.options.port || 0;
  }
  protected listeningOn(port: number): void {
    this.#port = port;
  }
  protected record(line: LogLine): void {
    this.logs.push(line);
    this.options.onLog?.(line);
  }
  protected removeTempDir(): void {
    if (this.#tempDir) rmSync(this.#tempDir, { recursive: true, force: true });
    this.#tempDir = undefined;
  }
}

/** Server processes still running when this process exits die with it: a crashed test leaves none behind. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface ServerProcessOptions extends TestServerOptions {
  /** More `hudong serve` flags (e.g. `--dev`); flags win over `config`. */
  extraArgs?: string[];
  /** Flags for node itself (e.g. `--cpu-prof`, which NODE_OPTIONS does not take). */
  nodeArgs?: string[];
  /** `--redis URL`: a node of the cluster on that Redis. */
  redisUrl?: string;
  /** `--node-id ID`. */
  nodeId?: string;
  /** Environment variables added to this process's (e.g. HUDONG_REDIS_URL). */
  env?: Record<string, string>;
  /** Runs the server under `ulimit -n` of this many file descriptors (through bash). */
  maxOpenFiles?: number;
}

/** A real `hudong serve` process. */
export class ServerProcess extends TestServer {
  #child: ChildProcess | undefined;
  /** Resolves with the exit code (null when killed by a signal). */
  #exit: Promise<number | null> | undefined;

  constructor(override readonly options: ServerProcessOptions = {}) {
    super(options);
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** True while the process runs: tests assert it survived garbage. */
  get alive(): boolean {
    return !!this.#child && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Starts the process (on the same port again after a stop or kill) and waits for its 'listening' log line. */
  async start(): Promise<this> {
    const configPath = join(this.prepareTempDir(), 'config.json');
    writeFileSync(configPath, JSON.stringify(this.options.config ?? {}));
    const dataDir = this.dataDir;
    const args = [
      ...(this.options.nodeArgs ?? []),
      HUDONG_BIN,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(this.portToListenOn),
      '--sdk-app-id',
      String(TEST_APP_ID),
      '--secret',
      TEST_SECRET,
      '--config',
      configPath,
      ...(dataDir ? ['--data-dir', dataDir] : []),
      ...(this.options.redisUrl ? ['--redis', this.options.redisUrl] : []),
      ...(this.options.nodeId ? ['--node-id', this.options.nodeId] : []),
      ...(this.options.extraArgs ?? []),
    ];
    const env = this.options.env ? { ...process.env, ...this.options.env } : process.env;
    const limit = this.options.maxOpenFiles;
    const child =
      limit === undefined
        ? spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
        : spawn('bash', ['-c', `ulimit -n ${limit} && exec "$0" "$@"`, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.#child = child;
    running.add(child);
    this.#exit = new Promise((resolve) => child.once('exit', (code) => (running.delete(child), resolve(code))));
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not listen within 15 s; stderr: ${stderr}`)), 15_000);
      createInterface({ input: child.stdout! }).on('line', (text) => {
        let line: LogLine;
        try {
          line = JSON.parse(text);
        } catch {
          return;
        }
        this.record(line);
        if (line.msg === 'listening' && typeof line.port === 'number') {
          clearTimeout(timer);
          resolve(line.port);
        }
      });
      void this.#exit!.then(() => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${child.exitCode ?? child.signalCode} before listening; stderr: ${stderr}`));
      });
    });
    this.listeningOn(port);
    return this;
  }

  /** Stops at once, gracefully (SIGINT, as Ctrl-C: no drain; SIGKILL if it hangs for 5 s). */
  async stop(): Promise<void> {
    if (this.alive) await this.#signalAndWait('SIGINT', 5000);
    this.removeTempDir();
  }

  /** SIGTERM: a node of a cluster drains (HudongServer.drain) and exits; resolves with its exit code (SIGKILL after `hangMs`). */
  async terminate(hangMs = 40_000): Promise<number | null> {
    return this.alive ? this.#signalAndWait('SIGTERM', hangMs) : null;
  }

  async #signalAndWait(signal: NodeJS.Signals, hangMs: number): Promise<number | null> {
    const hung = setTimeout(() => this.#child!.kill('SIGKILL'), hangMs);
    this.#child!.kill(signal);
    const code = (await this.#exit) ?? null;
    clearTimeout(hung);
    return code;
  }

  /** Abrupt death (SIGKILL), as a crash or an OOM kill would be; start() brings it back with the same data. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.#child!.kill('SIGKILL');
    await this.#exit;
  }
}

/** createServer() in this process, logging into `logs`. */
export class InProcessServer extends TestServer {
  #server: HudongServer | undefined;

  constructor(options: TestServerOptions = {}) {
    super(options);
  }

  /** The running server, for what only the object tells (stats, node id). */
  get server(): HudongServer {
    if (!this.#server) throw new Error('InProcessServer: start() it first');
    return this.#server;
  }

  async start(): Promise<this> {
    if (this.options.dataDir === true) this.prepareTempDir();
    // Loaded here, not with this module: the benches' clients and ServerProcess users need neither.
    // pino is @hudong/server's dependency, not ours: the logger is made with the server's own copy.
    const { createServer } = await import('@hudong/server');
    const { pino } = createRequire(require.resolve('@hudong/server'))('pino') as typeof import('pino');
    const config = this.options.config ?? {};
    const sink = new Writable({
      write: (chunk, _encoding, done) => {
        for (const text of String(chunk).split('\n')) if (text) this.record(JSON.parse(text));
        done();
      },
    });
    this.#server = createServer({
      ...config,
      host: '127.0.0.1',
      port: this.portToListenOn,
      sdkAppId: TEST_APP_ID,
      secret: TEST_SECRET,
      dataDir: this.dataDir,
      logger: pino({ level: config.logLevel ?? 'info' }, sink),
    });
    this.listeningOn((await this.#server.listen()).port);
    return this;
  }

  async stop(): Promise<void> {
    await this.#server?.close();
    this.removeTempDir();
  }
}
