// The served browser SDK (/sdk/hudong.js) in real Chromium: it is an ES module with a source map and
// the exports of @hudong/sdk, it logs in and enters rooms from a plain page, and media crosses
// runtimes both ways (Chromium camera → Node decoder, Node virtual camera → Chromium <video>).
// Runs in the loopback namespace (scripts/run-tests.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { EndpointEvent } from '@hudong/sdk';
import { ServerProcess, TEST_APP_ID, userSigFor } from '../helpers/server.js';
import { dispose, startedContext, uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { FrameCounter, endpointEvent } from '../helpers/media.js';
import { Browser, closeAll, screenshot, waitForPlayingVideo } from './helpers/browser.js';

let server: ServerProcess;
before(async () => {
  server = await new ServerProcess().start();
});
after(async () => {
  await server.stop();
});

/** Runs `fnSource` (a function expression, as text) in the page with one JSON argument. */
function inPage<T>(page: Page, fnSource: string, arg: unknown = null): Promise<T> {
  return page.evaluate(`(${fnSource})(${JSON.stringify(arg)})`) as Promise<T>;
}

/** A page of the server's own origin with the SDK bundle imported, logged in as `identifier`. */
async function sdkPage(browser: Browser, identifier: string): Promise<Page> {
  const page = await browser.page(`${server.httpUrl}/healthz`);
  await inPage(
    page,
    `async ({ sdkAppId, identifier, userSig }) => {
    const sdk = await import('/sdk/hudong.js');
    const ctx = sdk.AVContext.create({ serverUrl: 'ws://' + location.host + '/ws', sdkAppId, lang: 'en' });
    window.sdk = sdk;
    window.ctx = ctx;
    await ctx.start({ identifier, userSig });
  }`,
    { sdkAppId: TEST_APP_ID, identifier, userSig: userSigFor(identifier) },
  );
  return page;
}

test('GET /sdk/hudong.js is an ES module with a source map and the exports of @hudong/sdk', async () => {
  const res = await fetch(`${server.httpUrl}/sdk/hudong.js`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /javascript/);
  const code = await res.text();
  const mapRef = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(code);
  assert.ok(mapRef, 'the bundle ends with a sourceMappingURL comment');
  const mapRes = await fetch(new URL(mapRef[1]!, `${server.httpUrl}/sdk/hudong.js`));
  assert.equal(mapRes.status, 200, `source map ${mapRef[1]} is served`);
  const map = (await mapRes.json()) as { version: number; sources: string[]; mappings: string };
  assert.equal(map.version, 3);
  assert.ok(
    map.sources.some((s) => s.includes('AVContext')),
    `the map names the SDK sources: ${map.sources.slice(0, 5).join(', ')} …`,
  );
  assert.ok(map.mappings.length > 1000, 'the map has mappings');

  const expected = Object.keys(await import('@hudong/sdk'))
    .filter((k) => k !== 'default')
    .sort();
  const browser = await Browser.launch('bundle-exports');
  try {
    const page = await browser.page(`${server.httpUrl}/healthz`);
    const exported = await inPage<string[]>(page, `async () => Object.keys(await import('/sdk/hudong.js')).sort()`);
    assert.deepEqual(exported, expected);
    assert.equal(await inPage(page, `async () => typeof (await import('/sdk/hudong.js')).AVContext.create`), 'function');
  } finally {
    await closeAll(browser);
  }
});

test('a blank page with the bundle starts a context and enters a room', async () => {
  const browser = await Browser.launch('bundle-enter');
  const identifier = uniqueId('page');
  const roomId = uniqueRoomId();
  const node = await startedContext(server.wsUrl, uniqueId('node'));
  try {
    const page = await sdkPage(browser, identifier);
    const state = await inPage<{ ctx: string; tinyId: string; room: string; roomId: number }>(
      page,
      `async ({ roomId }) => {
      const room = await ctx.enterRoom({ roomId, roomType: 'multi', createRoom: true });
      return { ctx: ctx.state, tinyId: ctx.tinyId, room: room.state, roomId };
    }`,
      { roomId },
    );
    assert.equal(state.ctx, 'started');
    assert.match(state.tinyId, /^\d+$/);
    assert.equal(state.room, 'entered');
    // A Node client in the same room sees the page as a member.
    const nodeRoom = await node.enterRoom({ roomId, roomType: 'multi', createRoom: false });
    assert.ok(nodeRoom.endpoints.has(identifier), `members seen from Node: ${[...nodeRoom.endpoints.keys()].join(', ')}`);
    assert.equal(nodeRoom.endpoints.get(identifier)!.tinyId, state.tinyId);
    // And errors come back as AVError with texts.
    const err = await inPage<{ code: number; codeName: string; suggestion: string; isAVError: boolean }>(
      page,
      `async ({ roomId }) => {
      try { await ctx.enterRoom({ roomId, roomType: 'multi', createRoom: true }); return null; }
      catch (e) { return { code: e.code, codeName: e.codeName, suggestion: e.suggestion, isAVError: e instanceof sdk.AVError }; }
    }`,
      { roomId },
    );
    assert.equal(err?.isAVError, true);
    assert.equal(err?.code, 1003, `entering the room it is in: ${JSON.stringify(err)}`);
    await inPage(page, `async () => { await ctx.exitRoom(); await ctx.stop(); await ctx.destroy(); }`);
    assert.deepEqual(browser.errors, []);
  } finally {
    await dispose(node);
    await closeAll(browser);
  }
});

test('Chromium publishes its camera through the bundle; a Node viewer decodes ≥ 30 frames of 640x480', async () => {
  const browser = await Browser.launch('bundle-publish');
  const hostId = uniqueId('chromium-host');
  const roomId = uniqueRoomId();
  const viewer = await startedContext(server.wsUrl, uniqueId('node-viewer'));
  let frames: FrameCounter | undefined;
  try {
    const page = await sdkPage(browser, hostId);
    await inPage(
      page,
      `async ({ roomId }) => {
      await ctx.enterRoom({ roomId, roomType: 'multi', createRoom: true });
      await ctx.devices.enableCamera(true);
    }`,
      { roomId },
    );
    const room = await viewer.enterRoom({ roomId, roomType: 'multi', createRoom: false });
    await endpointEvent(room, hostId, EndpointEvent.HAS_CAMERA_VIDEO, () => !!room.endpoints.get(hostId)?.hasCameraVideo, 10_000);
    const requested = Date.now();
    const [view] = await room.requestViewList([{ identifier: hostId, srcType: 'camera', size: 'big' }]);
    frames = new FrameCounter(view!.track as MediaStreamTrack);
    await frames.waitFor(30, 15_000);
    const last = frames.frames.at(-1)!;
    console.log(`chromium → node: first frame ${frames.frames[0]!.at - requested} ms after requestViewList, last ${last.width}x${last.height}`);
    assert.equal(last.width, 640);
    assert.equal(last.height, 480);
    await screenshot(page, 'sdk-bundle-publisher');
  } finally {
    frames?.stop();
    await dispose(viewer);
    await closeAll(browser);
  }
});

test('a Node publisher (virtual camera) plays in a Chromium <video>: 640 wide, frames rising', async () => {
  const browser = await Browser.launch('bundle-view');
  const hostId = uniqueId('node-host');
  const roomId = uniqueRoomId();
  const host = await startedContext(server.wsUrl, hostId);
  try {
    await host.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    await host.devices.enableCamera(true);
    const page = await sdkPage(browser, uniqueId('chromium-viewer'));
    await inPage(
      page,
      `async ({ roomId, hostId }) => {
      const room = await ctx.enterRoom({ roomId, roomType: 'multi', createRoom: false });
      const deadline = Date.now() + 10000;
      while (!room.endpoints.get(hostId)?.hasCameraVideo) {
        if (Date.now() > deadline) throw new Error('no camera from ' + hostId + ' within 10 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      const [view] = await room.requestViewList([{ identifier: hostId, srcType: 'camera', size: 'big' }]);
      const video = document.createElement('video');
      video.id = 'remote';
      video.muted = true;
      video.playsInline = true;
      video.autoplay = true;
      video.srcObject = new MediaStream([view.track]);
      document.body.replaceChildren(video);
      await video.play();
    }`,
      { roomId, hostId },
    );
    const stats = await waitForPlayingVideo(page, '#remote', { width: 640, timeoutMs: 15_000, overMs: 1500 });
    console.log(
      `node → chromium: ${stats.videoWidth}x${stats.videoHeight}, ${stats.presentedFrames} frames presented, ${stats.totalVideoFrames} total`,
    );
    assert.equal(stats.videoWidth, 640);
    assert.equal(stats.videoHeight, 480);
    assert.equal(stats.paused, false);
    await screenshot(page, 'sdk-bundle-viewer');
    assert.deepEqual(browser.errors, []);
  } finally {
    await dispose(host);
    await closeAll(browser);
  }
});
