// The demo's member list in a large room, in real Chromium: a server with largeRoomThreshold 2, a host
// page (en) and an audience page (zh) with two wire clients between them. Each page lists itself and
// the announced members, then "+N watching" for the audience it is not told about (API.md section 3).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AuthBits } from '@hudong/protocol';
import type { Page } from 'playwright-core';
import type { ServerProcess } from '../helpers/server.js';
import { loggedIn, type RawClient } from '../helpers/raw-client.js';
import { uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { Browser, closeAll, screenshot } from './helpers/browser.js';
import { waitUntil } from '../helpers/wait-until.js';
import { byTestId, demoPage, enter, startDemoServer } from './helpers/demo.js';

let server: ServerProcess;
before(async () => {
  server = await startDemoServer({ largeRoomThreshold: 2 });
});
after(async () => {
  await server?.stop();
});

/** The identifiers listed, and the "+N watching" line (null when there is none). */
async function memberList(page: Page): Promise<{ ids: string[]; watching: string | null; count: string | null }> {
  return {
    ids: await page.$$eval(`${byTestId('member')}`, (els) => els.map((e) => e.getAttribute('data-identifier') ?? '')),
    watching: (await page.$(byTestId('member-watching'))) ? await page.textContent(byTestId('member-watching')) : null,
    count: await page.textContent(byTestId('member-count')),
  };
}

test('a room over the threshold lists the announced members and "+N watching" (en and zh)', async () => {
  const roomId = uniqueRoomId();
  const hostId = uniqueId('lr-host');
  const audienceId = uniqueId('lr-aud');
  const [firstId, secondId] = [uniqueId('lr-first'), uniqueId('lr-second')];
  const browsers = [await Browser.launch('large-host'), await Browser.launch('large-audience')];
  const clients: RawClient[] = [];
  try {
    const host = await demoPage(browsers[0]!, { id: hostId, room: roomId, role: 'host' }, server);
    await enter(host);
    for (const id of [firstId, secondId]) {
      const { client } = await loggedIn(server.wsUrl, id, {}, { keepAliveMs: 2000 });
      clients.push(client);
      await client.call('room.enter', { roomId, roomType: 'multi', authBits: AuthBits.AUDIENCE, createRoom: false, controlRole: 'Guest' });
    }
    const audience = await demoPage(browsers[1]!, { id: audienceId, room: roomId, role: 'audience', lang: 'zh' }, server);
    await enter(audience);

    const hostList = await waitUntil('"+2 watching" on the host page', async () => {
      const list = await memberList(host);
      return list.watching === '+2 watching' ? list : null;
    });
    assert.deepEqual(
      hostList,
      { ids: [hostId, firstId], watching: '+2 watching', count: '4' },
      'the first wire client entered while the room was small',
    );
    const audienceList = await waitUntil('"+1 人观看" on the audience page', async () => {
      const list = await memberList(audience);
      return list.watching === '+1 人观看' ? list : null;
    });
    assert.deepEqual(audienceList, { ids: [audienceId, ...[firstId, hostId].sort((a, b) => a.localeCompare(b))], watching: '+1 人观看', count: '4' });
    console.log(`screenshots: ${await screenshot(host, 'demo-large-room-host')} ${await screenshot(audience, 'demo-large-room-audience')}`);

    await clients[1]!.call('room.exit', {});
    await waitUntil('"+1 watching" on the host page once the second one left', async () => (await memberList(host)).watching === '+1 watching');
    for (const b of browsers) assert.deepEqual(b.errors, []);
  } finally {
    for (const c of clients) c.terminate();
    await closeAll(...browsers);
  }
});
