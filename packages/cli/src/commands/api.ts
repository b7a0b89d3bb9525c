import { signUserSig } from '@hudong/protocol/auth';
import { CommandFailed, parse, requireString, toInt, UsageError } from '../args.js';

export const usage = `hudong api <command> [--url http://127.0.0.1:7000] [--secret KEY | --usersig SIG] [--json]
  The server API (REST, docs/operator.md) from a terminal: tables, or the JSON answers with --json.
  rooms                                   every room of the deployment (any node of a cluster answers)
  room ROOM_ID [--offset 0] [--limit 100] a room and a page of its members, senders first
  kick ROOM_ID IDENTIFIER                 takes a member out (its room ends with 10006 KICKED)
  dismiss ROOM_ID                         ends a room (every member's room ends with 10009 ROOM_DISMISSED)
  authbits ROOM_ID IDENTIFIER BITS        sets a member's auth bits (e.g. 0x2a), live
  message ROOM_ID TEXT [--to IDENTIFIER]  a room message from the admin identifier
  nodes                                   the nodes and their load
  Auth: a UserSig of --admin-identifier (default administrator) made from --secret and --sdk-app-id,
  or --usersig as given. Environment: HUDONG_URL, HUDONG_SECRET, HUDONG_SDK_APP_ID.`;

interface ApiCall {
  method: 'GET' | 'DELETE' | 'PATCH' | 'POST';
  path: string;
  body?: unknown;
  /** The answer as a terminal shows it. */
  render(answer: unknown): string;
}

export async function run(argv: string[]): Promise<string | undefined> {
  const { values, flags, positionals } = parse(
    argv,
    {
      url: { type: 'string' },
      secret: { type: 'string' },
      'sdk-app-id': { type: 'string' },
      'admin-identifier': { type: 'string' },
      usersig: { type: 'string' },
      offset: { type: 'string' },
      limit: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'boolean' },
    },
    true,
  );
  if (flags.help || positionals.length === 0) return usage;
  const call = callOf(positionals, values);
  const base = (values.url ?? process.env.HUDONG_URL ?? 'http://127.0.0.1:7000').replace(/\/+$/, '');
  const sig =
    values.usersig ??
    signUserSig({
      sdkAppId: toInt(values['sdk-app-id'] ?? process.env.HUDONG_SDK_APP_ID ?? 1400000001, 'sdk-app-id', { min: 1 }),
      secret: requireString(values, 'secret', 'HUDONG_SECRET'),
      identifier: values['admin-identifier'] ?? 'administrator',
      expireSeconds: 300,
    });
  let res: Response;
  try {
    res = await fetch(`${base}/api/v1${call.path}`, {
      method: call.method,
      headers: { authorization: `Bearer ${sig}`, ...(call.body !== undefined && { 'content-type': 'application/json' }) },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
    });
  } catch (err) {
    throw new CommandFailed(`cannot reach ${base}: ${(err as Error).message}`);
  }
  const text = await res.text();
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    throw new CommandFailed(`${base} answered ${res.status} without JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const { code, codeName, detail } = answer as { code?: number; codeName?: string; detail?: { code: string; message: string } };
    throw new CommandFailed(`${res.status} ${code ?? ''} ${codeName ?? ''}${detail ? ` (${detail.code}: ${detail.message})` : ''}`);
  }
  return flags.json ? JSON.stringify(answer, null, 2) : call.render(answer);
}

function callOf(positionals: string[], values: Record<string, string | undefined>): ApiCall {
  const [command, ...args] = positionals;
  const need = (n: number, names: string) => {
    if (args.length !== n) throw new UsageError(`${command} takes ${names}`);
  };
  const room = (text: string) => toInt(text, 'ROOM_ID', { min: 1 });
  const id = (text: string) => encodeURIComponent(text);
  switch (command) {
    case 'rooms':
      need(0, 'no arguments');
      return {
        method: 'GET',
        path: '/rooms',
        render: (a) => table(a as Record<string, unknown>[], ['roomId', 'roomType', 'memberCount', 'createdAt']),
      };
    case 'room': {
      need(1, 'ROOM_ID');
      const query = new URLSearchParams({ offset: values.offset ?? '0', limit: values.limit ?? '100' });
      return { method: 'GET', path: `/rooms/${room(args[0]!)}?${query}`, render: renderRoom };
    }
    case 'kick':
      need(2, 'ROOM_ID IDENTIFIER');
      return { method: 'DELETE', path: `/rooms/${room(args[0]!)}/members/${id(args[1]!)}`, render: () => `kicked ${args[1]} from room ${args[0]}` };
    case 'dismiss':
      need(1, 'ROOM_ID');
      return {
        method: 'DELETE',
        path: `/rooms/${room(args[0]!)}`,
        render: (a) => `dismissed room ${args[0]} (${(a as { members: number }).members} members)`,
      };
    case 'authbits': {
      need(3, 'ROOM_ID IDENTIFIER BITS');
      const authBits = toInt(args[2]!, 'BITS', { max: 0xff });
      return {
        method: 'PATCH',
        path: `/rooms/${room(args[0]!)}/members/${id(args[1]!)}`,
        body: { authBits },
        render: (a) => `${args[1]} now has auth bits 0x${(a as { authBits: number }).authBits.toString(16)}`,
      };
    }
    case 'message':
      need(2, 'ROOM_ID TEXT');
      return {
        method: 'POST',
        path: `/rooms/${room(args[0]!)}/messages`,
        body: { data: args[1], ...(values.to !== undefined && { to: values.to }) },
        render: () => `sent to ${values.to ?? `room ${args[0]}`}`,
      };
    case 'nodes':
      need(0, 'no arguments');
      return { method: 'GET', path: '/nodes', render: (a) => table(a as Record<string, unknown>[], ['nodeId', 'rooms', 'members', 'load']) };
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function renderRoom(answer: unknown): string {
  const { roomId, roomType, createdAt, memberCount, members } = answer as {
    roomId: number;
    roomType: string;
    createdAt: number;
    memberCount: number;
    members: Record<string, unknown>[];
  };
  const rows = members.map((m) => ({
    ...m,
    authBits: `0x${(m.authBits as number).toString(16).padStart(2, '0')}`,
    sends: [m.hasAudio && 'audio', m.hasCameraVideo && 'camera', m.hasScreenVideo && 'screen'].filter(Boolean).join(',') || '-',
  }));
  return [
    `room ${roomId} (${roomType}), ${memberCount} members, created ${new Date(createdAt).toISOString()}`,
    table(rows, ['identifier', 'tinyId', 'role', 'authBits', 'sends', 'node']),
  ].join('\n');
}

/** Columns padded to their widest cell. */
function table(rows: Record<string, unknown>[], columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = [columns, ...rows.map((row) => columns.map((c) => String(row[c] ?? '')))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return cells
    .map((line) =>
      line
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
