// A real redis-server for the cluster tests: started on a free port, stopped by PID. It keeps nothing
// on disk (--save '' --appendonly no), so restart() is a Redis that lost its data, as after a crash.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

export const REDIS_SERVER = '/usr/bin/redis-server';
/** Installed with redis-server (redis-tools): what the tests look into Redis with, without a client library of their own. */
const REDIS_CLI = '/usr/bin/redis-cli';

/** redis-server processes still running when this process exits die with it (a crashed test leaves none behind). */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class RedisProcess {
  #child: ChildProcess | undefined;
  #exit: Promise<void> | undefined;
  #port = 0;
  #output = '';

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.#port}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get alive(): boolean {
    return !!this.#child && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Starts redis-server (on the port of the first start, after a stop) and waits until it answers PING. */
  async start(): Promise<this> {
    this.#port ||= await freePort();
    const args = ['--port', String(this.#port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    running.add(child);
    this.#exit = new Promise((resolve) => child.once('exit', () => (running.delete(child), resolve())));
    child.stdout!.on('data', (d) => (this.#output += String(d)));
    child.stderr!.on('data', (d) => (this.#output += String(d)));
    const deadline = Date.now() + 10_000;
    while (!(await answersPing(this.#port))) {
      if (!this.alive) throw new Error(`redis-server exited before answering PING: ${this.#output.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not answer PING within 10 s: ${this.#output.slice(-2000)}`);
      await sleep(20);
    }
    return this;
  }

  /** SIGTERM by PID, SIGKILL if it is still there after 2 s. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    const child = this.#child!;
    const hung = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.kill('SIGTERM');
    await this.#exit;
    clearTimeout(hung);
  }

  /** Stops it and starts a fresh one on the same port: every key is gone, as after a crash without persistence. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** One command through redis-cli; its raw reply (a list comes one element a line). */
  async cli(...args: string[]): Promise<string> {
    const { stdout } = await promisify(execFile)(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(this.#port), ...args]);
    return stdout.trimEnd();
  }

  /** SIGSTOP: the server keeps its connections open but answers nothing (a hung Redis). */
  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  resume(): void {
    this.#child?.kill('SIGCONT');
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One PING over a raw socket: this helper must not depend on the server's Redis client. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(String(data).startsWith('+PONG')));
  });
}
