// The audience of bench/large-room: client-worker.ts processes, each holding its share of the
// members. Every operation is spread over the workers (one call to each at a time) and their answers
// merged; a number in flight is split between them.
import { Child } from '../lib/child.js';
import type { Outcome, User, WatchSpec } from './client-group.js';
import type { WorkerCommand } from './client-worker.js';

/** `total` split into `parts` shares that differ by at most one, the larger first. */
function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, k) => Math.floor(total / parts) + (k < total % parts ? 1 : 0));
}

export class Fleet {
  readonly #workers: Child[];
  /** Each member's worker (its index in #workers). */
  readonly #home = new Map<string, number>();

  private constructor(workers: Child[]) {
    this.#workers = workers;
  }

  static async start(count: number, url: string, sdkAppId: number): Promise<Fleet> {
    const workers = Array.from(
      { length: count },
      (_, k) => new Child(new URL('./client-worker.ts', import.meta.url), `clients-${k}`, [url, String(sdkAppId)]),
    );
    await Promise.all(workers.map((w) => w.next('ready', 30)));
    return new Fleet(workers);
  }

  /** Logs `users` in, spread round-robin over the workers; resolves with what failed. */
  async login(users: readonly User[], inFlight: number): Promise<string[]> {
    const byWorker = this.#workers.map((): User[] => []);
    const first = this.#home.size;
    users.forEach((u, i) => {
      const k = (first + i) % this.#workers.length;
      byWorker[k]!.push(u);
      this.#home.set(u.identifier, k);
    });
    const lanes = shares(inFlight, this.#workers.length);
    const replies = await this.#each((k) => ({ cmd: 'login', users: byWorker[k]!, inFlight: Math.max(1, lanes[k]!) }), 'loggedIn');
    return replies.flatMap((r) => r.errors as string[]);
  }

  /** room.enter for `identifiers` (logged in before), `inFlight` at a time in all; each one's answer time in ms, and what failed. */
  async enter(identifiers: readonly string[], roomId: number, inFlight: number): Promise<{ ms: number[]; errors: string[] }> {
    const byWorker = this.#workers.map((): string[] => []);
    for (const id of identifiers) byWorker[this.#home.get(id)!]!.push(id);
    const lanes = shares(inFlight, this.#workers.length);
    const replies = await this.#each((k) => ({ cmd: 'enter', identifiers: byWorker[k]!, roomId, inFlight: Math.max(1, lanes[k]!) }), 'entered');
    return { ms: replies.flatMap((r) => r.ms as number[]), errors: replies.flatMap((r) => r.errors as string[]) };
  }

  /** room.exit for `identifiers` (in the room), `inFlight` at a time in all; what failed. */
  async exit(identifiers: readonly string[], inFlight: number): Promise<string[]> {
    const byWorker = this.#workers.map((): string[] => []);
    for (const id of identifiers) byWorker[this.#home.get(id)!]!.push(id);
    const lanes = shares(inFlight, this.#workers.length);
    const replies = await this.#each((k) => ({ cmd: 'exit', identifiers: byWorker[k]!, inFlight: Math.max(1, lanes[k]!) }), 'exited');
    return replies.flatMap((r) => r.errors as string[]);
  }

  /** Frames the members received so far, by kind (`response`, an event's name, `other`). */
  async counts(): Promise<Record<string, number>> {
    const sum: Record<string, number> = {};
    for (const r of await this.#each(() => ({ cmd: 'counts' }), 'counts')) {
      for (const [kind, n] of Object.entries(r.counts as Record<string, number>)) sum[kind] = (sum[kind] ?? 0) + n;
    }
    return sum;
  }

  async watch(spec: WatchSpec): Promise<void> {
    await this.#each(() => ({ cmd: 'watch', spec }), 'watching');
  }

  async progress(): Promise<{ seen: number; of: number }> {
    const replies = await this.#each(() => ({ cmd: 'progress' }), 'progress');
    return { seen: replies.reduce((t, r) => t + (r.seen as number), 0), of: replies.reduce((t, r) => t + (r.of as number), 0) };
  }

  /** When each member first got the watched frame (epochMs); the watch ends. */
  async collect(): Promise<number[]> {
    return (await this.#each(() => ({ cmd: 'collect' }), 'collected')).flatMap((r) => r.arrivals as number[]);
  }

  /** `senders` members in all (split over the workers) each send a room message a second for `seconds`; merged outcome. */
  async sendPaced(senders: number, seconds: number, drainMs: number): Promise<Outcome & { sent: number; unanswered: number }> {
    const split = shares(senders, this.#workers.length);
    const timeoutS = seconds + drainMs / 1000 + 60;
    const replies = await this.#each((k) => ({ cmd: 'sendPaced', senders: split[k]!, seconds, drainMs }), 'sentPaced', timeoutS);
    const merged = { sent: 0, ok: 0, unanswered: 0, refused: {} as Record<string, number> };
    for (const r of replies) {
      merged.sent += r.sent as number;
      merged.ok += r.ok as number;
      merged.unanswered += r.unanswered as number;
      for (const [why, n] of Object.entries(r.refused as Record<string, number>)) merged.refused[why] = (merged.refused[why] ?? 0) + n;
    }
    return merged;
  }

  async stopSending(): Promise<void> {
    await this.#each(() => ({ cmd: 'stopSending' }), 'stopping');
  }

  stop(): void {
    for (const w of this.#workers) if (w.proc.connected) w.proc.send({ cmd: 'stop' } satisfies WorkerCommand);
  }

  /** One command to each worker (`command(k)` for worker k), all at once; their replies `type`, in worker order. */
  #each(command: (k: number) => WorkerCommand, type: string, timeoutS = 3600): Promise<Record<string, unknown>[]> {
    return Promise.all(this.#workers.map((w, k) => w.call<Record<string, unknown>>(command(k), type, timeoutS)));
  }
}
