// One send and one receive connection per member, through the SDK in Node: a host's camera,
// microphone and screen share one send connection; a viewer's two views and its audio share one
// receive connection; a resumed session rebuilds both and media flows again. Counting wrtc
// connections per context, real server process; inside the namespace (run-tests enters it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointEvent, type AVContext, type AVView } from '@hudong/sdk';
import { ServerProcess } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { dispose, sleep, startedContext, uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { FrameCounter, endpointEvent } from '../helpers/media.js';
import { countingWebRtc } from '../helpers/wrtc-peers.js';

async function frames(track: MediaStreamTrack, n: number): Promise<FrameCounter> {
  const counter = new FrameCounter(track);
  await counter.waitFor(n, 15_000);
  counter.stop();
  return counter;
}

test('camera, microphone and screen on one send connection; two views and audio on one receive connection; a resume rebuilds both', async () => {
  const server = await new ServerProcess().start();
  const proxy = await new TcpProxy(server.port).start();
  const hostProxy = await new TcpProxy(server.port).start();
  const hostRtc = countingWebRtc();
  const viewerRtc = countingWebRtc();
  const hostId = uniqueId('one-host');
  const roomId = uniqueRoomId();
  let host: AVContext | undefined;
  let viewer: AVContext | undefined;
  try {
    host = await startedContext(hostProxy.wsUrl, hostId, { webrtc: hostRtc.webrtc });
    viewer = await startedContext(proxy.wsUrl, uniqueId('one-viewer'), { webrtc: viewerRtc.webrtc });
    await host.devices.enableCamera(true);
    await host.devices.enableMic(true);
    await host.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    await host.devices.enableScreen(true);
    const room = await viewer.enterRoom({ roomId, roomType: 'multi', createRoom: false });
    for (const [event, has] of [
      [EndpointEvent.HAS_CAMERA_VIDEO, 'hasCameraVideo'],
      [EndpointEvent.HAS_SCREEN_VIDEO, 'hasScreenVideo'],
    ] as const) {
      await endpointEvent(room, hostId, event, () => !!room.endpoints.get(hostId)?.[has]);
    }
    const publishing = server.logs.filter((r) => r.msg === 'publishing' && r.identifier === hostId);
    assert.deepEqual(publishing.map((r) => r.source).sort(), ['audio', 'camera', 'screen']);
    assert.equal(new Set(publishing.map((r) => r.connection)).size, 1, 'one send connection carries the three sources');
    assert.equal(new Set(publishing.map((r) => r.mid)).size, 3, 'each on an m-section of its own');
    assert.equal(hostRtc.made.length, 2, 'the host made one send connection, and one receive connection (opened at entry)');

    const [camera, screen] = await room.requestViewList([
      { identifier: hostId, srcType: 'camera', size: 'big' },
      { identifier: hostId, srcType: 'screen', size: 'big' },
    ]);
    const cameraFrames = await frames(camera!.track as MediaStreamTrack, 10);
    const screenFrames = await frames(screen!.track as MediaStreamTrack, 5);
    assert.deepEqual([cameraFrames.frames.at(-1)!.width, screenFrames.frames.at(-1)!.width], [640, 1280]);
    for (let i = 0; i < 100 && !room.endpoints.get(hostId)?.audioTrack; i++) await sleep(50);
    assert.ok(room.endpoints.get(hostId)?.audioTrack, 'audio received automatically');
    assert.equal(viewerRtc.made.length, 1, 'two views and the audio on the viewer one connection');

    // The viewer's signalling drops and resumes: its receive connection is rebuilt, the views get new tracks.
    const before = camera!.track;
    const changed: AVView[] = [];
    room.on('viewTrackChanged', (view) => changed.push(view));
    proxy.cut();
    for (let i = 0; i < 200 && changed.length < 2; i++) await sleep(50);
    assert.notEqual(camera!.track, before, 'the view has a track of the rebuilt connection');
    assert.deepEqual(changed.map((v) => v.srcType).sort(), ['camera', 'screen'], "'viewTrackChanged' told the application of both views' new tracks");
    assert.ok(changed.includes(camera!), 'with the view objects requestViewList returned');
    assert.equal((before as MediaStreamTrack).readyState, 'ended', 'the old track ended');
    await frames(camera!.track as MediaStreamTrack, 10);
    await frames(screen!.track as MediaStreamTrack, 5);
    assert.equal(viewerRtc.made.length, 2, 'one new receive connection');
    assert.equal(viewerRtc.open(), 1, 'the old one closed');

    // The host's signalling drops and resumes: its send connection is rebuilt and every source
    // published again on it (the views of the old publications end; the viewer views the new ones).
    const ended = new Promise<void>((resolve) => room.once('viewEnded', () => resolve()));
    hostProxy.cut();
    await ended;
    for (let i = 0; i < 200 && server.logs.filter((r) => r.msg === 'publishing' && r.identifier === hostId).length < 6; i++) await sleep(50);
    assert.equal(hostRtc.made.length, 4, 'a new send connection and a new receive connection');
    assert.equal(hostRtc.open(), 2, 'the old ones closed');
    const republished = server.logs.filter((r) => r.msg === 'publishing' && r.identifier === hostId).slice(3);
    assert.deepEqual(republished.map((r) => r.source).sort(), ['audio', 'camera', 'screen'], 'every source published again');
    assert.equal(new Set(republished.map((r) => r.connection)).size, 1);
    assert.notEqual(republished[0]!.connection, publishing[0]!.connection, 'on the new connection');
    await endpointEvent(room, hostId, EndpointEvent.HAS_CAMERA_VIDEO, () => !!room.endpoints.get(hostId)?.hasCameraVideo);
    const [again] = await room.requestViewList([{ identifier: hostId, srcType: 'camera', size: 'big' }]);
    await frames(again!.track as MediaStreamTrack, 10);
    assert.equal(viewerRtc.made.length, 2, 'the new view rides the receive connection the viewer has');
  } finally {
    await dispose(viewer, host);
    await proxy.close();
    await hostProxy.close();
    await server.stop();
  }
});
