import { createHmac, timingSafeEqual } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { escapeBase64, unescapeBase64 } from './base64url.js';

/**
 * The longest UserSig (or privilege key) decoded, in characters: real ones are 200–500; the wire
 * schema of `login` puts the same bound on `userSig`.
 */
export const MAX_USERSIG_CHARS = 4096;
/**
 * The most a sig's deflated document may inflate to. A real one is under 1 KB; without the bound a
 * 4 KB deflate bomb inflates to megabytes, before any check could refuse it.
 */
export const MAX_USERSIG_DOC_BYTES = 8192;

/** Why a sig was refused; carried as `detail.code` of the 10003 the server answers. */
export type SigRejection =
  | 'USERSIG_MALFORMED'
  | 'USERSIG_TOO_LARGE'
  | 'USERSIG_VERSION_UNSUPPORTED'
  | 'USERSIG_BAD_SIGNATURE'
  | 'USERSIG_EXPIRED'
  | 'USERSIG_WRONG_APP'
  | 'USERSIG_WRONG_IDENTIFIER';

export class SigError extends Error {
  constructor(
    readonly reason: SigRejection | PrivilegeKeyRejection,
    message: string,
  ) {
    super(message);
    this.name = 'SigError';
  }
}

export type PrivilegeKeyRejection = 'PRIVKEY_MALFORMED' | 'PRIVKEY_WRONG_ROOM' | 'PRIVKEY_EXPIRED';

export interface SignOptions {
  sdkAppId: number;
  secret: string;
  identifier: string;
  /** Lifetime in seconds. Default 86400 (one day). */
  expireSeconds?: number;
  /** Raw TLS.userbuf (the privilege key carries one). */
  userBuf?: Uint8Array;
  /** Signing time in seconds since the epoch. Default now. */
  now?: number;
}

export interface VerifiedSig {
  identifier: string;
  sdkAppId: number;
  /** Seconds since the epoch. */
  time: number;
  expireSeconds: number;
  userBuf: Buffer | undefined;
}

interface SigDoc {
  'TLS.ver': string;
  'TLS.identifier': string;
  'TLS.sdkappid': number;
  'TLS.time': number;
  'TLS.expire': number;
  'TLS.userbuf'?: string;
  'TLS.sig': string;
}

function hmac(secret: string, doc: Omit<SigDoc, 'TLS.sig' | 'TLS.ver'>): string {
  let content =
    `TLS.identifier:${doc['TLS.identifier']}\n` +
    `TLS.sdkappid:${doc['TLS.sdkappid']}\n` +
    `TLS.time:${doc['TLS.time']}\n` +
    `TLS.expire:${doc['TLS.expire']}\n`;
  if (doc['TLS.userbuf'] !== undefined) content += `TLS.userbuf:${doc['TLS.userbuf']}\n`;
  return createHmac('sha256', secret).update(content).digest('base64');
}

/** Makes a UserSig (tls-sig-api-v2 compatible). */
export function signUserSig(opts: SignOptions): string {
  const doc: Omit<SigDoc, 'TLS.sig'> = {
    'TLS.ver': '2.0',
    'TLS.identifier': opts.identifier,
    'TLS.sdkappid': opts.sdkAppId,
    'TLS.time': opts.now ?? Math.floor(Date.now() / 1000),
    'TLS.expire': opts.expireSeconds ?? 86400,
  };
  if (opts.userBuf) doc['TLS.userbuf'] = Buffer.from(opts.userBuf).toString('base64');
  const sigDoc: SigDoc = { ...doc, 'TLS.sig': hmac(opts.secret, doc) };
  return escapeBase64(deflateSync(Buffer.from(JSON.stringify(sigDoc))).toString('base64'));
}

/**
 * Checks a UserSig against the app's key and the identifier it is presented for.
 * Throws SigError naming the first check that failed. The cheap checks (size, version, app, identifier,
 * expiry) come before the HMAC, so that a refused sig costs what refusing it takes and no more.
 */
export function verifyUserSig(sig: string, expected: { sdkAppId: number; secret: string; identifier: string; now?: number }): VerifiedSig {
  const doc = decodeSigDoc(sig);
  if (doc['TLS.ver'] !== '2.0') {
    throw new SigError('USERSIG_VERSION_UNSUPPORTED', `UserSig version ${String(doc['TLS.ver'])} is not supported (want 2.0)`);
  }
  if (doc['TLS.sdkappid'] !== expected.sdkAppId) {
    throw new SigError('USERSIG_WRONG_APP', `UserSig is for sdkAppId ${doc['TLS.sdkappid']}, this server serves ${expected.sdkAppId}`);
  }
  if (doc['TLS.identifier'] !== expected.identifier) {
    throw new SigError('USERSIG_WRONG_IDENTIFIER', `UserSig was issued to "${doc['TLS.identifier']}", not "${expected.identifier}"`);
  }
  const now = expected.now ?? Math.floor(Date.now() / 1000);
  const expiresAt = doc['TLS.time'] + doc['TLS.expire'];
  if (now > expiresAt) {
    throw new SigError(
      'USERSIG_EXPIRED',
      `UserSig expired at ${new Date(expiresAt * 1000).toISOString()} (issued ${new Date(doc['TLS.time'] * 1000).toISOString()}, lifetime ${doc['TLS.expire']} s)`,
    );
  }
  const given = Buffer.from(doc['TLS.sig'], 'base64');
  const computed = Buffer.from(hmac(expected.secret, doc), 'base64');
  if (given.length !== computed.length || !timingSafeEqual(given, computed)) {
    throw new SigError('USERSIG_BAD_SIGNATURE', 'UserSig signature does not match the secret key of this app (forged or signed with another key)');
  }
  return {
    identifier: doc['TLS.identifier'],
    sdkAppId: doc['TLS.sdkappid'],
    time: doc['TLS.time'],
    expireSeconds: doc['TLS.expire'],
    userBuf: doc['TLS.userbuf'] !== undefined ? Buffer.from(doc['TLS.userbuf'], 'base64') : undefined,
  };
}

function decodeSigDoc(sig: string): SigDoc {
  if (sig.length > MAX_USERSIG_CHARS) {
    throw new SigError('USERSIG_TOO_LARGE', `UserSig has ${sig.length} characters, more than the ${MAX_USERSIG_CHARS} accepted`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(inflateSync(Buffer.from(unescapeBase64(sig), 'base64'), { maxOutputLength: MAX_USERSIG_DOC_BYTES }).toString('utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new SigError('USERSIG_TOO_LARGE', `UserSig inflates to more than ${MAX_USERSIG_DOC_BYTES} bytes`);
    }
    throw new SigError('USERSIG_MALFORMED', `UserSig is not deflated JSON: ${(err as Error).message}`);
  }
  const doc = parsed as Partial<SigDoc> | null;
  if (
    !doc ||
    typeof doc !== 'object' ||
    typeof doc['TLS.identifier'] !== 'string' ||
    !Number.isInteger(doc['TLS.sdkappid']) ||
    !Number.isInteger(doc['TLS.time']) ||
    !Number.isInteger(doc['TLS.expire']) ||
    typeof doc['TLS.sig'] !== 'string' ||
    (doc['TLS.userbuf'] !== undefined && typeof doc['TLS.userbuf'] !== 'string')
  ) {
    throw new SigError('USERSIG_MALFORMED', 'UserSig lacks one of TLS.identifier, TLS.sdkappid, TLS.time, TLS.expire, TLS.sig');
  }
  return doc as SigDoc;
}
