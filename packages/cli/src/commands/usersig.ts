import { signUserSig } from '@hudong/protocol/auth';
import { parse, requireString, toInt } from '../args.js';

export const usage = `hudong usersig --sdk-app-id N --secret KEY --identifier ID [--expire 86400]
  Prints a UserSig (tls-sig-api-v2 compatible) for ID, valid for --expire seconds.
  Environment: HUDONG_SDK_APP_ID, HUDONG_SECRET.`;

export function run(argv: string[]): string {
  const { values, flags } = parse(argv, {
    'sdk-app-id': { type: 'string' },
    secret: { type: 'string' },
    identifier: { type: 'string' },
    expire: { type: 'string' },
  });
  if (flags.help) return usage;
  return signUserSig({
    sdkAppId: toInt(requireString(values, 'sdk-app-id', 'HUDONG_SDK_APP_ID'), 'sdk-app-id', { min: 1 }),
    secret: requireString(values, 'secret', 'HUDONG_SECRET'),
    identifier: requireString(values, 'identifier'),
    expireSeconds: toInt(values.expire ?? 86400, 'expire', { min: 1 }),
  });
}
