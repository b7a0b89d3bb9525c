// The demo's lobby tools in real Chromium, through the data-testid hooks of docs/demo-contract.md:
// the device test (camera preview and microphone level before entering) and the error panel in
// Chinese, switched to English in place. Runs in the loopback namespace like the other browser files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerProcess } from '../helpers/server.js';
import { uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { Browser, closeAll, screenshot, waitForPlayingVideo } from './helpers/browser.js';
import { waitUntil } from '../helpers/wait-until.js';
import { byTestId, demoPage, errorPanel, waitForBadge, waitForError, startDemoServer } from './helpers/demo.js';

let server: ServerProcess;
before(async () => {
  server = await startDemoServer();
});
after(async () => {
  await server?.stop();
});

test('device test: the preview plays the fake camera at 640 wide, the level meter moves, stop clears the preview', async () => {
  const browser = await Browser.launch('devtest');
  try {
    const page = await demoPage(browser, { id: uniqueId('devtest'), room: 1234, role: 'host' }, server);
    await waitForBadge(page, 'connected');
    await page.click(byTestId('devtest-start'));
    const preview = await waitForPlayingVideo(page, byTestId('devtest-preview'), { width: 640 });
    const level = await waitUntil('the microphone level above 0', async () => {
      const value = Number(await page.getAttribute(byTestId('devtest-level'), 'data-level'));
      return value > 0 ? value : null;
    });
    console.log(
      `device test: preview ${preview.videoWidth}x${preview.videoHeight}, level ${level}; screenshot ${await screenshot(page, 'demo-devtest')}`,
    );
    await page.click(byTestId('devtest-stop'));
    await waitUntil('the preview cleared', () =>
      page.$eval(byTestId('devtest-preview'), (video) => ((video as HTMLVideoElement).srcObject === null ? true : null)),
    );
    assert.deepEqual(browser.errors, []);
  } finally {
    await closeAll(browser);
  }
});

test('error panel in zh: an audience member entering a room that does not exist sees 10009 in Chinese, then in English after the toggle', async () => {
  const browser = await Browser.launch('zh-error');
  try {
    const page = await demoPage(browser, { id: uniqueId('zh'), room: uniqueRoomId(), role: 'audience', lang: 'zh' }, server);
    await waitForBadge(page, 'connected');
    await page.click(byTestId('enter'));
    const zh = await waitForError(page, 10009);
    assert.equal(zh.name, 'AV_ERR_SERVER_ROOM_NOT_EXIST');
    assert.match(zh.meaning, /[\u4e00-\u9fff]/, `a Chinese meaning (got "${zh.meaning}")`);
    assert.match(zh.cause, /ROOM_NOT_FOUND/, 'the server sub-code beside the cause');
    await page.click(byTestId('lang-toggle'));
    const en = await waitUntil('the panel in English', async () => {
      const panel = await errorPanel(page);
      return /[\u4e00-\u9fff]/.test(panel.meaning) ? null : panel;
    });
    assert.equal(en.code, '10009');
    assert.match(en.meaning, /room/i);
    console.log(`zh: ${zh.meaning} | en: ${en.meaning}; screenshot ${await screenshot(page, 'demo-error-en')}`);
  } finally {
    await closeAll(browser);
  }
});
