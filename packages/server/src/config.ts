import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hostname, tmpdir } from 'node:os';
import { isIPv4 } from 'node:net';
import type { Logger } from 'pino';
import { findDemoDir } from './http/demo-dir.js';
import type { MediaEngine } from './media/MediaEngine.js';
import { DEFAULT_ROLES, resolveRoles, type Role, type RoleOption } from './rooms/roles.js';

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
  /** Secret key UserSigs and privilege keys are signed with, at least 32 characters. Required unless `dev`. */
  secret?: string;
  /**
   * Development mode: makes a random secret when none is given (kept in a 0600 `hudong-dev-secret` under
   * dataDir or the temp dir, so restarts keep it), accepts a secret of any length, and enables
   * `POST /dev/usersig`, which hands a UserSig to anyone who asks: refused on a host other than loopback
   * unless `devPublic` is set too. @default false
   */
  dev?: boolean;
  /** Allows `dev` on a host other than loopback (a demo on a LAN), where anyone who reaches the port can log in as anyone. @default false */
  devPublic?: boolean;
  /** Directory of the SQLite identity store (`identity.db`, mode 0600; the directory is made 0700); without it identities live in memory. */
  dataDir?: string;
  /** pino logger to write to. @default pino to stdout at `logLevel` */
  logger?: Logger;
  /** Level of the default logger (ignored when `logger` is given). @default 'info' */
  logLevel?: LogLevel;
  /** Open signalling connections this node takes at most; further upgrades are answered HTTP 503. @default 100000 */
  maxConnections?: number;
  /** Open signalling connections from one IP address at most (behind a proxy every client has the proxy's); further upgrades are answered HTTP 429. @default 1000 */
  maxConnectionsPerIp?: number;
  /**
   * Browser origins (`https://app.example`) whose pages may open the signalling WebSocket; an upgrade
   * carrying another `Origin` is answered HTTP 403. Clients that send no `Origin` (not browsers) are
   * not affected. @default any origin
   */
  allowedOrigins?: string[];
  /** A connection that has not logged in this long after it opened (or after its logout) is closed with 4003. @default 10000 */
  loginTimeoutMs?: number;
  /** Identifiers or tinyIds one `identity.toTinyIds` / `identity.toIdentifiers` may name (10005 IDENTITY_BATCH_LIMIT). @default 100 */
  maxIdentityBatch?: number;
  /** identifier ↔ tinyId pairs kept in memory for those lookups (they never change); 0 turns the cache off. @default 100000 */
  identityCacheSize?: number;
  /** Largest WebSocket frame accepted; larger ones close the connection with 1009. @default 65536 */
  maxFrameBytes?: number;
  /** Token bucket refill per connection, frames per second. @default 50 */
  ratePerSecond?: number;
  /** Token bucket size per connection. @default 100 */
  rateBurst?: number;
  /** Malformed frames after which a connection is closed with 4002. @default 100 */
  maxBadFrames?: number;
  /**
   * Bytes that may wait to be written to one connection (queued events plus the socket's send buffer);
   * past it the client counts as a slow consumer and is closed with 4009, its session kept for a resume.
   * @default 4194304 (4 MiB)
   */
  maxSendQueueBytes?: number;
  /** How long a dropped connection's session (and room membership) is kept for a resume. @default 30000 */
  sessionGraceMs?: number;
  /** Interval clients ping at; connections silent for 3 intervals are closed. @default 5000 */
  heartbeatIntervalMs?: number;
  /** How long a one-to-one room message waits for the recipient's ack. @default 5000 */
  messageAckTimeoutMs?: number;
  /** Lifetime of an invite when the request gives none. @default 30000 */
  inviteTimeoutMs?: number;
  /** Longest lifetime an invite gets: a request's `timeoutMs` (and `inviteTimeoutMs`) above it is cut to it. @default 60000 */
  maxInviteTimeoutMs?: number;
  /** Invites one identifier may have pending at once; past it `invite.send` answers 10005 TOO_MANY_INVITES. @default 10 */
  maxPendingInvitesPerInviter?: number;
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
  /**
   * Roles (`controlRole`, `room.changeRole`) by name: `{ authBits?, video?: { width, height, fps,
   * maxBitrateKbps }, audio?: { maxBitrateKbps } }`, or auth bits alone. `authBits` bounds the
   * member's bits (never widening a privilege key's); `video`/`audio` are what its client sends at.
   * These add to the defaults, replacing a default of the same name; any other non-empty name is
   * refused with 10002 UNKNOWN_ROLE (docs/auth.md "Roles").
   * @default LiveMaster (640x480 @ 30, 1200 kbps), LiveGuest (480x360 @ 20, 600 kbps), Guest (AuthBits.AUDIENCE)
   */
  roles?: Record<string, RoleOption>;
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
  /** Views (subscriptions) one member may hold at once; one more is refused (10005 TOO_MANY_VIEWS). A member never views itself (10002 VIEW_SELF). The SDK views every member that sends audio, plus the videos asked for: a grid of 30 publishers with audio takes 60. @default 64 */
  maxViewsPerMember?: number;
  /**
   * Packets kept per incoming stream (a simulcast layer, or the only stream) to answer NACKs and to
   * start new views from the newest keyframe; a power of two. With `maxRtpPacketBytes` it bounds the
   * store's memory: at most this × `maxRtpPacketBytes` bytes per layer. @default 1024
   */
  retransmissionPackets?: number;
  /** Largest RTP packet a publisher may send (bigger ones are dropped: counted in `hudong_rtp_oversized_total`). @default 1500 */
  maxRtpPacketBytes?: number;
  /**
   * File descriptors kept free for everything but media (WebSockets, `/healthz`, the identity store):
   * a new media transport is refused (10005 NODE_FD_RESERVE) while fewer than this many are free.
   * 0 turns the check off. @default 64
   */
  mediaFdReserve?: number;
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
   * Media connections (both directions) run on Hudong's native engine (packages/server/native:
   * ICE-lite, DTLS-SRTP, SRTP and sendmmsg batches in C++ on one UDP socket read on the main thread)
   * instead of node-datachannel: about half the CPU per forwarded packet (docs/media.md "Native media
   * engine"). When the module was not built at install (no C++ compiler or Node headers) the server
   * says so at start and uses node-datachannel. The socket binds the first free port of `mediaPortRange`
   * (or the OS's pick) and `mediaAddress` when set; `iceUdpMux` then does not apply.
   * @default true
   */
  nativeMedia?: boolean;
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
  | 'logger'
  | 'secret'
  | 'dataDir'
  | 'nodeId'
  | 'redisUrl'
  | 'demoDir'
  | 'mediaPortRange'
  | 'mediaAddress'
  | 'relayAddress'
  | 'mediaEngine'
  | 'allowedOrigins'
>;

/** The defaults of `ServerOptions`, in one place. */
export const SERVER_DEFAULTS: Readonly<Required<Pick<ServerOptions, DefaultedOption>>> = {
  host: '127.0.0.1',
  port: 7000,
  sdkAppId: 1400000001,
  dev: false,
  devPublic: false,
  logLevel: 'info',
  maxConnections: 100000,
  maxConnectionsPerIp: 1000,
  loginTimeoutMs: 10000,
  maxIdentityBatch: 100,
  identityCacheSize: 100000,
  maxFrameBytes: 65536,
  ratePerSecond: 50,
  rateBurst: 100,
  maxBadFrames: 100,
  maxSendQueueBytes: 4 * 1024 * 1024,
  sessionGraceMs: 30000,
  heartbeatIntervalMs: 5000,
  messageAckTimeoutMs: 5000,
  inviteTimeoutMs: 30000,
  maxInviteTimeoutMs: 60000,
  maxPendingInvitesPerInviter: 10,
  storeTimeoutMs: 2000,
  maxRooms: 10000,
  maxMembers: 100000,
  maxMembersPerRoom: 100000,
  largeRoomThreshold: 50,
  roomMessageRate: 10,
  roomTypes: ['multi', 'pair'],
  requirePrivilegeKey: false,
  roles: DEFAULT_ROLES,
  videoCodecs: ['VP8', 'H264'],
  screenVideo: true,
  mediaConnectTimeoutMs: 10000,
  maxSimulcastLayers: 3,
  maxViewsPerMember: 64,
  retransmissionPackets: 1024,
  maxRtpPacketBytes: 1500,
  mediaFdReserve: 64,
  testDropRate: 0,
  iceUdpMux: true,
  nativeMedia: true,
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
  /** Origins as `URL.origin` writes them; undefined: any. */
  readonly allowedOrigins: readonly string[] | undefined;
  /** null: serve the built-in page. */
  readonly demoDir: string | null;
  readonly roomTypes: readonly RoomTypeName[];
  readonly roles: Readonly<Record<string, Role>>;
}

const INTEGER_LIMITS = {
  port: [0, 65535],
  sdkAppId: [1, 0xffffffff],
  maxConnections: [1, 1e9],
  maxConnectionsPerIp: [1, 1e9],
  loginTimeoutMs: [100, 36e5],
  maxIdentityBatch: [1, 1000],
  identityCacheSize: [0, 1e8],
  maxFrameBytes: [1024, 64 * 1024 * 1024],
  ratePerSecond: [1, 1e6],
  rateBurst: [1, 1e6],
  maxBadFrames: [1, 1e9],
  maxSendQueueBytes: [4096, 1024 * 1024 * 1024],
  sessionGraceMs: [0, 864e5],
  heartbeatIntervalMs: [100, 36e5],
  messageAckTimeoutMs: [1, 36e5],
  inviteTimeoutMs: [1000, 300_000],
  maxInviteTimeoutMs: [1000, 300_000],
  maxPendingInvitesPerInviter: [1, 1e6],
  storeTimeoutMs: [0, 36e5],
  maxRooms: [0, 1e9],
  maxMembers: [0, 1e9],
  maxMembersPerRoom: [1, 1e9],
  largeRoomThreshold: [0, 1e9],
  roomMessageRate: [1, 1e6],
  mediaConnectTimeoutMs: [100, 36e5],
  maxSimulcastLayers: [1, 16],
  maxViewsPerMember: [1, 10_000],
  retransmissionPackets: [16, 32768],
  maxRtpPacketBytes: [256, 65535],
  mediaFdReserve: [0, 1e6],
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
  const roles = resolveRoles({ ...DEFAULT_ROLES, ...options.roles });
  for (const codec of merged.videoCodecs) {
    if (codec !== 'VP8' && codec !== 'H264') throw new TypeError(`option videoCodecs: unknown codec "${String(codec)}" (VP8, H264)`);
  }
  if ((merged.retransmissionPackets & (merged.retransmissionPackets - 1)) !== 0) {
    throw new TypeError(`option retransmissionPackets must be a power of two, got ${merged.retransmissionPackets}`);
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
  if (typeof merged.nativeMedia !== 'boolean') throw new TypeError('option nativeMedia must be true or false');
  if (options.mediaAddress !== undefined && !isIPv4(options.mediaAddress)) throw new TypeError('option mediaAddress must be an IPv4 address');
  if (options.relayAddress !== undefined && !isIPv4(options.relayAddress)) throw new TypeError('option relayAddress must be an IPv4 address');
  checkSecurity(options, merged);
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
    allowedOrigins: options.allowedOrigins && resolveOrigins(options.allowedOrigins),
    demoDir: options.demoDir ?? findDemoDir(),
    roomTypes: [...merged.roomTypes],
    roles,
    videoCodecs: [...merged.videoCodecs],
    webhooks: [...merged.webhooks],
    mediaPortRange: range ? { min: range.min, max: range.max } : undefined,
    mediaAddress: options.mediaAddress,
    relayAddress: options.relayAddress ?? (isIPv4(merged.host) && merged.host !== '0.0.0.0' ? merged.host : (options.mediaAddress ?? '127.0.0.1')),
  };
}

/** The shortest secret accepted outside dev mode: 32 characters, e.g. `openssl rand -hex 32` (64). */
const MIN_SECRET_LENGTH = 32;

function checkSecurity(options: Omit<ServerOptions, 'logger' | 'mediaEngine'>, merged: { dev: boolean; devPublic: boolean; host: string }): void {
  if (!merged.dev) {
    if (!options.secret) throw new TypeError('option secret is required unless dev is set');
    if (options.secret.length < MIN_SECRET_LENGTH) {
      throw new TypeError(
        `option secret must have at least ${MIN_SECRET_LENGTH} characters, it has ${options.secret.length} (make one with \`openssl rand -hex 32\`)`,
      );
    }
  }
  if (typeof merged.devPublic !== 'boolean') throw new TypeError('option devPublic must be true or false');
  if (merged.dev && !merged.devPublic && !isLoopback(merged.host)) {
    throw new TypeError(
      `dev mode on host ${merged.host} would hand a UserSig for any identifier to anyone who reaches the port (POST /dev/usersig): ` +
        'listen on 127.0.0.1, or set devPublic (--dev-public) to mean it',
    );
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIPv4(host) && host.startsWith('127.'));
}

/** Origins compared as browsers send them: `scheme://host[:port]`, lower case, default port left out. */
function resolveOrigins(origins: unknown): string[] {
  if (!Array.isArray(origins)) throw new TypeError('option allowedOrigins must be a list of origins such as "https://app.example"');
  return origins.map((origin) => {
    try {
      const { origin: normal } = new URL(String(origin));
      if (normal === 'null') throw new Error('opaque');
      return normal;
    } catch {
      throw new TypeError(`option allowedOrigins: "${String(origin)}" is not an origin such as "https://app.example"`);
    }
  });
}

/**
 * The dev secret is random once per machine (or data dir) and then kept in a 0600 file, so a
 * restarted `--dev` server still accepts the UserSigs its clients hold and they can reconnect. A
 * file someone else could have planted (a link, another owner) is refused, not adopted; one others
 * could read is replaced, since its secret may be known.
 */
function devSecret(dataDir: string | undefined): string {
  const file = join(dataDir ?? tmpdir(), 'hudong-dev-secret');
  const kept = readOwnSecretFile(file);
  if (kept.secret !== undefined) return kept.secret;
  const secret = randomBytes(32).toString('hex');
  if (kept.exists) {
    // Closed before it is rewritten, so that the new secret is never readable by others.
    chmodSync(file, 0o600);
    writeFileSync(file, secret);
  } else {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
  }
  return secret;
}

function readOwnSecretFile(file: string): { exists: boolean; secret?: string } {
  let stat;
  try {
    stat = lstatSync(file);
  } catch {
    return { exists: false };
  }
  const uid = process.getuid?.();
  if (!stat.isFile() || (uid !== undefined && stat.uid !== uid)) {
    throw new TypeError(
      `dev secret file ${file} is ${stat.isFile() ? `owned by uid ${stat.uid}, not by this user (${uid})` : 'not a regular file'}: ` +
        'remove it, or give dataDir a directory of your own',
    );
  }
  if ((stat.mode & 0o077) !== 0) return { exists: true };
  const secret = readFileSync(file, 'utf8').trim();
  return { exists: true, secret: /^[0-9a-f]{64}$/.test(secret) ? secret : undefined };
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
