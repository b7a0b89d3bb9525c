/** Room privileges (AVSDK auth_bits). A member's bits bound what the server lets it do in the room. */
export const AuthBits = {
  CREATE_ROOM: 0x01,
  JOIN_ROOM: 0x02,
  SEND_AUDIO: 0x04,
  RECV_AUDIO: 0x08,
  SEND_CAMERA_VIDEO: 0x10,
  RECV_CAMERA_VIDEO: 0x20,
  SEND_SCREEN_VIDEO: 0x40,
  RECV_SCREEN_VIDEO: 0x80,
  /** Every bit: what a host gets when nothing narrows it. */
  DEFAULT: 0xff,
  /** Watch and listen only: the usual bits of audience members. */
  AUDIENCE: 0x02 | 0x08 | 0x20 | 0x80,
} as const;

export const ALL_AUTH_BITS = 0xff;

/** Names of the bits set in `bits`, for logs and error details. */
export function authBitNames(bits: number): string[] {
  return Object.entries(AuthBits)
    .filter(([name, bit]) => name !== 'DEFAULT' && name !== 'AUDIENCE' && (bits & bit) === bit)
    .map(([name]) => name);
}
