import { signPrivilegeKey } from '@hudong/protocol/auth';
import { parse, requireString, toInt } from '../args.js';

export const usage = `hudong privkey --sdk-app-id N --secret KEY --identifier ID --room N --bits 0xAA [--expire 86400]
  Prints a privilege key (AVSDK auth_buffer / TRTC privateMapKey) that bounds ID's auth bits in room N.
  Bits: CREATE_ROOM 0x01 JOIN_ROOM 0x02 SEND_AUDIO 0x04 RECV_AUDIO 0x08 SEND_CAMERA_VIDEO 0x10
        RECV_CAMERA_VIDEO 0x20 SEND_SCREEN_VIDEO 0x40 RECV_SCREEN_VIDEO 0x80.
  Environment: HUDONG_SDK_APP_ID, HUDONG_SECRET.`;

export function run(argv: string[]): string {
  const { values, flags } = parse(argv, {
    'sdk-app-id': { type: 'string' },
    secret: { type: 'string' },
    identifier: { type: 'string' },
    room: { type: 'string' },
    bits: { type: 'string' },
    expire: { type: 'string' },
  });
  if (flags.help) return usage;
  return signPrivilegeKey({
    sdkAppId: toInt(requireString(values, 'sdk-app-id', 'HUDONG_SDK_APP_ID'), 'sdk-app-id', { min: 1 }),
    secret: requireString(values, 'secret', 'HUDONG_SECRET'),
    identifier: requireString(values, 'identifier'),
    roomId: toInt(requireString(values, 'room'), 'room', { min: 1 }),
    privilegeMap: toInt(requireString(values, 'bits'), 'bits', { max: 0xff }),
    expireSeconds: toInt(values.expire ?? 86400, 'expire', { min: 1 }),
  });
}
