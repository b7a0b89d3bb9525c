// H.264 and simulcast, which libwebrtc in Node cannot publish: a Chromium publisher through the SFU,
// on one node and across two (the layer is chosen on the publisher's node, so a switch moves the view
// to the other node's copy of the other layer).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { EndpointEvent } from '@hudong/sdk';
import { ServerProcess, userSigFor } from '../helpers/server.js';
import { dispose, startedContext, uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { FrameCounter, endpointEvent } from '../helpers/media.js';
import { startCluster } from '../helpers/cluster.js';
import { Browser, closeAll, waitForPlayingVideo } from './helpers/browser.js';

const servers: ServerProcess[] = [];
after(async () => {
  for (const s of servers) await s.stop();
});

/** A page on the server's origin with the served SDK bundle, started as `identifier` and in `roomId`. */
async function sdkPage(
  browser: Browser,
  server: ServerProcess,
  identifier: string,
  roomId: number,
  options: Record<string, unknown> = {},
): Promise<Page> {
  const page = await browser.page(`${server.httpUrl}/healthz`);
  await page.evaluate(`(async () => {
    const sdk = await import('/sdk/hudong.js');
    window.sdk = sdk;
    window.ctx = sdk.AVContext.create({ serverUrl: ${JSON.stringify(server.wsUrl)}, sdkAppId: 1400000001, ...${JSON.stringify(options)} });
    await window.ctx.start({ identifier: ${JSON.stringify(identifier)}, userSig: ${JSON.stringify(userSigFor(identifier))} });
    window.room = await window.ctx.enterRoom({ roomId: ${roomId}, roomType: 'multi', createRoom: true });
  })()`);
  return page;
}

/** A Chromium camera in two layers on `publisherNode`; a Node viewer on `viewerNode` views the small layer, then the big one on the same track. */
async function smallThenBig(publisherNode: ServerProcess, viewerNode: ServerProcess, label: string): Promise<void> {
  const roomId = uniqueRoomId();
  const hostId = uniqueId('sim-host');
  const browser = await Browser.launch('sim-host');
  const viewer = await startedContext(viewerNode.wsUrl, uniqueId('viewer'));
  let frames: FrameCounter | undefined;
  try {
    const page = await sdkPage(browser, publisherNode, hostId, roomId, { simulcast: true });
    await page.evaluate('window.ctx.devices.enableCamera(true)');
    const publishing = await publisherNode.waitForLog((r) => r.msg === 'publishing' && r.identifier === hostId);
    assert.deepEqual(publishing.rids, ['l', 'h'], 'the offer carried two simulcast layers');
    const room = await viewer.enterRoom({ roomId, roomType: 'multi', createRoom: false });
    await endpointEvent(room, hostId, EndpointEvent.HAS_CAMERA_VIDEO, () => !!room.endpoints.get(hostId)?.hasCameraVideo);
    const [small] = await room.requestViewList([{ identifier: hostId, srcType: 'camera', size: 'small' }]);
    frames = new FrameCounter(small!.track as MediaStreamTrack);
    await frames.waitFor(20, 15_000);
    const low = frames.frames.at(-1)!;
    assert.deepEqual([low.width, low.height], [320, 240], 'small = the low layer');
    const [big] = await room.requestViewList([{ identifier: hostId, srcType: 'camera', size: 'big' }]);
    assert.equal(big!.track, small!.track, 'the same view and track');
    const switchedAt = frames.count;
    await frames.waitFor(switchedAt + 40, 15_000);
    const high = frames.frames.at(-1)!;
    console.log(`simulcast ${label}: small ${low.width}x${low.height}, big ${high.width}x${high.height}`);
    assert.deepEqual([high.width, high.height], [640, 480], 'big = the high layer, on the same track');
  } finally {
    frames?.stop();
    await dispose(viewer);
    await closeAll(browser);
  }
}

test('simulcast: a Chromium camera in two layers; a Node viewer gets the small one, then the big one', async () => {
  const server = await new ServerProcess().start();
  servers.push(server);
  await smallThenBig(server, server, 'on one node');
});

test('simulcast across nodes: the viewer on node 2 switches from the small layer to the big one of a camera on node 1', async () => {
  const cluster = await startCluster(2);
  try {
    const [n1, n2] = cluster.nodes as [ServerProcess, ServerProcess];
    await smallThenBig(n1, n2, 'across nodes');
    // Each layer crossed on a leg of its own; the small one's closes once nothing views it (RELAY_IDLE_MS).
    assert.equal(n1.logsWith((l) => l.msg === 'relaying').length, 2, 'one leg per layer size');
  } finally {
    await cluster.stop();
  }
});

test('H.264: with the server preferring H.264, Chromium publishes it and another Chromium decodes it', async () => {
  const server = await new ServerProcess({ config: { videoCodecs: ['H264'] } }).start();
  servers.push(server);
  const roomId = uniqueRoomId();
  const hostId = uniqueId('h264-host');
  const [hostBrowser, viewerBrowser] = await Promise.all([Browser.launch('h264-host'), Browser.launch('h264-viewer')]);
  try {
    const host = await sdkPage(hostBrowser, server, hostId, roomId);
    await host.evaluate('window.ctx.devices.enableCamera(true)');
    const publishing = await server.waitForLog((r) => r.msg === 'publishing' && r.identifier === hostId);
    assert.equal(publishing.codec, 'H264');
    const viewer = await sdkPage(viewerBrowser, server, uniqueId('h264-viewer'), roomId);
    await viewer.evaluate(`(async () => {
      const deadline = Date.now() + 10000;
      while (!window.room.endpoints.get(${JSON.stringify(hostId)})?.hasCameraVideo && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const [view] = await window.room.requestViewList([{ identifier: ${JSON.stringify(hostId)}, srcType: 'camera', size: 'big' }]);
      const video = document.createElement('video');
      video.id = 'remote'; video.muted = true; video.autoplay = true; video.playsInline = true;
      video.srcObject = new MediaStream([view.track]);
      document.body.append(video);
      await video.play();
    })()`);
    const stats = await waitForPlayingVideo(viewer, '#remote', { width: 640 });
    console.log(`H.264: viewer plays ${stats.videoWidth}x${stats.videoHeight}, ${stats.totalVideoFrames} frames`);
    assert.equal(stats.videoHeight, 480);
  } finally {
    await closeAll(hostBrowser, viewerBrowser);
  }
});
