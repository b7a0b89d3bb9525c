import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hostname, tmpdir } from 'node:os';
import { isIPv4 } from 'node:net';
import type { Logger } from 'pino';
import { findDemoDir } from './http/demo-dir.js';
import type { MediaEngine } from './media/MediaEngine.js';

export type RoomTypeName = 'multi' | 'pair';
export type VideoCodecName = 'VP8' | 'H264';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Options of `createServer`; every one is optional, defaults are in `SERVER_DEFAULTS`. */
export interface ServerOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** TCP port; 0 picks any free port. @default 7000 */
  port?: number;
  /** The one app this server serves (AVSDK sdkAppId). @default 1400000001 */
  sdkAppId?: number;
  /** Secret key UserSigs and privilege keys are signed with. Required unless `dev`. */
  secret?: string;
  /** Development mode: makes a random secret when none is given (kept in `hudong-dev-secret` under dataDir or the temp dir, so restarts keep it) and enables `POST /dev/usersig`. @default false */
  dev?: boolean;
  /** Directory of the SQLite identity store (`identity.db`); without it identities live in memory. */
  dataDir?: string;
  /** pino logger to write to. @default pino to stdout at `logLevel` */
  logger?: Logger;
  /** Level of the default logger (ignored when `logger` is given). @default 'info' */
  logLevel?: LogLevel;
  /** Largest WebSocket frame accepted; larger ones close the connection with 1009. @default 65536 */
  maxFrameBytes?: number;
  /** Token bucket refill per connection, frames per second. @default 50 */
  ratePerSecond?: number;
  /** Token bucket size per connection. @default 100 */
  rateBurst?: number;
  /** Malformed frames after which a connection is closed with 4002. @default 100 */
  maxBadFrames?: number;
  /** How long a dropped connection's session (and room membership) is kept for a resume. @default 30000 */
  sessionGraceMs?: number;
  /** Interval clients ping at; connections silent for 3 intervals are closed. @default 5000 */
  heartbeatIntervalMs?: number;
  /** How long a one-to-one room message waits for the recipient's ack. @default 5000 */
  messageAckTimeoutMs?: number;
  /** Lifetime of an invite when the request gives none. @default 30000 */
  inviteTimeoutMs?: number;
  /** How long the identity store may stay locked before a login fails with 10004 STORE_BUSY. @default 2000 */
  storeTimeoutMs?: number;
  /** Rooms this node hosts at most. @default 10000 */
  maxRooms?: number;
  /** Room members this node hosts at most, over all rooms. @default 100000 */
  maxMembers?: number;
  /** Members one room holds at most (about 13 KB of server memory each: docs/server.md). @default 100000 */
  maxMembersPerRoom?: number;
  /**
   * A room holding more members than this is large: members that publish nothing (the audience) are
   * not announced to the others, and its audience's room-wide messages are capped by `roomMessageRate`.
   * @default 50
   */
  largeRoomThreshold?: number;
  /**
   * Room-wide messages per second (burst: one second's worth) that the audience of a large room may
   * send, all of them together, within 20,000 writes a second (a message is a write to every
   * member); past it 10005 ROOM_MESSAGE_RATE. The host (CREATE_ROOM bit) and members that publish
   * are not counted. @default 10
   */
  roomMessageRate?: number;
  /** Room types offered. @default ['multi', 'pair'] */
  roomTypes?: RoomTypeName[];
  /** Refuse `room.enter` without a privilege key. @default false */
  requirePrivilegeKey?: boolean;
  /** Role name (`controlRole`) → the auth bits members of that role are bounded to. @default {} */
  roles?: Record<string, number>;
  /** This node's name in logs, `/healthz` and login results; unique within a cluster (a second live node with it is refused). @default `${hostname}:${pid}` */
  nodeId?: string;
  /**
   * Redis shared by the nodes of a cluster (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS):
   * identities, sessions and node registrations live there (docs/cluster.md), and `dataDir` is not used
   * for identities. `listen()` fails when it cannot be reached.
   * @default none: a single node with its embedded state
   */
  redisUrl?: string;
  /** With `redisUrl`: how often this node renews its registration; a node silent for 3 intervals is lost. @default 1000 */
  clusterHeartbeatMs?: number;
  /** Directory served at `/`. @default apps/demo/dist, else apps/demo of this repo (if it has an index.html), else a built-in page */
  demoDir?: string;
  /** Video codecs a publisher may use, in order of preference: the first one its offer has wins. @default ['VP8', 'H264'] */
  videoCodecs?: VideoCodecName[];
  /** Room policy: members may publish screen video. @default true */
  screenVideo?: boolean;
  /** A media transport that has not connected after this long is closed (10004 TRANSPORT_TIMEOUT). @default 10000 */
  mediaConnectTimeoutMs?: number;
  /** Simulcast layers (rids) one published source may have; an offer with more is refused (10011 TOO_MANY_LAYERS). The SDK offers 2–3. @default 3 */
  maxSimulcastLayers?: number;
  /** Test hook: fraction (0–1) of first transmissions toward subscribers dropped, to exercise NACK. Never set it in production. @default 0 */
  testDropRate?: number;
  /** UDP ports media transports bind to; without it the OS picks. */
  mediaPortRange?: { min: number; max: number };
  /**
   * All media transports share one UDP socket (libjuice's mux mode): the server holds one UDP port and
   * one descriptor for media however many members it serves, instead of one per transport, and the
   * first free port of `mediaPortRange` (or the OS's pick) is that port. Off: a socket per transport.
   * On by default: the CPU per forwarded packet was the same either way (docs/media.md).
   * @default true
   */
  iceUdpMux?: boolean;
  /**
   * IPv4 address media transports bind to and announce as their ICE candidate. libdatachannel gathers
   * no candidates on loopback-range interfaces, so a server on loopback offers none and only peers that
   * send their own candidates (libwebrtc, browsers) can connect; binding fixes that for peers like
   * libdatachannel, but then remote descriptions carrying candidates of other families are refused by
   * libdatachannel, so it is opt-in.
   * @default every interface
   */
  mediaAddress?: string;
  /**
   * With `redisUrl`: the IPv4 address of this node's relay socket (media between nodes, plain RTP over
   * UDP: put it on the cluster's private network), which the other nodes send to.
   * @default `host` when it is one address, else `mediaAddress`, else 127.0.0.1 (one machine only: logged as a warning)
   */
  relayAddress?: string;
  /** The identifier whose UserSig (made with the app's key) authorizes the server API (`/api/v1`, docs/operator.md). @default 'administrator' */
  adminIdentifier?: string;
  /** URLs every webhook event is POSTed to (docs/operator.md). @default [] */
  webhooks?: string[];
  /** Events waiting for one webhook receiver at most; past it new events are dropped (counted in /metrics). @default 10000 */
  webhookQueueLimit?: number;
  /** First delay before a failed webhook POST is retried; doubled each time, at most 30 s. @default 1000 */
  webhookRetryMs?: number;
  /** A webhook event is retried until it has failed for this long, then dropped (at least 60 s: API.md section 6). @default 60000 */
  webhookRetryForMs?: number;
  /** A webhook POST whose receiver stays silent this long (no connection, no answer) counts as failed. @default 5000 */
  webhookTimeoutMs?: number;
  /** Rooms whose events are being POSTed to one receiver at once (each room's one at a time, in order). @default 8 */
  webhookConcurrency?: number;
  /**
   * With `redisUrl` and webhooks: events the cluster's event stream in Redis keeps at most (XADD MAXLEN ~).
   * The delivering node reads it at once into its queues; it only fills while no node delivers, and then
   * its oldest events are dropped. @default 100000
   */
  webhookStreamLimit?: number;
  /**
   * The WebRTC stack under the media plane (ICE, DTLS, SRTP); the server closes it on `close()`.
   * @default node-datachannel on `mediaPortRange` / `mediaAddress`
   */
  mediaEngine?: MediaEngine;
}

