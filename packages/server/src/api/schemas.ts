import { AuthBitsField, Identifier, MessageData, RoomId } from '@hudong/protocol';
import { z } from 'zod';

// Bodies and query strings of the server API, checked at the edge (10002 BAD_PARAMS otherwise).

export const RoomIdParam = z.coerce.number().pipe(RoomId);

export const MemberPageQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const PatchMemberBody = z.object({ authBits: AuthBitsField }).strict();

export const MessageBody = z
  .object({
    data: MessageData,
    /** `data` is base64 of binary data: members get a Uint8Array. */
    binary: z.boolean().default(false),
    to: Identifier.optional(),
  })
  .strict();
