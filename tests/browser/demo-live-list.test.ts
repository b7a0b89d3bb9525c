// Issue 13, the demo's operator side in real Chromium: the lobby's live list shows a room the moment
// its host goes live (camera on) and drops it when the host leaves; a click joins it as audience; the
// host removes a member (its page shows 10006 KICKED) and ends the live (10009 ROOM_DISMISSED for all).
// The page calls the server API (/api/v1) with an admin UserSig from /dev/usersig: dev mode only.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { ServerProcess } from '../helpers/server.js';
import { uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { waitUntil } from '../helpers/wait-until.js';
import { Browser, closeAll, waitForPlayingVideo } from './helpers/browser.js';
import { byTestId, demoPage, enter, stageVideo, startDemoServer, waitForBadge, waitForError } from './helpers/demo.js';

let server: ServerProcess;
before(async () => {
  server = await startDemoServer();
});
after(async () => {
  await server?.stop();
});

const liveEntry = (roomId: number) => `${byTestId('live-room')}[data-room-id="${roomId}"]`;

test('the live list: a room appears when its host goes live, a click joins it; the host kicks a member and ends the live', async () => {
  const browsers = [await Browser.launch('live-host'), await Browser.launch('live-viewer'), await Browser.launch('live-second')];
  try {
    const roomId = uniqueRoomId();
    const hostId = uniqueId('live-host');
    const viewerId = uniqueId('live-viewer');
    const viewer = await demoPage(browsers[1]!, { id: viewerId }, server);
    await waitForBadge(viewer, 'connected');
    assert.equal(await viewer.isVisible(liveEntry(roomId)), false, 'not live yet');

    const host = await demoPage(browsers[0]!, { id: hostId, room: roomId, role: 'host' }, server);
    const wentLive = Date.now();
    await enter(host);
    await viewer.waitForSelector(liveEntry(roomId), { timeout: 10_000 });
    console.log(`live list: the room listed ${Date.now() - wentLive} ms after the host clicked enter`);
    assert.equal(await viewer.getAttribute(liveEntry(roomId), 'data-host'), hostId);

    await viewer.click(liveEntry(roomId));
    await waitForPlayingVideo(viewer, stageVideo(hostId), { width: 640 });
    const second = await demoPage(browsers[2]!, { id: uniqueId('live-second'), room: roomId, role: 'audience' }, server);
    await enter(second);
    const countOf = async (page: Page) => Number((await page.textContent(byTestId('member-count'))) ?? 0);
    await waitUntil('the host counts three', async () => (await countOf(host)) === 3);

    // The host removes the viewer: its room ends with 10006 KICKED, and the host counts two.
    await host.click(`${byTestId('member-kick')}[data-identifier="${viewerId}"]`);
    const kicked = await waitForError(viewer, 10006);
    assert.match(kicked.cause, /KICKED/);
    await waitUntil('the viewer back in the lobby', () => viewer.isVisible(byTestId('lobby')));
    await waitUntil('the host counts two', async () => (await countOf(host)) === 2);

    // The host ends the live: every member's room ends with 10009, and the lobby lists it no more.
    await host.click(byTestId('end-live'));
    const dismissed = await waitForError(second, 10009);
    assert.match(dismissed.cause, /ROOM_DISMISSED/);
    await waitForError(host, 10009);
    await viewer.waitForSelector(liveEntry(roomId), { state: 'detached', timeout: 10_000 });
    // A lobby poll that lists the room just before it ends asks for its details just after: that
    // 404 is the race the live list expects (it drops the room), and Chromium logs every failed fetch.
    const goneMeanwhile = new RegExp(`status of 404 .*/api/v1/rooms/${roomId}\\?offset=0&limit=1\\)$`);
    for (const b of browsers)
      assert.deepEqual(
        b.errors.filter((e) => !goneMeanwhile.test(e)),
        [],
      );
  } finally {
    await closeAll(...browsers);
  }
});

test('the live list drops a room when its host leaves', async () => {
  const browsers = [await Browser.launch('leave-host'), await Browser.launch('leave-viewer')];
  try {
    const roomId = uniqueRoomId();
    const host = await demoPage(browsers[0]!, { id: uniqueId('leave-host'), room: roomId, role: 'host' }, server);
    const viewer = await demoPage(browsers[1]!, { id: uniqueId('leave-viewer') }, server);
    await enter(host);
    await viewer.waitForSelector(liveEntry(roomId), { timeout: 10_000 });
    await host.click(byTestId('leave'));
    await viewer.waitForSelector(liveEntry(roomId), { state: 'detached', timeout: 10_000 });
  } finally {
    await closeAll(...browsers);
  }
});
