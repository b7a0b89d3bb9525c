// The server's UDP sockets for media (docs/server.md `nativeMedia`, `iceUdpMux`): the native engine's
// one socket for every connection, open from the start; on node-datachannel with the mux, one socket
// however many connections; without it, one per connection. Real connections through `hudong serve` (counted from its
// /proc): an @roamhq/wrtc publisher sends camera and microphone, a viewer decodes both. Runs inside
// the namespace (run-tests does):  node scripts/run-tests.mjs tests/server/wire-media-udp-mux.test.ts
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EndpointEvent } from '@hudong/protocol';
import { ServerProcess, type TestServerOptions } from '../helpers/server.js';
import { hostAndGuest, loggedIn } from '../helpers/raw-client.js';
import { udpPorts, udpSockets } from '../helpers/udp-ports.js';
import { waitUntil } from '../helpers/wait-until.js';
import { WrtcPublisher, WrtcViewer } from '../helpers/wrtc-peers.js';

const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

/** A server with `options`, camera and microphone published (a connection each) and both viewed (one receive connection), media flowing. */
async function threeConnections(options: TestServerOptions['config'], roomId: number) {
  const server = await new ServerProcess({ config: options }).start();
  closers.push(() => server.stop());
  const pid = server.pid!;
  const native = options?.nativeMedia !== false;
  assert.equal(udpSockets(pid), native ? 1 : 0, native ? 'the native engine socket only' : 'no media socket before the first transport');
  const { host, guest } = await hostAndGuest(server.wsUrl, roomId, closers);
  const peers: { close(): void }[] = [];
  closers.push(() => peers.forEach((p) => p.close()));
  for (const source of ['camera', 'audio'] as const) {
    const { publisher, response } = await WrtcPublisher.publish(host, source);
    peers.push(publisher);
    assert.equal(response.ok, true, JSON.stringify(response.error));
  }
  // A publication goes live (HAS_CAMERA_VIDEO 3, HAS_AUDIO 5) with its first packet; only then can it be viewed.
  for (const event of [EndpointEvent.HAS_CAMERA_VIDEO, EndpointEvent.HAS_AUDIO]) {
    await guest.waitFor((f) => f.type === 'event' && f.event === 'room.endpoints' && f.data.event === event, 10_000, `room.endpoints ${event}`);
  }
  const camera = await WrtcViewer.view(guest, 'host', 'camera');
  const microphone = await WrtcViewer.view(guest, 'host', 'audio');
  peers.push(camera, microphone, camera.connection);
  await camera.waitFrames(10, 10_000);
  await waitUntil('audio samples at the viewer', () => microphone.samples > 0);
  return { pid, host, guest, peers, wsUrl: server.wsUrl };
}

describe('media transports and UDP sockets', () => {
  it('the native engine (the default): one socket on the one port of mediaPortRange for every connection, however many members and views', async () => {
    const port = 31_010;
    const { pid, peers, wsUrl, host, guest } = await threeConnections({ mediaPortRange: { min: port, max: port } }, 800);
    assert.deepEqual(udpPorts(pid), [port]);
    // Another member's receive connection with two views: no socket more.
    const { client: second } = await loggedIn(wsUrl, 'second');
    closers.push(() => second.terminate());
    assert.equal((await second.request('room.enter', { roomId: 800, roomType: 'multi', authBits: 0xff, createRoom: false })).ok, true);
    const camera = await WrtcViewer.view(second, 'host', 'camera');
    const microphone = await WrtcViewer.view(second, 'host', 'audio');
    peers.push(camera, microphone, camera.connection);
    await camera.waitFrames(5, 10_000);
    assert.deepEqual(udpPorts(pid), [port]);
    // The peers' sockets would be inherited by the next test's server process (libwebrtc does not set
    // CLOEXEC). The clients go first: an offer arriving at a closed peer would be answered from nothing.
    for (const client of [second, guest, host]) client.terminate();
    for (const p of peers) p.close();
  });

  it('node-datachannel with iceUdpMux: every connection on one UDP socket, the one port of mediaPortRange, audio and video flowing; none left once they close', async () => {
    // A single-port range: without the mux only the first transport could bind it.
    const port = 31_000;
    const { pid, host, guest, peers } = await threeConnections(
      { nativeMedia: false, iceUdpMux: true, mediaPortRange: { min: port, max: port } },
      801,
    );
    assert.deepEqual(udpPorts(pid), [port]);
    for (const p of peers) p.close();
    host.sendRequest('room.exit');
    guest.sendRequest('room.exit');
    await waitUntil('the shared socket closed with the last transport', () => udpSockets(pid) === 0);
  });

  it('node-datachannel without iceUdpMux: one UDP socket per connection', async () => {
    const { pid, host, guest, peers } = await threeConnections({ nativeMedia: false, iceUdpMux: false }, 802);
    // The raw host publishes each source on a connection of its own; the guest's two views share its receive connection.
    assert.equal(udpSockets(pid), 3);
    for (const p of peers) p.close();
    host.sendRequest('room.exit');
    guest.sendRequest('room.exit');
    await waitUntil('every transport socket closed', () => udpSockets(pid) === 0);
  });
});
