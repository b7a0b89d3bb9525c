import { createHmac, randomUUID } from 'node:crypto';
import type { MemberExitReason, SendingSource } from '../rooms/Member.js';

export type WebhookEventName =
  'room.created' | 'room.destroyed' | 'member.entered' | 'member.exited' | 'publish.started' | 'publish.stopped' | 'recording.finished';

/** What happened, as the node that saw it tells it; `Webhooks.emit` adds the rest. */
export interface WebhookEventInit {
  event: WebhookEventName;
  roomId: number;
  identifier?: string;
  srcType?: SendingSource;
  reason?: MemberExitReason;
}

/** The body of one webhook POST (API.md section 6). */
export interface WebhookEvent extends WebhookEventInit {
  /** Unique per event, the same on every retry: receivers drop one they already have. */
  id: string;
  /** ms since the epoch, when it happened. */
  timestamp: number;
  sdkAppId: number;
  /** The node where it happened. */
  node: string;
}

export function makeEvent(init: WebhookEventInit, source: { sdkAppId: number; node: string }): WebhookEvent {
  return { id: randomUUID(), ...init, timestamp: Date.now(), sdkAppId: source.sdkAppId, node: source.node };
}

/** `X-Hudong-Signature`: `sha256=` + hex HMAC-SHA256 of the raw body with the app's key. */
export function signatureOf(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * The key pairing an event with the one that opens it (entered → exited, started → stopped): an
 * event whose opener was dropped is dropped too, so that no receiver sees an exit without its entry.
 */
export function pairKey(event: WebhookEventInit): { opens?: string; closes?: string } {
  const member = `${event.roomId}:${event.identifier ?? ''}`;
  switch (event.event) {
    case 'member.entered':
      return { opens: `m:${member}` };
    case 'member.exited':
      return { closes: `m:${member}` };
    case 'publish.started':
      return { opens: `p:${member}:${event.srcType ?? ''}` };
    case 'publish.stopped':
      return { closes: `p:${member}:${event.srcType ?? ''}` };
    default:
      return {};
  }
}
