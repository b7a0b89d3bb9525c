import { SigError, signUserSig, verifyUserSig } from './usersig.js';

/** The decoded TLS.userbuf of a privilege key (AVSDK auth_buffer, TRTC privateMapKey). */
export interface PrivilegeBuffer {
  version: number;
  identifier: string;
  sdkAppId: number;
  roomId: number;
  /** Absolute expiry, seconds since the epoch. */
  expireAt: number;
  privilegeMap: number;
  accountType: number;
  /** Only in version 1 buffers (string room ids). */
  roomStr?: string;
}

export interface PrivilegeKeyOptions {
  sdkAppId: number;
  secret: string;
  identifier: string;
  roomId: number;
  privilegeMap: number;
  /** Lifetime in seconds. Default 86400. */
  expireSeconds?: number;
  now?: number;
}

/** `ver(1) | idLen(2) | identifier | sdkappid(4) | roomId(4) | expireAbs(4) | privilegeMap(4) | accountType(4)`, big-endian. */
export function encodePrivilegeBuffer(b: Omit<PrivilegeBuffer, 'version' | 'roomStr'>): Buffer {
  const id = Buffer.from(b.identifier, 'utf8');
  const buf = Buffer.alloc(1 + 2 + id.length + 20);
  let o = buf.writeUInt8(0, 0);
  o = buf.writeUInt16BE(id.length, o);
  o += id.copy(buf, o);
  o = buf.writeUInt32BE(b.sdkAppId >>> 0, o);
  o = buf.writeUInt32BE(b.roomId >>> 0, o);
  o = buf.writeUInt32BE(b.expireAt >>> 0, o);
  o = buf.writeUInt32BE(b.privilegeMap >>> 0, o);
  buf.writeUInt32BE(b.accountType >>> 0, o);
  return buf;
}

export function decodePrivilegeBuffer(buf: Buffer): PrivilegeBuffer {
  const fail = (why: string): never => {
    throw new SigError('PRIVKEY_MALFORMED', `privilege key buffer ${why}`);
  };
  if (buf.length < 3) fail('is shorter than its header');
  const version = buf.readUInt8(0);
  if (version > 1) fail(`has unknown version ${version}`);
  const idLen = buf.readUInt16BE(1);
  let o = 3 + idLen;
  if (buf.length < o + 20) fail(`is ${buf.length} bytes, too short for an identifier of ${idLen} bytes`);
  const out: PrivilegeBuffer = {
    version,
    identifier: buf.subarray(3, o).toString('utf8'),
    sdkAppId: buf.readUInt32BE(o),
    roomId: buf.readUInt32BE(o + 4),
    expireAt: buf.readUInt32BE(o + 8),
    privilegeMap: buf.readUInt32BE(o + 12),
    accountType: buf.readUInt32BE(o + 16),
  };
  o += 20;
  if (version === 1) {
    if (buf.length < o + 2) fail('lacks the room string length');
    const strLen = buf.readUInt16BE(o);
    if (buf.length < o + 2 + strLen) fail('is shorter than its room string');
    out.roomStr = buf.subarray(o + 2, o + 2 + strLen).toString('utf8');
  }
  return out;
}

/** Makes a privilege key: a UserSig whose TLS.userbuf bounds the auth bits in one room. */
export function signPrivilegeKey(opts: PrivilegeKeyOptions): string {
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const expireSeconds = opts.expireSeconds ?? 86400;
  const userBuf = encodePrivilegeBuffer({
    identifier: opts.identifier,
    sdkAppId: opts.sdkAppId,
    roomId: opts.roomId,
    expireAt: now + expireSeconds,
    privilegeMap: opts.privilegeMap,
    accountType: 0,
  });
  return signUserSig({ sdkAppId: opts.sdkAppId, secret: opts.secret, identifier: opts.identifier, expireSeconds, userBuf, now });
}

/**
 * Checks a privilege key for one identifier and room; returns the auth bits it allows.
 * Throws SigError (USERSIG_* for the outer sig, PRIVKEY_* for the buffer).
 */
export function verifyPrivilegeKey(
  key: string,
  expected: { sdkAppId: number; secret: string; identifier: string; roomId: number; now?: number },
): PrivilegeBuffer {
  const sig = verifyUserSig(key, expected);
  if (!sig.userBuf) throw new SigError('PRIVKEY_MALFORMED', 'privilege key carries no TLS.userbuf (is it a plain UserSig?)');
  const buf = decodePrivilegeBuffer(sig.userBuf);
  if (buf.sdkAppId !== expected.sdkAppId) {
    throw new SigError('USERSIG_WRONG_APP', `privilege key buffer is for sdkAppId ${buf.sdkAppId}, this server serves ${expected.sdkAppId}`);
  }
  if (buf.identifier !== expected.identifier) {
    throw new SigError('USERSIG_WRONG_IDENTIFIER', `privilege key buffer was issued to "${buf.identifier}", not "${expected.identifier}"`);
  }
  if (buf.roomStr === undefined && buf.roomId !== expected.roomId) {
    throw new SigError('PRIVKEY_WRONG_ROOM', `privilege key is for room ${buf.roomId}, not room ${expected.roomId}`);
  }
  if (buf.roomStr !== undefined && buf.roomStr !== String(expected.roomId)) {
    throw new SigError('PRIVKEY_WRONG_ROOM', `privilege key is for room "${buf.roomStr}", not room ${expected.roomId}`);
  }
  const now = expected.now ?? Math.floor(Date.now() / 1000);
  if (now > buf.expireAt) {
    throw new SigError('PRIVKEY_EXPIRED', `privilege key expired at ${new Date(buf.expireAt * 1000).toISOString()}`);
  }
  return buf;
}
