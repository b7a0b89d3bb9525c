// The server's UDP sockets for media (docs/server.md `iceUdpMux`, `nativeFanout`): the native fan-out's
// one socket for every receive connection, open from the start; with the mux, one socket however many
// send connections; without either, one per connection. Real connections through `hudong serve` (counted from its
// /proc): an @roamhq/wrtc publisher sends camera and microphone, a viewer decodes both. Runs inside
// the namespace (run-tests does):  node scripts/run-tests.mjs tests/server/wire-media-udp-mux.test.ts
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { EndpointEvent } from '@hudong/protocol';
import { ServerProcess, type TestServerOptions } from '../helpers/server.js';
import { loggedIn } from '../helpers/raw-client.js';
import { waitUntil } from '../helpers/wait-until.js';
import { WrtcPublisher, WrtcViewer } from '../helpers/wrtc-peers.js';

const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

/** The local ports of the UDP sockets `pid` holds: its socket descriptors whose inode is in its namespace's UDP tables. */
function udpPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      /* closed while we looked */
    }
  }
  const ports: number[] = [];
  for (const table of ['udp', 'udp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/); // sl local_address(hex ip:port) rem_address st … inode(10th)
      if (fields[9] && inodes.has(fields[9])) ports.push(parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}
const udpSockets = (pid: number) => udpPorts(pid).length;

/** A server with `options`, camera and microphone published (a connection each) and both viewed (one receive connection), media flowing. */
async function threeConnections(options: TestServerOptions['config'], roomId: number) {
  const server = await new ServerProcess({ config: options }).start();
  closers.push(() => server.stop());
  const pid = server.pid!;
  const native = options?.nativeFanout !== false;
  assert.equal(udpSockets(pid), native ? 1 : 0, native ? 'the native fan-out socket only' : 'no media socket before the first transport');
  const { client: host } = await loggedIn(server.wsUrl, 'host');
  const { client: guest } = await loggedIn(server.wsUrl, 'guest');
  closers.push(
    () => host.terminate(),
    () => guest.terminate(),
  );
  assert.equal((await host.request('room.enter', { roomId, roomType: 'multi', authBits: 0xff, createRoom: true })).ok, true);
  assert.equal((await guest.request('room.enter', { roomId, roomType: 'multi', authBits: 0xff, createRoom: false })).ok, true);
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
  it('the defaults (native fan-out, iceUdpMux): two sockets on the two ports of mediaPortRange — receive connections on the first, send connections on the second — however many views', async () => {
    const port = 31_010;
    const { pid, peers, wsUrl } = await threeConnections({ mediaPortRange: { min: port, max: port + 1 } }, 800);
    assert.deepEqual(
      udpPorts(pid).sort((a, b) => a - b),
      [port, port + 1],
    );
    // Another member's receive connection with two views: no socket more.
    const { client: second } = await loggedIn(wsUrl, 'second');
    closers.push(() => second.terminate());
    assert.equal((await second.request('room.enter', { roomId: 800, roomType: 'multi', authBits: 0xff, createRoom: false })).ok, true);
    const camera = await WrtcViewer.view(second, 'host', 'camera');
    const microphone = await WrtcViewer.view(second, 'host', 'audio');
    peers.push(camera, microphone, camera.connection);
    await camera.waitFrames(5, 10_000);
    assert.equal(udpSockets(pid), 2);
    // The peers' sockets would be inherited by the next test's server process (libwebrtc does not set CLOEXEC).
    for (const p of peers) p.close();
  });

  it('iceUdpMux without the native fan-out: every connection on one UDP socket, the one port of mediaPortRange, audio and video flowing; none left once they close', async () => {
    // A single-port range: without the mux only the first transport could bind it.
    const port = 31_000;
    const { pid, host, guest, peers } = await threeConnections(
      { nativeFanout: false, iceUdpMux: true, mediaPortRange: { min: port, max: port } },
      801,
    );
    assert.deepEqual(udpPorts(pid), [port]);
    for (const p of peers) p.close();
    host.sendRequest('room.exit');
    guest.sendRequest('room.exit');
    await waitUntil('the shared socket closed with the last transport', () => udpSockets(pid) === 0);
  });

  it('without iceUdpMux and the native fan-out: one UDP socket per connection', async () => {
    const { pid, host, guest, peers } = await threeConnections({ nativeFanout: false, iceUdpMux: false }, 802);
    // The raw host publishes each source on a connection of its own; the guest's two views share its receive connection.
    assert.equal(udpSockets(pid), 3);
    for (const p of peers) p.close();
    host.sendRequest('room.exit');
    guest.sendRequest('room.exit');
    await waitUntil('every transport socket closed', () => udpSockets(pid) === 0);
  });
});
