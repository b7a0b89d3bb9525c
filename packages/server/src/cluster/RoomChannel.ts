import { MemberInfo } from '@hudong/protocol';
import { z } from 'zod';

/** A member of a room that spans nodes, as Redis keeps it: the node it is connected to, the change that brought it in, its info. */
export const MemberEntry = z.object({ node: z.string().min(1), entrySeq: z.number().int().positive(), info: MemberInfo });
export type MemberEntry = z.infer<typeof MemberEntry>;

const Seq = z.number().int().positive();
const Identifier = z.string().min(1);

/**
 * What travels on a room's channel `room:{roomId}`: its changes, each numbered by the script that made
 * it (`seq`, one sequence per room, the channel's order), and its messages, which change nothing.
 */
export const RoomChange = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('enter'), seq: Seq, identifier: Identifier, entry: MemberEntry }),
  z.object({ kind: z.literal('exit'), seq: Seq, identifier: Identifier, entrySeq: Seq }),
  /** The member's info changed (sending flags, auth bits). */
  z.object({ kind: z.literal('update'), seq: Seq, identifier: Identifier, entry: MemberEntry }),
  z.object({ kind: z.literal('message'), from: Identifier, data: z.string(), binary: z.boolean() }),
]);
export type RoomChange = z.infer<typeof RoomChange>;

/** The change in a payload, or why it is not one. */
export function parseRoomChange(payload: string): { ok: true; change: RoomChange } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = RoomChange.safeParse(json);
  if (!parsed.success) return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
  return { ok: true, change: parsed.data };
}

/**
 * The order a replica applies its room's channel in. Pure: it is fed what arrives and says what to
 * apply now. Until the replica's base state is known (the enter script's answer), everything is kept;
 * then the changes up to the base's seq are dropped (the state has them) and so are the messages
 * published before it (before this node's member entered). After that, changes must come one seq after
 * the other: a jump means pub/sub lost one (`gap`: the replica rebuilds itself from Redis).
 */
export class ChangeOrder<C extends object> {
  /** Seq of the last change applied; null until the base is known. */
  #last: number | null = null;
  /** The change that made the base was seen on the channel: what follows it is news. */
  #caughtUp = false;
  #buffer: C[] = [];

  /** The seq applied last (null before the base). */
  get seq(): number | null {
    return this.#last;
  }

  /** What to apply of `item`, just received: nothing (kept, or old), itself, or `gap`. */
  receive(item: C): C[] | 'gap' {
    if (this.#last === null) {
      this.#buffer.push(item);
      return [];
    }
    return this.#order(item);
  }

  /** The base state is known, made by the change `seq`: what was kept and follows it, in order (or `gap`). */
  start(seq: number): C[] | 'gap' {
    this.#last = seq;
    this.#caughtUp = false;
    const kept = this.#buffer;
    this.#buffer = [];
    const apply: C[] = [];
    for (const item of kept) {
      const now = this.#order(item);
      if (now === 'gap') return now;
      apply.push(...now);
    }
    return apply;
  }

  /** A state read from Redis whole (after a gap): it is the base, and what comes next is news. */
  reset(seq: number): void {
    this.#last = seq;
    this.#caughtUp = true;
    this.#buffer = [];
  }

  #order(item: C): C[] | 'gap' {
    const last = this.#last!;
    // A change has a seq; a message has none.
    const seq = 'seq' in item ? (item.seq as number) : undefined;
    if (seq === undefined) return this.#caughtUp ? [item] : [];
    if (seq <= last) {
      if (seq === last) this.#caughtUp = true;
      return [];
    }
    if (seq > last + 1) return 'gap';
    this.#last = seq;
    this.#caughtUp = true;
    return [item];
  }
}
