import type { MemberInfo } from '@hudong/protocol';

/** A member as the server describes it (`room.endpoints`, snapshots), for the SDK's unit tests: sends nothing unless `flags` say so. */
export function memberInfo(identifier: string, flags: Partial<MemberInfo> = {}): MemberInfo {
  return {
    identifier,
    tinyId: String(1000 + identifier.length),
    role: '',
    terminal: 'node',
    authBits: 0xff,
    hasAudio: false,
    hasCameraVideo: false,
    hasScreenVideo: false,
    ...flags,
  };
}
