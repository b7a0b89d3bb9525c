// A forked helper of a bench (a publisher, a worker of subscribers or clients): {cmd} → {type} over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A reply of a helper: `type` says which (`error` carries `message`), the rest depends on it. */
export interface Reply {
  type: string;
  message?: string;
}

/** A forked helper speaking {cmd} → {type} over IPC, one reply at a time; `log` sees errors no one waits for. */
export class Child {
  readonly proc: ChildProcess;
  #waiters: { type: string; resolve: (m: Reply) => void; reject: (e: Error) => void }[] = [];
  constructor(
    file: URL,
    readonly label: string,
    args: string[] = [],
    log: (...a: unknown[]) => void = console.error,
  ) {
    this.proc = fork(fileURLToPath(file), args, {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (message) => {
      const m = message as Reply;
      const i = this.#waiters.findIndex((w) => w.type === m.type || m.type === 'error');
      if (i < 0) return m.type === 'error' ? log(`${label}: ${m.message}`) : undefined;
      const [w] = this.#waiters.splice(i, 1);
      if (m.type === 'error') w!.reject(new Error(`${label}: ${m.message}`));
      else w!.resolve(m);
    });
    this.proc.on('error', (e) => log(`${label}: ${e.message}`));
    this.proc.on('exit', (code) => this.#waiters.splice(0).forEach((w) => w.reject(new Error(`${label} exited (${code})`))));
  }
  /** The next reply `type`; `T` is what the helper sends with that type (see its header). */
  next<T = Reply>(type: string, timeoutS = 600): Promise<T> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.label}: no '${type}' in ${timeoutS} s`)), timeoutS * 1000);
      this.#waiters.push({ type, resolve: (m) => (clearTimeout(t), resolve(m as T)), reject: (e) => (clearTimeout(t), reject(e)) });
    });
  }
  call<T = Reply>(msg: object, reply: string, timeoutS?: number): Promise<T> {
    if (!this.proc.connected) return Promise.reject(new Error(`${this.label} is gone`));
    const p = this.next<T>(reply, timeoutS);
    this.proc.send(msg);
    return p;
  }
}
