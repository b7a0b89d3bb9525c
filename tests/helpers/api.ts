// The server API (REST) and webhooks from a test's side: an admin caller, and a real HTTP receiver
// of webhook events that checks their signature and can be told to fail.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthBits } from '@hudong/protocol';
import type { RawClient } from './raw-client.js';
import { TEST_SECRET, userSigFor } from './server.js';
import { waitUntil } from './wait-until.js';

export const ADMIN = 'administrator';

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
}

/** One call of `/api/v1…` with the admin's UserSig (or `sig`: another one, or null for none). */
export async function api<T = unknown>(
  httpUrl: string,
  method: string,
  path: string,
  opts: { body?: unknown; rawBody?: string; sig?: string | null } = {},
): Promise<ApiAnswer<T>> {
  const sig = opts.sig === undefined ? userSigFor(ADMIN) : opts.sig;
  const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const res = await fetch(`${httpUrl}/api/v1${path}`, {
    method,
    headers: { ...(sig !== null && { authorization: `Bearer ${sig}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
    body,
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** A webhook event as received. */
export interface ReceivedEvent {
  id: string;
  event: string;
  timestamp: number;
  sdkAppId: number;
  roomId: number;
  identifier?: string;
  srcType?: string;
  reason?: string;
  node: string;
}

/** A webhook receiver on 127.0.0.1: keeps every POST it took (2xx), checks each signature, answers 500 while `failNext` > 0. */
export class WebhookReceiver {
  /** Events taken, in arrival order (retries of one it already took included: `ids` shows those). */
  readonly events: ReceivedEvent[] = [];
  /** Every POST, taken or refused: event id and status answered. */
  readonly attempts: { id: string; status: number; at: number }[] = [];
  readonly badSignatures: string[] = [];
  failNext = 0;
  readonly #server: Server;

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const expected = `sha256=${createHmac('sha256', TEST_SECRET).update(raw).digest('hex')}`;
        if (req.headers['x-hudong-signature'] !== expected) this.badSignatures.push(raw);
        const event = JSON.parse(raw) as ReceivedEvent;
        const status = this.failNext > 0 ? (this.failNext--, 500) : 200;
        this.attempts.push({ id: event.id, status, at: Date.now() });
        if (status === 200) this.events.push(event);
        res.writeHead(status).end();
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  /** The events of one room, in arrival order. */
  ofRoom(roomId: number): ReceivedEvent[] {
    return this.events.filter((e) => e.roomId === roomId);
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

/** room.enter with the default bits (the host's), creating the room unless told not to. */
export const enterAs = (client: RawClient, roomId: number, createRoom = true) =>
  client.call('room.enter', { roomId, roomType: 'multi', authBits: AuthBits.DEFAULT, createRoom });

/** What a room's events say, in order: `event identifier? srcType|reason? [node]`. */
export function story(events: ReceivedEvent[], { withNode = false } = {}): string[] {
  return events.map((e) => [e.event, e.identifier, e.srcType ?? e.reason, withNode ? e.node : undefined].filter(Boolean).join(' '));
}

/** Every member's events alternate entered, exited (no exit without its entry), per room. */
export function assertPaired(events: ReceivedEvent[]): void {
  const inRoom = new Map<string, boolean>();
  for (const e of events) {
    const key = `${e.roomId}:${e.identifier}`;
    if (e.event === 'member.entered') {
      assert.ok(!inRoom.get(key), `${key} entered twice without an exit`);
      inRoom.set(key, true);
    } else if (e.event === 'member.exited') {
      assert.ok(inRoom.get(key), `${key} exited without its entry`);
      inRoom.set(key, false);
    }
  }
}

/**
 * One room's life as its webhooks tell it: created, its members' events, destroyed once they all
 * left; and again if members came back after it closed. Entries and exits are paired.
 */
export function assertRoomLife(roomId: number, events: ReceivedEvent[]): void {
  assertPaired(events);
  const inRoom = new Set<string>();
  let open = false;
  for (const e of events) {
    if (e.event === 'room.created') {
      assert.ok(!open, `room ${roomId} created twice`);
      open = true;
    } else if (e.event === 'room.destroyed') {
      assert.ok(open, `room ${roomId} destroyed before created`);
      assert.equal(inRoom.size, 0, `room ${roomId} destroyed with members in it`);
      open = false;
    } else {
      assert.ok(open, `${e.event} of ${e.identifier} outside the room's life`);
      if (e.event === 'member.entered') inRoom.add(e.identifier!);
      else if (e.event === 'member.exited') inRoom.delete(e.identifier!);
    }
  }
}

/** Waits until the churn over `rooms` is all told (`exits` member.exited, each room's last event room.destroyed); its events. */
export async function churnTold(receiver: WebhookReceiver, rooms: number[], exits: number, timeoutMs: number): Promise<ReceivedEvent[]> {
  const ofChurn = () => receiver.events.filter((e) => rooms.includes(e.roomId));
  await waitUntil(
    'every exit and room.destroyed',
    () => {
      const events = ofChurn();
      const told = events.filter((e) => e.event === 'member.exited').length;
      return told === exits && rooms.every((r) => events.filter((e) => e.roomId === r).at(-1)?.event === 'room.destroyed');
    },
    timeoutMs,
  );
  return ofChurn();
}
