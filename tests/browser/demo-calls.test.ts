// 1:1 calls in the demo page (apps/demo) in real Chromium: a call connects, a refused call shows 1801,
// and a third member invited into the full pair room shows 10005 — texts and suggestion from the
// error table. Screenshots: test-results/screenshots/demo-call*.png, demo-pair-full.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AVError } from '@hudong/sdk';
import type { ServerProcess } from '../helpers/server.js';
import { dispose, startedContext, uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { Browser, closeAll, screenshot, waitForPlayingVideo } from './helpers/browser.js';
import { byTestId, callPair, demoPage, stageVideo, waitForBadge, waitForError, startDemoServer } from './helpers/demo.js';

let server: ServerProcess;
before(async () => {
  server = await startDemoServer();
});
after(async () => {
  await server?.stop();
});

test('a 1:1 call connects: both enter the pair room and see each other', async () => {
  const { caller, callee, callerId, calleeId, browsers } = await callPair(server, 'call');
  try {
    await callee.click(byTestId('call-accept'));
    await caller.waitForSelector(`${byTestId('room')}:visible`, { timeout: 10_000 });
    await callee.waitForSelector(`${byTestId('room')}:visible`, { timeout: 10_000 });
    await waitForPlayingVideo(caller, stageVideo(calleeId), { width: 640, timeoutMs: 15_000 });
    await waitForPlayingVideo(callee, stageVideo(callerId), { width: 640, timeoutMs: 15_000 });
    console.log(`screenshots: ${await screenshot(caller, 'demo-call-caller')} ${await screenshot(callee, 'demo-call-callee')}`);
    for (const b of browsers) assert.deepEqual(b.errors, []);
  } finally {
    await closeAll(...browsers);
  }
});

test('a refused call shows 1801 with its suggestion in the error panel', async () => {
  const { caller, callee, browsers } = await callPair(server, 'refuse');
  try {
    await callee.click(byTestId('call-refuse'));
    const panel = await waitForError(caller, 1801);
    const expected = AVError.describe(1801, 'en');
    assert.equal(panel.name, expected.codeName);
    assert.equal(panel.suggestion, expected.suggestion);
    assert.ok(panel.meaning.length > 0 && panel.cause.length > 0, JSON.stringify(panel));
    assert.ok(!(await caller.isVisible(byTestId('room'))), 'the caller left its pair room: back in the lobby');
    console.log(`caller panel: ${JSON.stringify(panel)}`);
    console.log(`screenshot: ${await screenshot(caller, 'demo-call-refused')}`);
  } finally {
    await closeAll(...browsers);
  }
});

test('a third member invited into a full pair room sees 10005 with its suggestion', async () => {
  // Only a member of a room may invite into it: two Node clients fill a pair room, one of them
  // invites the demo's member, and accepting makes the demo enter it as a pair room.
  const inviter = await startedContext(server.wsUrl, uniqueId('pair3-inviter'));
  const partner = await startedContext(server.wsUrl, uniqueId('pair3-partner'));
  const third = await Browser.launch('pair3-third');
  try {
    const roomId = uniqueRoomId();
    await inviter.enterRoom({ roomId, roomType: 'pair', createRoom: true });
    await partner.enterRoom({ roomId, roomType: 'pair', createRoom: false });
    const thirdId = uniqueId('pair3-third');
    const page = await demoPage(third, { id: thirdId }, server);
    await waitForBadge(page, 'connected');
    const invited = inviter.invite(thirdId, { roomId });
    invited.catch(() => undefined);
    await page.waitForSelector(`${byTestId('incoming-call')}:visible`, { timeout: 10_000 });
    await page.click(byTestId('call-accept'));
    const panel = await waitForError(page, 10005);
    const expected = AVError.describe(10005, 'en');
    assert.equal(panel.name, expected.codeName);
    assert.equal(panel.suggestion, expected.suggestion);
    assert.match(panel.cause, /pair|2 members|full/i, `the cause names the full pair room: ${panel.cause}`);
    assert.ok(!(await page.isVisible(byTestId('room'))), 'the third member is not in the room');
    console.log(`third member panel: ${JSON.stringify(panel)}`);
    console.log(`screenshot: ${await screenshot(page, 'demo-pair-full')}`);
    await invited.catch(() => undefined);
  } finally {
    await dispose(inviter, partner);
    await closeAll(third);
  }
});
