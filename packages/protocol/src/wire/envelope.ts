import { z } from 'zod';
import { WireError } from './fields.js';
import { Methods, isMethodName, type MethodName, type ParsedParamsOf, type ResultOf } from './methods.js';
import { ServerEvents, type ServerEventData, type ServerEventName } from './events.js';

/** Request ids are per connection, chosen by the client; the server answers each exactly once. */
const RequestEnvelope = z.object({ type: z.literal('request'), id: z.number().int().nonnegative(), method: z.string().max(64), params: z.unknown() });
const AckEnvelope = z.object({ type: z.literal('ack'), id: z.number().int().nonnegative() });
const ClientEnvelope = z.discriminatedUnion('type', [RequestEnvelope, AckEnvelope]);

// Discriminated (not plain) unions: a client reads one of these per event, and a plain union tries
// each branch in turn, building the failed branches' issues, before it reaches the one that fits.
const ResponseEnvelope = z.discriminatedUnion('ok', [
  z.object({ type: z.literal('response'), id: z.number().int().nonnegative(), ok: z.literal(true), result: z.unknown() }),
  z.object({ type: z.literal('response'), id: z.number().int().nonnegative().nullable(), ok: z.literal(false), error: WireError }),
]);
const EventEnvelope = z.object({ type: z.literal('event'), event: z.string(), data: z.unknown() });
const ServerEnvelope = z.discriminatedUnion('type', [ResponseEnvelope, EventEnvelope]);

export type ClientMessage = { type: 'request'; id: number; method: MethodName; params: unknown } | { type: 'ack'; id: number };
export type ServerMessage = z.infer<typeof ServerEnvelope>;

/** Why a frame could not be used; the server turns it into 10002 / 10007 with this as detail. */
export class WireParseError extends Error {
  constructor(
    readonly reason: 'NOT_JSON' | 'BAD_ENVELOPE' | 'UNKNOWN_METHOD' | 'BAD_PARAMS' | 'BAD_RESULT' | 'UNKNOWN_EVENT' | 'BAD_EVENT',
    message: string,
    /** The request id, when the frame got far enough to have one. */
    readonly requestId: number | null = null,
  ) {
    super(message);
    this.name = 'WireParseError';
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new WireParseError('NOT_JSON', `frame is not JSON: ${(err as Error).message}`);
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** Server side: one frame from a client, envelope only (params are checked by `parseParams`). */
export function parseClientMessage(text: string): ClientMessage {
  const raw = parseJson(text);
  const env = ClientEnvelope.safeParse(raw);
  if (!env.success) {
    const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : null;
    throw new WireParseError('BAD_ENVELOPE', `bad message envelope: ${describeIssues(env.error)}`, Number.isInteger(id) && id! >= 0 ? id : null);
  }
  if (env.data.type === 'ack') return env.data;
  if (!isMethodName(env.data.method)) {
    throw new WireParseError('UNKNOWN_METHOD', `unknown request method "${env.data.method}"`, env.data.id);
  }
  return { type: 'request', id: env.data.id, method: env.data.method, params: env.data.params };
}

export function parseParams<M extends MethodName>(method: M, params: unknown, requestId: number): ParsedParamsOf<M> {
  const parsed = Methods[method].params.safeParse(params ?? {});
  if (!parsed.success) throw new WireParseError('BAD_PARAMS', `${method}: ${describeIssues(parsed.error)}`, requestId);
  return parsed.data as ParsedParamsOf<M>;
}

/** Client side: one frame from the server, envelope only. */
export function parseServerMessage(text: string): ServerMessage {
  const raw = parseJson(text);
  const plain = plainServerMessage(raw);
  if (plain) return plain;
  const env = ServerEnvelope.safeParse(raw);
  if (!env.success) throw new WireParseError('BAD_ENVELOPE', `bad server message: ${describeIssues(env.error)}`);
  return env.data;
}

/**
 * An event or a successful response read without the schema, as it would read them: a client reads
 * one of these per event (a member's ENTER, its publications, the counts …), and the schema costs
 * more than the JSON. Null for anything else, which the schema then reads, or names what is wrong.
 */
function plainServerMessage(raw: unknown): ServerMessage | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const m = raw as Record<string, unknown>;
  if (m.type === 'event') return typeof m.event === 'string' && 'data' in m ? { type: 'event', event: m.event, data: m.data } : null;
  if (m.type !== 'response' || m.ok !== true || !('result' in m)) return null;
  const id = m.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? { type: 'response', id, ok: true, result: m.result } : null;
}

export function parseResult<M extends MethodName>(method: M, result: unknown): ResultOf<M> {
  const parsed = Methods[method].result.safeParse(result);
  if (!parsed.success) throw new WireParseError('BAD_RESULT', `${method} result: ${describeIssues(parsed.error)}`);
  return parsed.data as ResultOf<M>;
}

export function parseEvent(event: string, data: unknown): { event: ServerEventName; data: ServerEventData<ServerEventName> } {
  if (!Object.prototype.hasOwnProperty.call(ServerEvents, event)) throw new WireParseError('UNKNOWN_EVENT', `unknown event "${event}"`);
  const name = event as ServerEventName;
  const parsed = ServerEvents[name].safeParse(data);
  if (!parsed.success) throw new WireParseError('BAD_EVENT', `${event}: ${describeIssues(parsed.error)}`);
  return { event: name, data: parsed.data };
}

export function encodeRequest(id: number, method: MethodName, params: unknown): string {
  return JSON.stringify({ type: 'request', id, method, params });
}
export function encodeAck(id: number): string {
  return JSON.stringify({ type: 'ack', id });
}
export function encodeResult(id: number, result: unknown): string {
  return JSON.stringify({ type: 'response', id, ok: true, result });
}
export function encodeError(id: number | null, error: WireError): string {
  return JSON.stringify({ type: 'response', id, ok: false, error });
}
export function encodeEvent<E extends ServerEventName>(event: E, data: ServerEventData<E>): string {
  return JSON.stringify({ type: 'event', event, data });
}
