// The wire clients of one process (a worker's thousands of audience members, or run.ts's stage):
// logging in and entering with a bounded number in flight, timing when one announcement reaches each
// client, and sending room messages at a steady pace.
import { AuthBits, EndpointEvent, PROTOCOL_VERSION } from '@hudong/protocol';
import { WireClient, epochMs, type Answer, type FrameSink } from './wire-client.js';

export interface User {
  identifier: string;
  userSig: string;
}

/** What a watch waits for at each client: the first frame that shows it. */
export type WatchSpec =
  /** `identifier` announced as sending camera video: HAS_CAMERA_VIDEO naming it, or an ENTER whose info says so. */
  | { kind: 'camera'; identifier: string }
  /** The room message whose data is `tag`. */
  | { kind: 'message'; tag: string };

/** Requests answered, and the refusals by `code sub-code`. */
export interface Outcome {
  ok: number;
  refused: Record<string, number>;
}

/** Runs `fn` on every item, `size` at a time (a new one starts as soon as one ends). */
async function inPool<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, lane));
}

/** Counts `answer` into `outcome`. */
export function tally(outcome: Outcome, answer: Answer): void {
  if (answer.ok) outcome.ok++;
  else outcome.refused[answer.error!] = (outcome.refused[answer.error!] ?? 0) + 1;
}

export class ClientGroup {
  readonly sink: FrameSink = { counts: new Map() };
  readonly #clients = new Map<string, WireClient>();
  /** First arrival (epochMs) of the watched frame, by client. */
  #arrivals = new Map<WireClient, number>();
  #stopSending = false;

  constructor(
    readonly url: string,
    readonly sdkAppId: number,
  ) {}

  client(identifier: string): WireClient {
    const client = this.#clients.get(identifier);
    if (!client) throw new Error(`no client ${identifier} in this group`);
    return client;
  }

  /** Connects and logs in each user, `inFlight` at a time; returns what failed. */
  async login(users: readonly User[], inFlight: number): Promise<string[]> {
    const errors: string[] = [];
    await inPool(users, inFlight, async ({ identifier, userSig }) => {
      const client = await WireClient.connect(this.url, identifier, this.sink);
      const answer = await client.request('login', {
        protocolVersion: PROTOCOL_VERSION,
        sdkAppId: this.sdkAppId,
        identifier,
        userSig,
        terminal: 'bench',
      });
      if (answer.ok) return void this.#clients.set(identifier, client);
      errors.push(`${identifier}: login ${answer.error}`);
      client.terminate();
    });
    return errors;
  }

  /**
   * room.enter for each of `identifiers` (audience bits; `host`: every bit, and the room is created),
   * `inFlight` at a time; the milliseconds from sending each request to its answer, and what failed.
   */
  async enter(identifiers: readonly string[], roomId: number, inFlight: number, host = false): Promise<{ ms: number[]; errors: string[] }> {
    const ms: number[] = [];
    const errors: string[] = [];
    const params = { roomId, roomType: 'multi', authBits: host ? AuthBits.DEFAULT : AuthBits.AUDIENCE, createRoom: host };
    await inPool(identifiers, inFlight, async (identifier) => {
      const sentAt = epochMs();
      const answer = await this.client(identifier).request('room.enter', params);
      if (answer.ok) ms.push(answer.at - sentAt);
      else errors.push(`${identifier}: room.enter ${answer.error}`);
    });
    return { ms, errors };
  }

  /** room.exit for each of `identifiers` (in the room), `inFlight` at a time; what failed. */
  async exit(identifiers: readonly string[], inFlight: number): Promise<string[]> {
    const errors: string[] = [];
    await inPool(identifiers, inFlight, async (identifier) => {
      const answer = await this.client(identifier).request('room.exit', {});
      if (!answer.ok) errors.push(`${identifier}: room.exit ${answer.error}`);
    });
    return errors;
  }

  /** From now on, notes when each client first receives what `spec` describes (earlier arrivals are forgotten). */
  watch(spec: WatchSpec): void {
    const arrivals = (this.#arrivals = new Map());
    const event = spec.kind === 'camera' ? 'room.endpoints' : 'room.message';
    const needle = Buffer.from(spec.kind === 'camera' ? `"identifier":"${spec.identifier}"` : `"data":${JSON.stringify(spec.tag)}`);
    const shows = spec.kind === 'camera' ? (frame: Buffer) => announcesCamera(frame, spec.identifier) : () => true;
    this.sink.tap = (client, name, frame, at) => {
      if (name === event && !arrivals.has(client) && frame.includes(needle) && shows(frame)) arrivals.set(client, at);
    };
  }

  /** Clients that received the watched frame so far, of all. */
  progress(): { seen: number; of: number } {
    return { seen: this.#arrivals.size, of: this.#clients.size };
  }

  /** The arrival times (epochMs) of the watched frame, and stops watching. */
  collect(): number[] {
    this.sink.tap = undefined;
    return [...this.#arrivals.values()];
  }

  /**
   * The first `senders` clients each send one room message a second for `seconds`, spread evenly over
   * each second, until done or stopSending(); then waits up to `drainMs` for the answers.
   */
  async sendPaced(senders: number, seconds: number, drainMs: number): Promise<Outcome & { sent: number; unanswered: number }> {
    const clients = [...this.#clients.values()].slice(0, senders);
    const total = clients.length * seconds;
    const dueMs = (j: number) => Math.floor(j / clients.length) * 1000 + ((j % clients.length) * 1000) / clients.length;
    const outcome: Outcome = { ok: 0, refused: {} };
    const answers: Promise<void>[] = [];
    this.#stopSending = false;
    const t0 = performance.now();
    let next = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const elapsed = performance.now() - t0;
        while (!this.#stopSending && next < total && dueMs(next) <= elapsed) {
          const client = clients[next % clients.length]!;
          answers.push(client.request('room.message', { data: `rate-${client.identifier}-${next++}` }).then((a) => tally(outcome, a)));
        }
        if (this.#stopSending || next >= total) return resolve();
        setTimeout(tick, Math.max(1, dueMs(next) - elapsed));
      };
      tick();
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(answers), new Promise((r) => (timer = setTimeout(r, drainMs)))]);
    clearTimeout(timer);
    const answered = outcome.ok + Object.values(outcome.refused).reduce((a, b) => a + b, 0);
    return { ...outcome, sent: next, unanswered: next - answered };
  }

  /** Ends a sendPaced() early (what it sent is still answered and counted). */
  stopSending(): void {
    this.#stopSending = true;
  }

  terminateAll(): void {
    for (const client of this.#clients.values()) client.terminate();
  }
}

function announcesCamera(frame: Buffer, identifier: string): boolean {
  const { data } = JSON.parse(frame.toString()) as { data: { event: number; members: { identifier: string; hasCameraVideo?: boolean }[] } };
  const member = data.members.find((m) => m.identifier === identifier);
  return !!member && (data.event === EndpointEvent.HAS_CAMERA_VIDEO || (data.event === EndpointEvent.ENTER && member.hasCameraVideo === true));
}
