import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '@hudong/protocol';
import type { z } from 'zod';
import { ServerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { BodyTooLarge, readBody, sendJson } from '../http/respond.js';
import { checkAdmin, type AdminKey } from './admin-auth.js';
import { apiError } from './api-error.js';
import type { RoomAdmin } from './RoomAdmin.js';
import { MemberPageQuery, MessageBody, PatchMemberBody, RoomIdParam } from './schemas.js';

export const API_PREFIX = '/api/v1';

/** A body the API reads at most: a maximal room message and its JSON. */
const BODY_LIMIT = 128 * 1024;

export interface ApiRouterOptions {
  admin: RoomAdmin;
  key: AdminKey;
  logger: Logger;
}

type Route = (req: IncomingMessage, params: string[], query: URLSearchParams) => Promise<unknown>;

/** `/api/v1/…` (API.md section 6): admin-UserSig bearer auth, JSON in and out, one error body. */
export class ApiRouter {
  readonly #options: ApiRouterOptions;
  readonly #routes: { pattern: RegExp; methods: Partial<Record<string, Route>> }[];

  constructor(options: ApiRouterOptions) {
    this.#options = { ...options };
    const { admin } = options;
    const roomId = (params: string[]) => parse(RoomIdParam, params[0], 'roomId');
    this.#routes = [
      { pattern: /^\/rooms$/, methods: { GET: () => admin.rooms() } },
      {
        pattern: /^\/rooms\/([^/]+)$/,
        methods: {
          GET: (_req, params, query) => admin.room(roomId(params), parse(MemberPageQuery, Object.fromEntries(query), 'query')),
          DELETE: (_req, params) => admin.dismiss(roomId(params)).then((r) => ({ roomId: roomId(params), ...r })),
        },
      },
      {
        pattern: /^\/rooms\/([^/]+)\/members\/([^/]+)$/,
        methods: {
          DELETE: (_req, params) => admin.kick(roomId(params), identifierOf(params[1]!)).then(() => ({})),
          PATCH: async (req, params) => {
            const { authBits } = parse(PatchMemberBody, await jsonBody(req), 'body');
            return admin.setAuthBits(roomId(params), identifierOf(params[1]!), authBits);
          },
        },
      },
      {
        pattern: /^\/rooms\/([^/]+)\/messages$/,
        methods: {
          POST: async (req, params) => {
            const message = parse(MessageBody, await jsonBody(req), 'body');
            await admin.message(roomId(params), message);
            return {};
          },
        },
      },
      { pattern: /^\/nodes$/, methods: { GET: () => admin.nodes() } },
    ];
  }

  /** Answers a request whose path starts with `/api/v1`. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname.slice(API_PREFIX.length);
    try {
      checkAdmin(req.headers.authorization, this.#options.key);
      const result = await this.#route(req, method, path, url.searchParams);
      sendJson(res, 200, result);
    } catch (err) {
      const error = ServerError.from(err);
      const { status, body } = apiError(error);
      if (error.code === ErrorCode.AV_ERR_SERVER_FAILED) this.#options.logger.error({ err, method, path }, 'server API request failed');
      else this.#options.logger.info({ method, path, status, code: error.code, detail: error.detail }, 'server API request refused');
      sendJson(res, status, body);
    }
  }

  #route(req: IncomingMessage, method: string, path: string, query: URLSearchParams): Promise<unknown> {
    for (const { pattern, methods } of this.#routes) {
      const match = pattern.exec(path);
      if (!match) continue;
      const route = methods[method];
      if (!route) throw new ServerError('UNKNOWN_ENDPOINT', `${method} is not offered on ${API_PREFIX}${path} (${Object.keys(methods).join(', ')})`);
      return route(req, match.slice(1), query);
    }
    throw new ServerError('UNKNOWN_ENDPOINT', `no server API at ${API_PREFIX}${path}`);
  }
}

function identifierOf(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ServerError('BAD_PARAMS', 'identifier: bad percent-encoding');
  }
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  let text: string;
  try {
    text = await readBody(req, BODY_LIMIT);
  } catch (err) {
    if (err instanceof BodyTooLarge) throw new ServerError('BAD_PARAMS', err.message);
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ServerError('NOT_JSON', 'the body is not JSON');
  }
}

function parse<T extends z.ZodTypeAny>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ServerError('BAD_PARAMS', `${what}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
