import {
  AuthBitsField,
  Identifier,
  MessageData,
  RoleField,
  RoomId,
  RoomType as RoomTypeSchema,
  SdkAppId,
  TerminalField,
  TinyId,
  type Lang,
} from '@hudong/protocol';
import { invalidArgument } from './util/errors.js';
import { isLogger, noopLogger, type Logger } from './util/logger.js';
import { bytesToBase64 } from './util/base64.js';
import { normalizeWebRtc } from './engine/media/webrtc.js';
import { DEFAULTS, type AVContextOptions, type EnterRoomParams, type InviteOptions, type StartParams, type ViewRequest } from './options.js';

/**
 * Argument checks of the public API (1004, naming the argument), made with the protocol's own
 * field schemas so that what passes here also passes the server. Inputs are copied, never kept.
 */
interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly { message: string }[] } };
}

export function check<T>(schema: Schema<T>, value: unknown, argument: string, lang: Lang): T {
  let r: ReturnType<Schema<T>['safeParse']>;
  try {
    r = schema.safeParse(value);
  } catch (err) {
    // A refinement may throw on input an earlier check already refused (zod 4 runs both), e.g.
    // TinyId's BigInt() on "abc": that is still just a bad argument.
    throw invalidArgument(argument, `${(err as Error).message} (got ${show(value)})`, lang);
  }
  if (r.success) return r.data;
  throw invalidArgument(argument, `${r.error.issues[0]?.message ?? 'invalid'} (got ${show(value)})`, lang);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

function object(value: unknown, argument: string, lang: Lang): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalidArgument(argument, `must be an object (got ${show(value)})`, lang);
  return value as Record<string, unknown>;
}

function optional<T>(value: unknown, fallback: T, parse: (v: unknown) => T): T {
  return value === undefined ? fallback : parse(value);
}

const MAX_TIMER_MS = 0x7fffffff;
export function timeoutMs(value: unknown, argument: string, fallback: number, lang: Lang): number {
  return optional(value, fallback, (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_TIMER_MS)
      throw invalidArgument(argument, `must be an integer number of ms in 1..${MAX_TIMER_MS} (got ${show(v)})`, lang);
    return v;
  });
}

function oneOf<T extends string>(values: readonly T[], value: unknown, argument: string, lang: Lang): T {
  if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
  throw invalidArgument(argument, `must be ${values.map((v) => `'${v}'`).join(' or ')} (got ${show(value)})`, lang);
}

function boolean(value: unknown, argument: string, lang: Lang): boolean {
  if (typeof value !== 'boolean') throw invalidArgument(argument, `must be true or false (got ${show(value)})`, lang);
  return value;
}

function key(value: unknown, argument: string, lang: Lang): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 4096)
    throw invalidArgument(argument, `must be a non-empty string of at most 4096 characters (got ${show(value)})`, lang);
  return value;
}

export type ResolvedContextOptions = Required<Omit<AVContextOptions, 'webrtc' | 'logger' | 'serverUrl'>> & {
  /** One or more, as given. */
  serverUrl: string[];
  webrtc: unknown;
  logger: Logger;
};

const WS_URL = /^wss?:\/\/[^\s]+$/i;
/** Nodes in `serverUrl`: a list is the nodes of one cluster, not a directory. */
const MAX_SERVER_URLS = 16;

