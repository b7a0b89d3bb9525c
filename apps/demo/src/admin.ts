/**
 * The demo's operator side (dev only): the server API (`/api/v1`, API.md section 6) called with an
 * admin UserSig from `POST /dev/usersig`. A production app calls that API from its own server, never
 * from a page: whoever holds an admin sig may dismiss any room.
 */
const ADMIN_IDENTIFIER = 'administrator';

export interface LiveRoom {
  roomId: number;
  memberCount: number;
  /** The first member sending camera video (members come senders first). */
  host: string;
}

/** A failed call, with its HTTP status (404: this server has no such endpoint, e.g. not in dev mode). */
export class AdminCallFailed extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

let adminSig: Promise<string> | null = null;

function sig(): Promise<string> {
  adminSig ??= fetch('/dev/usersig', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier: ADMIN_IDENTIFIER }),
  })
    .then(async (res) => {
      const body = (await res.json()) as { userSig?: string; error?: string };
      if (!res.ok || typeof body.userSig !== 'string') throw new AdminCallFailed(`POST /dev/usersig: ${body.error ?? res.status}`, res.status);
      return body.userSig;
    })
    .catch((err: unknown) => {
      adminSig = null;
      throw err;
    });
  return adminSig;
}

async function api<T>(method: 'GET' | 'DELETE', path: string): Promise<T> {
  const res = await fetch(`/api/v1${path}`, { method, headers: { authorization: `Bearer ${await sig()}` } });
  const body = (await res.json().catch(() => ({}))) as T & { message?: string };
  if (!res.ok) throw new AdminCallFailed(`${method} /api/v1${path}: ${res.status} ${body.message ?? ''}`, res.status);
  return body;
}

/** Rooms whose first member sends camera video: what a live list shows. */
export async function liveRooms(): Promise<LiveRoom[]> {
  const rooms = await api<{ roomId: number; memberCount: number }[]>('GET', '/rooms');
  const shown = await Promise.all(
    rooms.map(async ({ roomId }) => {
      const room = await api<{ memberCount: number; members: { identifier: string; hasCameraVideo: boolean }[] }>(
        'GET',
        `/rooms/${roomId}?offset=0&limit=1`,
      ).catch(() => null); // gone meanwhile
      const host = room?.members[0];
      return room && host?.hasCameraVideo ? { roomId, memberCount: room.memberCount, host: host.identifier } : null;
    }),
  );
  return shown.filter((r): r is LiveRoom => r !== null).sort((a, b) => b.memberCount - a.memberCount || a.roomId - b.roomId);
}

/** Takes `identifier` out of the room: its client sees the room end with 10006 KICKED. */
export async function kick(roomId: number, identifier: string): Promise<void> {
  await api('DELETE', `/rooms/${roomId}/members/${encodeURIComponent(identifier)}`);
}

/** Ends the room for everyone in it (10009 ROOM_DISMISSED). */
export async function dismiss(roomId: number): Promise<void> {
  await api('DELETE', `/rooms/${roomId}`);
}
