// The demo page (apps/demo) in real Chromium across a server crash: `hudong serve --dev` is killed
// (SIGKILL) and started again on the same port; the badge goes reconnecting → connected and the
// audience's stage video plays again. Screenshots: test-results/screenshots/demo-reconnect*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { waitUntil } from '../helpers/wait-until.js';
import { Browser, closeAll, screenshot, videoStats, waitForPlayingVideo } from './helpers/browser.js';
import { badge, byTestId, demoPage, enter, stageVideo, waitForBadge, startDemoServer } from './helpers/demo.js';

test('the server is killed and restarted: the badge shows reconnecting, then connected, and video comes back', async () => {
  const own = await startDemoServer();
  const browsers = [await Browser.launch('restart-host'), await Browser.launch('restart-audience')];
  try {
    const roomId = uniqueRoomId();
    const hostId = uniqueId('restart-host');
    const host = await demoPage(browsers[0]!, { id: hostId, room: roomId, role: 'host' }, own);
    await enter(host);
    const audience = await demoPage(browsers[1]!, { id: uniqueId('restart-aud'), room: roomId, role: 'audience' }, own);
    await enter(audience);
    await waitForPlayingVideo(audience, stageVideo(hostId), { width: 640, timeoutMs: 15_000 });
    assert.equal(await badge(audience), 'connected');

    await own.kill();
    await waitForBadge(audience, 'reconnecting', 5_000);
    await waitForBadge(host, 'reconnecting', 5_000);
    console.log(`screenshot: ${await screenshot(audience, 'demo-reconnecting')}`);
    const before = await videoStats(audience, stageVideo(hostId));
    await own.start();
    const t0 = Date.now();
    await waitForBadge(audience, 'connected', 20_000);
    await waitForBadge(host, 'connected', 20_000);
    const reconnectedMs = Date.now() - t0;
    // 'connected' comes before the views are open again (offer, handshake, the host's re-published
    // camera): the stage keeps its last frame until then. Back means frames well past that count,
    // or counted afresh on a new track.
    const was = before?.presentedFrames ?? 0;
    await waitUntil(
      'the stage video to play again after the reconnect',
      async () => {
        const now = (await videoStats(audience, stageVideo(hostId)))?.presentedFrames ?? was;
        return now > was + 5 || now < was;
      },
      20_000,
    );
    const stats = await waitForPlayingVideo(audience, stageVideo(hostId), { width: 640, timeoutMs: 20_000 });
    assert.ok(!before || stats.presentedFrames > before.presentedFrames || stats.presentedFrames > 0);
    console.log(
      `restart: connected again ${reconnectedMs} ms after the server was back, video back ${Date.now() - t0} ms after; ${JSON.stringify(stats)}`,
    );
    assert.ok(await audience.isVisible(byTestId('room')), 'the audience is still in the room view');
    console.log(`screenshot: ${await screenshot(audience, 'demo-reconnected')}`);
  } finally {
    await closeAll(...browsers);
    await own.stop();
  }
});