/** `AVContext.create` options; `lang` is checked first so the other errors can use it. */
export function contextOptions(options: unknown): ResolvedContextOptions {
  const lang0 = (options as { lang?: unknown } | null)?.lang;
  const lang: Lang = lang0 === 'zh' ? 'zh' : DEFAULTS.lang;
  const o = object(options, 'options', lang);
  if (o.lang !== undefined) oneOf(['en', 'zh'], o.lang, 'options.lang', lang);
  const urls = Array.isArray(o.serverUrl) ? (o.serverUrl as unknown[]) : [o.serverUrl];
  if (urls.length === 0 || urls.length > MAX_SERVER_URLS || !urls.every((u) => typeof u === 'string' && WS_URL.test(u)))
    throw invalidArgument(
      'options.serverUrl',
      `must be a ws:// or wss:// URL, or a list of 1–${MAX_SERVER_URLS} of them (got ${show(o.serverUrl)})`,
      lang,
    );
  if (o.logger !== undefined && !isLogger(o.logger)) throw invalidArgument('options.logger', 'must have debug, info, warn and error methods', lang);
  const isBrowser = typeof process === 'undefined' || !process.versions?.node;
  return {
    serverUrl: urls as string[],
    sdkAppId: check(SdkAppId, o.sdkAppId, 'options.sdkAppId', lang),
    lang,
    reconnectTimeoutMs: optional(o.reconnectTimeoutMs, DEFAULTS.reconnectTimeoutMs, (v) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_TIMER_MS)
        throw invalidArgument('options.reconnectTimeoutMs', `must be an integer number of ms ≥ 0 (got ${show(v)})`, lang);
      return v;
    }),
    logger: (o.logger as Logger | undefined) ?? noopLogger,
    webrtc: optional(o.webrtc, undefined as unknown, (v) => {
      if (v !== null && !normalizeWebRtc(v))
        throw invalidArgument('options.webrtc', "must be a WebRTC implementation with RTCPeerConnection (e.g. await import('@roamhq/wrtc'))", lang);
      return v;
    }),
    simulcast: optional(o.simulcast, DEFAULTS.simulcast as boolean, (v) => boolean(v, 'options.simulcast', lang)),
    terminal: optional(o.terminal, isBrowser ? 'web' : 'node', (v) => check(TerminalField, v, 'options.terminal', lang)),
    requestTimeoutMs: timeoutMs(o.requestTimeoutMs, 'options.requestTimeoutMs', DEFAULTS.requestTimeoutMs, lang),
  };
}

export function startParams(params: unknown, lang: Lang): Required<StartParams> {
  const p = object(params, 'params', lang);
  if (typeof p.userSig !== 'string' || p.userSig.length === 0 || p.userSig.length > 4096)
    throw invalidArgument('userSig', `must be a non-empty string of at most 4096 characters (got ${show(p.userSig)})`, lang);
  return {
    identifier: check(Identifier, p.identifier, 'identifier', lang),
    userSig: p.userSig,
    timeoutMs: timeoutMs(p.timeoutMs, 'timeoutMs', DEFAULTS.startTimeoutMs, lang),
  };
}

export type ResolvedEnterParams = Required<Omit<EnterRoomParams, 'privilegeKey'>> & { privilegeKey?: string };

export function enterParams(params: unknown, lang: Lang): ResolvedEnterParams {
  const p = object(params, 'params', lang);
  const privilegeKey = key(p.privilegeKey, 'privilegeKey', lang);
  return {
    roomId: check(RoomId, p.roomId, 'roomId', lang),
    roomType: optional(p.roomType, DEFAULTS.roomType, (v) => check(RoomTypeSchema, v, 'roomType', lang)),
    authBits: optional(p.authBits, DEFAULTS.authBits, (v) => check(AuthBitsField, v, 'authBits', lang)),
    ...(privilegeKey !== undefined ? { privilegeKey } : {}),
    controlRole: optional(p.controlRole, DEFAULTS.controlRole, (v) => check(RoleField, v, 'controlRole', lang)),
    createRoom: optional(p.createRoom, DEFAULTS.createRoom, (v) => boolean(v, 'createRoom', lang)),
    videoRecvMode: optional(p.videoRecvMode, DEFAULTS.videoRecvMode, (v) => oneOf(['manual', 'semi-auto'], v, 'videoRecvMode', lang)),
    timeoutMs: timeoutMs(p.timeoutMs, 'timeoutMs', DEFAULTS.enterTimeoutMs, lang),
  };
}

export function authority(bits: unknown, privilegeKey: unknown, lang: Lang): { authBits: number; privilegeKey?: string } {
  const authBits = check(AuthBitsField, bits, 'authBits', lang);
  const k = key(privilegeKey, 'privilegeKey', lang);
  return { authBits, ...(k !== undefined ? { privilegeKey: k } : {}) };
}

