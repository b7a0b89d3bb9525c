// The demo page (apps/demo, served at / by `hudong serve --dev`) in real Chromium, driven only through
// the data-testid hooks of docs/demo-contract.md: the lobby, then one live room (a host page and an
// audience page, one Chromium each) for stage video, chat, screen share and co-hosting, in that order.
// Screenshots: test-results/screenshots/demo-*.png. Runs in the loopback namespace (scripts/run-tests.mjs);
// the calls and the server restart are in demo-calls.test.ts and demo-reconnect.test.ts, so that each
// file stays well inside the runner's 120 s per file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { ServerProcess } from '../helpers/server.js';
import { uniqueId } from '../helpers/clients.js';
import { Browser, closeAll, screenshot, waitForPlayingVideo } from './helpers/browser.js';
import { waitUntil } from '../helpers/wait-until.js';
import { byTestId, demoPage, liveRoom, stageVideo, waitForBadge, startDemoServer } from './helpers/demo.js';

let server: ServerProcess;
let room: Awaited<ReturnType<typeof liveRoom>> | undefined;
before(async () => {
  server = await startDemoServer();
});
after(async () => {
  await closeAll(...(room?.browsers ?? []));
  await server?.stop();
});

/** The host and audience pages of the live room, entered on first use. */
async function live(): Promise<NonNullable<typeof room>> {
  room ??= await liveRoom(server, 'live');
  return room;
}

test('the lobby renders with identifier, room, role and the fake devices', async () => {
  const browser = await Browser.launch('lobby');
  try {
    const id = uniqueId('lobby');
    const page = await demoPage(browser, { id, room: 1234, role: 'audience' }, server);
    assert.ok(await page.isVisible(byTestId('lobby')), 'lobby visible');
    assert.equal(await page.inputValue(byTestId('identifier')), id);
    assert.equal(await page.inputValue(byTestId('room-id')), '1234');
    assert.equal(await page.inputValue(byTestId('role')), 'audience');
    await waitForBadge(page, 'connected'); // an identifier in the URL logs in from the lobby
    const cameras = await waitUntil('a fake camera in camera-select', async () => {
      const labels = await page.$$eval(`${byTestId('camera-select')} option`, (opts) => opts.map((o) => o.textContent ?? ''));
      return labels.some((l) => /fake/i.test(l)) ? labels : null;
    });
    console.log(`lobby cameras: ${cameras.join(' | ')}`);
    console.log(`screenshot: ${await screenshot(page, 'demo-lobby')}`);
    assert.deepEqual(browser.errors, []);
  } finally {
    await closeAll(browser);
  }
});

test("host and audience: the audience stage plays the host's camera (640 wide, frames rising)", async () => {
  const { host, audience, hostId, browsers } = await live();
  {
    const stats = await waitForPlayingVideo(audience, stageVideo(hostId), { width: 640, timeoutMs: 15_000 });
    console.log(`audience stage: ${stats.videoWidth}x${stats.videoHeight}, ${stats.presentedFrames} frames presented`);
    const member = `${byTestId('member')}[data-identifier="${hostId}"]`;
    await waitUntil('the host listed with camera on', async () => (await audience.getAttribute(member, 'data-camera')) === '1');
    console.log(`screenshots: ${await screenshot(host, 'demo-host')} ${await screenshot(audience, 'demo-audience')}`);
    for (const b of browsers) assert.deepEqual(b.errors, []);
  }
});

test('chat goes both ways as "FROM: TEXT"', async () => {
  const { host, audience, hostId, audienceId } = await live();
  {
    const says = async (from: Page, to: Page, fromId: string, text: string) => {
      await from.fill(byTestId('chat-input'), text);
      await from.click(byTestId('chat-send'));
      await waitUntil(`"${fromId}: ${text}" on the other page`, async () => {
        const lines = await to.$$eval(byTestId('chat-message'), (els) => els.map((e) => (e.textContent ?? '').trim()));
        return lines.includes(`${fromId}: ${text}`);
      });
    };
    await says(host, audience, hostId, 'hello from the host');
    await says(audience, host, audienceId, 'hi host, 你好');
    console.log(`screenshot: ${await screenshot(audience, 'demo-chat-audience')}`);
  }
});

test("screen share: the audience sees the host's 1280x720 screen", async () => {
  const { host, audience, hostId } = await live();
  {
    await host.click(byTestId('screen-share'));
    const stats = await waitForPlayingVideo(audience, stageVideo(hostId, 'screen'), { width: 1280, timeoutMs: 15_000 });
    assert.equal(stats.videoHeight, 720);
    const member = `${byTestId('member')}[data-identifier="${hostId}"]`;
    await waitUntil('the host listed with screen on', async () => (await audience.getAttribute(member, 'data-screen')) === '1');
    console.log(`audience screen view: ${stats.videoWidth}x${stats.videoHeight}, ${stats.presentedFrames} frames presented`);
    console.log(`screenshot: ${await screenshot(audience, 'demo-screen-audience')}`);
  }
});

test("co-host: the audience asks, the host accepts, and the host sees the co-host's camera", async () => {
  const { host, audience, audienceId, browsers } = await live();
  {
    await audience.click(byTestId('request-cohost'));
    const accept = `${byTestId('cohost-request')}[data-identifier="${audienceId}"] ${byTestId('cohost-accept')}`;
    await host.waitForSelector(accept, { timeout: 10_000 });
    await host.click(accept);
    // The co-host took LiveGuest: its camera comes at that role's 480x360.
    const stats = await waitForPlayingVideo(host, stageVideo(audienceId), { width: 480, timeoutMs: 15_000 });
    assert.equal(stats.videoHeight, 360);
    console.log(`host sees co-host: ${stats.videoWidth}x${stats.videoHeight}, ${stats.presentedFrames} frames presented`);
    const member = `${byTestId('member')}[data-identifier="${audienceId}"]`;
    await waitUntil('the co-host listed with camera on', async () => (await host.getAttribute(member, 'data-camera')) === '1');
    console.log(`screenshot: ${await screenshot(host, 'demo-cohost-host')}`);
    for (const b of browsers) assert.deepEqual(b.errors, []);
  }
});
