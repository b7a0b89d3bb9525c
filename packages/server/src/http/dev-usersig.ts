import type { IncomingMessage, ServerResponse } from 'node:http';
import { Identifier } from '@hudong/protocol';
import { BodyTooLarge, readBody, sendJson } from './respond.js';

const BODY_LIMIT = 4096;
/** Ten years: the longest UserSig the demo endpoint makes. */
const MAX_EXPIRE_SECONDS = 10 * 365 * 86400;

export type SignUserSig = (identifier: string, expireSeconds: number | undefined) => string;

/**
 * `POST /dev/usersig {identifier, expireSeconds?}` → `{sdkAppId, userSig}`: lets the demo page log in
 * without an app backend. Only mounted in dev mode, since it hands out credentials to anyone.
 */
export async function devUserSig(req: IncomingMessage, res: ServerResponse, sdkAppId: number, sign: SignUserSig): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req, BODY_LIMIT));
  } catch (err) {
    const status = err instanceof BodyTooLarge ? 413 : 400;
    return sendJson(res, status, { error: err instanceof BodyTooLarge ? err.message : 'body must be JSON {identifier, expireSeconds?}' });
  }
  const { identifier, expireSeconds } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const id = Identifier.safeParse(identifier);
  if (!id.success) return sendJson(res, 400, { error: `identifier: ${id.error.issues[0]?.message ?? 'invalid'}` });
  if (
    expireSeconds !== undefined &&
    (!Number.isInteger(expireSeconds) || (expireSeconds as number) < 1 || (expireSeconds as number) > MAX_EXPIRE_SECONDS)
  ) {
    return sendJson(res, 400, { error: `expireSeconds must be an integer in [1, ${MAX_EXPIRE_SECONDS}]` });
  }
  sendJson(res, 200, { sdkAppId, userSig: sign(id.data, expireSeconds as number | undefined) });
}