/** A role name for changeRole: 1–64 characters (enterRoom's `controlRole` may be '', no role). */
export function role(name: unknown, lang: Lang): string {
  const r = check(RoleField, name, 'role', lang);
  if (r.length === 0) throw invalidArgument('role', 'must name a role (got "")', lang);
  return r;
}

export function viewList(list: unknown, lang: Lang): ViewRequest[] {
  if (!Array.isArray(list)) throw invalidArgument('list', `must be an array of { identifier, srcType, size } (got ${show(list)})`, lang);
  const seen = new Set<string>();
  return list.map((item, i) => {
    const v = object(item, `list[${i}]`, lang);
    const view: ViewRequest = {
      identifier: check(Identifier, v.identifier, `list[${i}].identifier`, lang),
      srcType: oneOf(['camera', 'screen', 'media'], v.srcType, `list[${i}].srcType`, lang),
      size: oneOf(['big', 'small'], v.size, `list[${i}].size`, lang),
    };
    const k = `${view.identifier}\u0000${view.srcType}`;
    if (seen.has(k)) throw invalidArgument(`list[${i}]`, `${view.identifier}'s ${view.srcType} is listed twice`, lang);
    seen.add(k);
    return view;
  });
}

/**
 * Room messages must fit one WebSocket frame: the server's default `maxFrameBytes` is 65536, so the
 * payload keeps a margin below it for the envelope (a larger frame would cost us the connection).
 */
export const MAX_MESSAGE_WIRE_BYTES = 65536 - 512;

export function message(
  data: unknown,
  opts: unknown,
  lang: Lang,
  defaultTimeoutMs: number,
): { data: string; binary: boolean; to?: string; timeoutMs: number } {
  const o = opts === undefined ? {} : object(opts, 'options', lang);
  let text: string;
  let binary = false;
  if (typeof data === 'string') text = data;
  else if (data instanceof Uint8Array) {
    text = bytesToBase64(data);
    binary = true;
  } else throw invalidArgument('data', `must be a string or a Uint8Array (got ${show(data)})`, lang);
  check(MessageData, text, 'data', lang);
  const wireBytes = new TextEncoder().encode(JSON.stringify(text)).length;
  if (wireBytes > MAX_MESSAGE_WIRE_BYTES)
    throw invalidArgument('data', `is ${wireBytes} bytes on the wire; at most ${MAX_MESSAGE_WIRE_BYTES} fit in one frame`, lang);
  const to = o.to === undefined ? undefined : check(Identifier, o.to, 'options.to', lang);
  return { data: text, binary, ...(to !== undefined ? { to } : {}), timeoutMs: timeoutMs(o.timeoutMs, 'options.timeoutMs', defaultTimeoutMs, lang) };
}

export function inviteArgs(to: unknown, opts: unknown, lang: Lang): { to: string; roomId: number; timeoutMs?: number } {
  const o = object(opts, 'options', lang) as Partial<InviteOptions>;
  const t = o.timeoutMs;
  if (t !== undefined && (typeof t !== 'number' || !Number.isInteger(t) || t < 1000 || t > 300_000))
    throw invalidArgument('options.timeoutMs', `must be an integer number of ms in 1000..300000 (got ${show(t)})`, lang);
  return {
    to: check(Identifier, to, 'to', lang),
    roomId: check(RoomId, o.roomId, 'options.roomId', lang),
    ...(t !== undefined ? { timeoutMs: t } : {}),
  };
}

export function inviteId(id: unknown, lang: Lang): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 64)
    throw invalidArgument('inviteId', `must be a non-empty string of at most 64 characters (got ${show(id)})`, lang);
  return id;
}

export const identifier = (v: unknown, lang: Lang): string => check(Identifier, v, 'identifier', lang);
export function tinyId(v: unknown, lang: Lang): string {
  // Digits first: the protocol schema's uint64 refinement would throw on anything else.
  if (typeof v !== 'string' || !/^[0-9]+$/.test(v)) throw invalidArgument('tinyId', `must be a uint64 as a decimal string (got ${show(v)})`, lang);
  return check(TinyId, v, 'tinyId', lang);
}