type DefaultedOption = Exclude<
  keyof ServerOptions,
  'logger' | 'secret' | 'dataDir' | 'nodeId' | 'redisUrl' | 'demoDir' | 'mediaPortRange' | 'mediaAddress' | 'relayAddress' | 'mediaEngine'
>;

/** The defaults of `ServerOptions`, in one place. */
export const SERVER_DEFAULTS: Readonly<Required<Pick<ServerOptions, DefaultedOption>>> = {
  host: '127.0.0.1',
  port: 7000,
  sdkAppId: 1400000001,
  dev: false,
  logLevel: 'info',
  maxFrameBytes: 65536,
  ratePerSecond: 50,
  rateBurst: 100,
  maxBadFrames: 100,
  sessionGraceMs: 30000,
  heartbeatIntervalMs: 5000,
  messageAckTimeoutMs: 5000,
  inviteTimeoutMs: 30000,
  storeTimeoutMs: 2000,
  maxRooms: 10000,
  maxMembers: 100000,
  maxMembersPerRoom: 100000,
  largeRoomThreshold: 50,
  roomMessageRate: 10,
  roomTypes: ['multi', 'pair'],
  requirePrivilegeKey: false,
  roles: {},
  videoCodecs: ['VP8', 'H264'],
  screenVideo: true,
  mediaConnectTimeoutMs: 10000,
  maxSimulcastLayers: 3,
  testDropRate: 0,
  iceUdpMux: true,
  clusterHeartbeatMs: 1000,
  adminIdentifier: 'administrator',
  webhooks: [],
  webhookQueueLimit: 10000,
  webhookRetryMs: 1000,
  webhookRetryForMs: 60000,
  webhookTimeoutMs: 5000,
  webhookConcurrency: 8,
  webhookStreamLimit: 100000,
};

