import type { ParsedParamsOf } from '@hudong/protocol';
import type { RoomTypeName } from '../config.js';
import { ServerError } from '../errors.js';
import type { Authority } from './Authority.js';
import type { Member, MemberOwner } from './Member.js';
import type { RoomDirectory, RoomEntrance } from './RoomDirectory.js';

/** Someone asking to enter: a session, or a stand-in in tests. */
export interface Occupant extends MemberOwner {
  readonly member: Member | null;
}

export interface AdmissionPolicy<E extends RoomEntrance = RoomDirectory> {
  directory: E;
  authority: Authority;
  roomTypes: readonly RoomTypeName[];
}

/**
 * room.enter, steps 1–6 of docs/protocol.md in their order: the first failing check decides the
 * error, so clients can rely on which sub-code wins when several apply.
 */
export function admit<E extends RoomEntrance>(
  policy: AdmissionPolicy<E>,
  occupant: Occupant,
  params: ParsedParamsOf<'room.enter'>,
): ReturnType<E['enter']> {
  const current = occupant.member;
  if (current) {
    if (current.room.roomId === params.roomId) throw new ServerError('ALREADY_IN_ROOM', `already in room ${params.roomId}`);
    throw new ServerError('IN_ANOTHER_ROOM', `already in room ${current.room.roomId}; exit it before entering room ${params.roomId}`);
  }
  if (!policy.roomTypes.includes(params.roomType)) {
    throw new ServerError(
      'ROOM_TYPE_DISABLED',
      `room type "${params.roomType}" is not offered by this server (offered: ${policy.roomTypes.join(', ')})`,
    );
  }
  const { authBits, privilegeKey } = policy.authority.forEnter({
    identifier: occupant.identifier,
    roomId: params.roomId,
    authBits: params.authBits,
    privilegeKey: params.privilegeKey,
    role: params.controlRole,
  });
  const entry = { roomId: params.roomId, roomType: params.roomType, createRoom: params.createRoom, authBits, role: params.controlRole, privilegeKey };
  // A cast TypeScript needs: `enter` of E returns ReturnType<E['enter']>, which it does not infer through the call.
  return policy.directory.enter(occupant, entry) as ReturnType<E['enter']>;
}
