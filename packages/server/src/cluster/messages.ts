import { z } from 'zod';

/**
 * What nodes say to each other over NodeBus, one schema per `type`. Every message is validated on
 * receipt: another node may run another version, and Redis is shared.
 */
export const clusterMessageSchema = z.discriminatedUnion('type', [
  /** The identifier logged in on the sender: end the session `sessionId` here as a same-node login would (10008). */
  z.object({ type: z.literal('session.replace'), identifier: z.string().min(1), sessionId: z.string().min(1) }),
]);

export type ClusterMessage = z.infer<typeof clusterMessageSchema>;
export type ClusterMessageType = ClusterMessage['type'];
export type ClusterMessageOf<T extends ClusterMessageType> = Extract<ClusterMessage, { type: T }>;

/** What travels on a channel: the sender's node id and the message. */
export const envelopeSchema = z.object({ from: z.string().min(1), message: clusterMessageSchema });
export type Envelope = z.infer<typeof envelopeSchema>;

/** The envelope in a payload, or why it is not one (the receiver logs that and drops it). */
export function parseEnvelope(payload: string): { ok: true; envelope: Envelope } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
  return { ok: true, envelope: parsed.data };
}