/** Options with every default applied and checked. */
export interface ServerConfig extends Readonly<
  Omit<Required<Pick<ServerOptions, DefaultedOption>>, 'roomTypes' | 'roles' | 'videoCodecs' | 'webhooks'>
> {
  readonly videoCodecs: readonly VideoCodecName[];
  readonly webhooks: readonly string[];
  readonly mediaPortRange: { readonly min: number; readonly max: number } | undefined;
  readonly mediaAddress: string | undefined;
  readonly relayAddress: string;
  readonly secret: string;
  readonly nodeId: string;
  readonly redisUrl: string | undefined;
  readonly dataDir: string | undefined;
  /** null: serve the built-in page. */
  readonly demoDir: string | null;
  readonly roomTypes: readonly RoomTypeName[];
  readonly roles: Readonly<Record<string, number>>;
}

const INTEGER_LIMITS = {
  port: [0, 65535],
  sdkAppId: [1, 0xffffffff],
  maxFrameBytes: [1024, 64 * 1024 * 1024],
  ratePerSecond: [1, 1e6],
  rateBurst: [1, 1e6],
  maxBadFrames: [1, 1e9],
  sessionGraceMs: [0, 864e5],
  heartbeatIntervalMs: [100, 36e5],
  messageAckTimeoutMs: [1, 36e5],
  inviteTimeoutMs: [1000, 300_000],
  storeTimeoutMs: [0, 36e5],
  maxRooms: [0, 1e9],
  maxMembers: [0, 1e9],
  maxMembersPerRoom: [1, 1e9],
  largeRoomThreshold: [0, 1e9],
  roomMessageRate: [1, 1e6],
  mediaConnectTimeoutMs: [100, 36e5],
  maxSimulcastLayers: [1, 16],
  clusterHeartbeatMs: [50, 60_000],
  webhookQueueLimit: [1, 1e7],
  webhookRetryMs: [10, 60_000],
  webhookRetryForMs: [60_000, 864e5],
  webhookTimeoutMs: [100, 60_000],
  webhookConcurrency: [1, 1000],
  webhookStreamLimit: [100, 1e8],
} as const satisfies Partial<Record<keyof ServerOptions, readonly [number, number]>>;

