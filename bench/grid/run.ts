// bench/grid: one viewer of a grid of N publishers (default 9), as a classroom's teacher sees its
// pupils. Prints, per number of views, the viewer's WebRTC connections (it also sends its
// microphone: one send connection, one receive connection — not one per view), the server's file
// descriptors and sockets, and the time from requestViewList to the first frame of every view.
//
// Run as root from the repo root, after `npm run build` (media needs the loopback-only namespace):
//   ../shared/tools/netns-run node --import tsx bench/grid/run.ts [--publishers 9]
import { parseArgs } from 'node:util';
import { EndpointEvent } from '@hudong/sdk';
import { ServerProcess } from '../../tests/helpers/server.js';
import { loggedIn, type RawClient } from '../../tests/helpers/raw-client.js';
import { WrtcPublisher, countingWebRtc } from '../../tests/helpers/wrtc-peers.js';
import { dispose, startedContext } from '../../tests/helpers/clients.js';
import { FrameCounter, endpointEvent } from '../../tests/helpers/media.js';
import { footprint } from '../lib/footprint.js';
import { markdownTable } from '../lib/table.js';

const { values } = parseArgs({ options: { publishers: { type: 'string', default: '9' } } });
const N = Number(values.publishers);
const ROOM = 9090;

const counted = countingWebRtc();

const server = await new ServerProcess().start();
const pid = server.pid!;
const clients: RawClient[] = [];
const publishers: WrtcPublisher[] = [];
const viewer = await startedContext(server.wsUrl, 'grid-viewer', { webrtc: counted.webrtc });
try {
  const ids = Array.from({ length: N }, (_, i) => `grid-${i + 1}`);
  for (const id of ids) {
    const { client } = await loggedIn(server.wsUrl, id);
    clients.push(client);
    await client.call('room.enter', { roomId: ROOM, roomType: 'multi', authBits: 0xff, createRoom: true });
    const { publisher, response } = await WrtcPublisher.publish(client, 'camera');
    if (!response.ok) throw new Error(`publishing ${id}: ${JSON.stringify(response.error)}`);
    publishers.push(publisher);
  }
  await viewer.devices.enableMic(true);
  const room = await viewer.enterRoom({ roomId: ROOM, roomType: 'multi', createRoom: false });
  for (const id of ids) await endpointEvent(room, id, EndpointEvent.HAS_CAMERA_VIDEO, () => !!room.endpoints.get(id)?.hasCameraVideo, 20_000);
  await new Promise((r) => setTimeout(r, 500)); // the receive connection opened on entry settles
  const rows: string[][] = [];
  const measure = (views: number, firstFrameMs: number | null) => {
    const f = footprint(pid);
    rows.push([
      String(views),
      String(counted.open()),
      String(f.fds),
      String(f.sockets),
      f.rssMiB.toFixed(0),
      firstFrameMs === null ? '—' : firstFrameMs.toFixed(0),
    ]);
  };
  measure(0, null);
  for (const count of [1, Math.min(4, N), N]) {
    const started = performance.now();
    const views = await room.requestViewList(
      ids.slice(0, count).map((identifier) => ({ identifier, srcType: 'camera' as const, size: 'small' as const })),
    );
    const counters = views.map((v) => new FrameCounter(v.track as MediaStreamTrack));
    await Promise.all(counters.map((c) => c.waitFor(1, 20_000)));
    const allFirst = performance.now() - started;
    for (const c of counters) c.stop();
    measure(count, allFirst);
  }
  console.log(
    markdownTable(
      `\none viewer (sending its microphone) of ${N} publishers`,
      ['views', 'viewer connections', 'server fds', 'server sockets', 'server RSS MiB', 'ms to every first frame'],
      rows,
    ),
  );
} finally {
  await dispose(viewer);
  for (const p of publishers) p.close();
  for (const c of clients) c.terminate();
  await server.stop();
}
