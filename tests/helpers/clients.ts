import {
  AVContext,
  AVError,
  type AVContextEvents,
  type AVDeviceManager,
  type AVDeviceManagerEvents,
  type AVRoom,
  type AVRoomEvents,
} from '@hudong/sdk';
import assert from 'node:assert/strict';
import { TEST_APP_ID, userSigFor } from './server.js';

let counter = 0;
/** A fresh identifier per call, so tests in one server never collide. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${process.pid}-${++counter}`;
}

let roomCounter = 1000 + (process.pid % 1000) * 1000;
export function uniqueRoomId(): number {
  return ++roomCounter;
}

export interface ClientOptions {
  lang?: 'en' | 'zh';
  reconnectTimeoutMs?: number;
  /** The WebRTC implementation (default: @roamhq/wrtc, found by the SDK). */
  webrtc?: unknown;
}

/** A context that is already started as `identifier`. */
export async function startedContext(serverUrl: string | string[], identifier: string, opts: ClientOptions = {}): Promise<AVContext> {
  const ctx = AVContext.create({
    serverUrl,
    sdkAppId: TEST_APP_ID,
    lang: opts.lang ?? 'en',
    reconnectTimeoutMs: opts.reconnectTimeoutMs ?? 30000,
    ...(opts.webrtc ? { webrtc: opts.webrtc } : {}),
  });
  await ctx.start({ identifier, userSig: userSigFor(identifier) });
  return ctx;
}

/** Tears a context down whatever state it is in. */
export async function dispose(...contexts: (AVContext | undefined)[]): Promise<void> {
  for (const ctx of contexts) {
    if (!ctx) continue;
    try {
      if (ctx.room && ctx.room.state !== 'exited') await ctx.exitRoom();
    } catch {
      /* already gone */
    }
    try {
      if (ctx.state === 'started') await ctx.stop();
    } catch {
      /* already stopped */
    }
    try {
      if (ctx.state === 'stopped') await ctx.destroy();
    } catch {
      /* already destroyed */
    }
  }
}

/** Awaits a promise expected to reject with an AVError of `code`; returns the error. */
export async function rejectsWith(promise: Promise<unknown>, code: number, name: string): Promise<AVError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof AVError, `expected AVError ${code}, got ${caught === undefined ? 'success' : String(caught)}`);
  assert.equal(caught.code, code, `expected ${code} ${name}, got ${caught.code} ${caught.codeName}: ${caught.message}`);
  assert.equal(caught.codeName, name);
  return caught;
}

/** Same for a server code: also requires a non-empty detail naming the real cause. */
export async function rejectsWithServer(promise: Promise<unknown>, code: number, name: string, subCode?: string): Promise<AVError> {
  const err = await rejectsWith(promise, code, name);
  assert.ok(err.detail, `${name} must carry a detail`);
  assert.ok(String(err.detail.code).length > 0 && err.detail.message.length > 0, `${name} detail must be non-empty`);
  if (subCode) assert.equal(err.detail.code, subCode, `detail: ${JSON.stringify(err.detail)}`);
  return err;
}

/** The event map of an SDK emitter: event name → the arguments its listeners get. */
type EventsOf<T> = T extends AVRoom
  ? AVRoomEvents
  : T extends AVDeviceManager
    ? AVDeviceManagerEvents
    : T extends AVContext
      ? AVContextEvents
      : never;

/** Resolves with the arguments of the next `event` the emitter fires. */
export function nextEvent<T extends AVRoom | AVDeviceManager | AVContext, K extends keyof EventsOf<T> & string>(
  emitter: T,
  event: K,
  timeoutMs = 10_000,
): Promise<EventsOf<T>[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' within ${timeoutMs} ms`)), timeoutMs);
    // Each emitter's `once` is generic over its own map, so on the union of them only this form is callable;
    // `K` names an event of T's map, whose listener gets EventsOf<T>[K].
    (emitter as { once(event: string, fn: (...args: unknown[]) => void): unknown }).once(event, (...args) => {
      clearTimeout(timer);
      resolve(args as EventsOf<T>[K]);
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
