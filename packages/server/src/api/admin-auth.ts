import { verifyUserSig } from '@hudong/protocol/auth';
import { ServerError } from '../errors.js';

export interface AdminKey {
  sdkAppId: number;
  secret: string;
  adminIdentifier: string;
}

/** Checks `Authorization: Bearer <UserSig of the admin identifier>`; throws the 10003 ServerError saying what is wrong. */
export function checkAdmin(authorization: string | undefined, key: AdminKey): void {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match)
    throw new ServerError('ADMIN_SIG_MISSING', `send "Authorization: Bearer <UserSig>" made for "${key.adminIdentifier}" with the app's key`);
  try {
    verifyUserSig(match[1]!, { sdkAppId: key.sdkAppId, secret: key.secret, identifier: key.adminIdentifier });
  } catch (err) {
    throw ServerError.from(err);
  }
}