/** Applies the defaults; throws TypeError for an option out of range. */
export function resolveConfig(options: Omit<ServerOptions, 'logger' | 'mediaEngine'>): ServerConfig {
  const merged = { ...SERVER_DEFAULTS, ...stripUndefined(options) };
  for (const [name, [min, max]] of Object.entries(INTEGER_LIMITS)) {
    const value = merged[name as keyof typeof INTEGER_LIMITS];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new TypeError(`option ${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
    }
  }
  for (const type of merged.roomTypes) {
    if (type !== 'multi' && type !== 'pair') throw new TypeError(`option roomTypes: unknown room type "${String(type)}"`);
  }
  for (const [role, bits] of Object.entries(merged.roles)) {
    if (!Number.isInteger(bits) || bits < 0 || bits > 0xff) throw new TypeError(`option roles.${role} must be auth bits 0–0xff`);
  }
  for (const codec of merged.videoCodecs) {
    if (codec !== 'VP8' && codec !== 'H264') throw new TypeError(`option videoCodecs: unknown codec "${String(codec)}" (VP8, H264)`);
  }
  if (typeof merged.adminIdentifier !== 'string' || !/^[^\s]{1,128}$/u.test(merged.adminIdentifier)) {
    throw new TypeError('option adminIdentifier must be an identifier (1–128 characters, no whitespace)');
  }
  if (!Array.isArray(merged.webhooks)) throw new TypeError('option webhooks must be an array of URLs');
  for (const url of merged.webhooks) {
    if (!isHttpUrl(url)) throw new TypeError(`option webhooks: "${String(url)}" is not an http:// or https:// URL`);
  }
  if (merged.videoCodecs.length === 0) throw new TypeError('option videoCodecs must name at least one codec');
  if (typeof merged.testDropRate !== 'number' || !(merged.testDropRate >= 0 && merged.testDropRate <= 1)) {
    throw new TypeError('option testDropRate must be a number in [0, 1]');
  }
  const range = options.mediaPortRange;
  if (
    range !== undefined &&
    !(Number.isInteger(range.min) && Number.isInteger(range.max) && range.min >= 1024 && range.min <= range.max && range.max <= 65535)
  ) {
    throw new TypeError('option mediaPortRange must be {min, max} with 1024 <= min <= max <= 65535');
  }
  if (typeof merged.iceUdpMux !== 'boolean') throw new TypeError('option iceUdpMux must be true or false');
  if (options.mediaAddress !== undefined && !isIPv4(options.mediaAddress)) throw new TypeError('option mediaAddress must be an IPv4 address');
  if (options.relayAddress !== undefined && !isIPv4(options.relayAddress)) throw new TypeError('option relayAddress must be an IPv4 address');
  if (!options.secret && !merged.dev) throw new TypeError('option secret is required unless dev is set');
  if (options.redisUrl !== undefined && !isRedisUrl(options.redisUrl)) {
    // Not echoed: it may carry a password.
    throw new TypeError('option redisUrl must be a redis:// or rediss:// URL with a host (redis://HOST:PORT)');
  }
  if (options.nodeId !== undefined && (typeof options.nodeId !== 'string' || options.nodeId.length === 0)) {
    throw new TypeError('option nodeId must be a non-empty string');
  }
  return {
    ...merged,
    secret: options.secret || devSecret(options.dataDir),
    nodeId: options.nodeId ?? `${hostname()}:${process.pid}`,
    redisUrl: options.redisUrl,
    dataDir: options.dataDir,
    demoDir: options.demoDir ?? findDemoDir(),
    roomTypes: [...merged.roomTypes],
    roles: { ...merged.roles },
    videoCodecs: [...merged.videoCodecs],
    webhooks: [...merged.webhooks],
    mediaPortRange: range ? { min: range.min, max: range.max } : undefined,
    mediaAddress: options.mediaAddress,
    relayAddress: options.relayAddress ?? (isIPv4(merged.host) && merged.host !== '0.0.0.0' ? merged.host : (options.mediaAddress ?? '127.0.0.1')),
  };
}

/**
 * The dev secret is random once per machine (or data dir) and then kept in a 0600 file, so a
 * restarted `--dev` server still accepts the UserSigs its clients hold and they can reconnect.
 */
function devSecret(dataDir: string | undefined): string {
  const file = join(dataDir ?? tmpdir(), 'hudong-dev-secret');
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(kept)) return kept;
  } catch {
    /* first start */
  }
  const secret = randomBytes(32).toString('hex');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

function isHttpUrl(url: unknown): boolean {
  try {
    const { protocol } = new URL(String(url));
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function isRedisUrl(url: string): boolean {
  try {
    const { protocol, hostname: host } = new URL(url);
    return (protocol === 'redis:' || protocol === 'rediss:') && host !== '';
  } catch {
    return false;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
