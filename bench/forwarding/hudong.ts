// Hudong side: the server through the tests' launcher, and load clients on the bare wire protocol (no SDK).
import { EndpointEvent, type ResultOf } from '@hudong/protocol';
import { RawClient } from '../../tests/helpers/raw-client.js';
import { ServerProcess, type LogLine, type TestServerOptions } from '../../tests/helpers/server.js';

export const ROOM_ID = 4242;

type Member = ResultOf<'room.enter'>['members'][number];

/** `hudong serve` on a free port, with rate limits no load client reaches and `config` on top; `onLog` sees its log lines. */
export function startHudong(onLog: (line: LogLine) => void, config: TestServerOptions['config'] = {}): Promise<ServerProcess> {
  return new ServerProcess({ config: { ratePerSecond: 1000, rateBurst: 1000, ...config }, onLog }).start();
}

/** A client logged in and in the bench room; it pings and acks like the SDK, and waits up to 20 s for an answer. */
export async function joinHudong(url: string, identifier: string): Promise<{ client: RawClient; members: Member[] }> {
  const client = await RawClient.connect(url, { autoAck: true, keepAliveMs: 5000, waitMs: 20_000 });
  await client.login(identifier, { terminal: 'bench' });
  const snapshot = await client.call('room.enter', { roomId: ROOM_ID, roomType: 'multi', authBits: 255, createRoom: true });
  return { client, members: snapshot.members };
}

/** Resolves once `publisher` is known to send camera video: in the room snapshot, or by a HAS_CAMERA_VIDEO event. */
export async function waitForCamera(client: RawClient, members: Member[], publisher: string, timeoutMs = 30_000): Promise<void> {
  if (members.some((m) => m.identifier === publisher && m.hasCameraVideo)) return;
  await client.waitFor(
    (f) => f.event === 'room.endpoints' && f.data.event === EndpointEvent.HAS_CAMERA_VIDEO && f.data.members.some((m) => m.identifier === publisher),
    timeoutMs,
    `HAS_CAMERA_VIDEO from ${publisher}`,
  );
}
