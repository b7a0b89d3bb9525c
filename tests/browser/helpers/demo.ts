// The demo page (apps/demo) seen through the data-testid hooks of docs/demo-contract.md.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { ServerProcess, type TestServerOptions } from '../../helpers/server.js';
import { uniqueId, uniqueRoomId } from '../../helpers/clients.js';
import { Browser, closeAll } from './browser.js';
import { waitUntil } from '../../helpers/wait-until.js';

export const DEMO_INDEX = fileURLToPath(new URL('../../../apps/demo/dist/index.html', import.meta.url));

/** A `hudong serve --dev` serving the built demo (its `/dev/usersig` signs the pages in); fails clearly when the demo is not built. */
export function startDemoServer(config?: TestServerOptions['config']): Promise<ServerProcess> {
  if (!existsSync(DEMO_INDEX)) throw new Error(`the demo is not built: ${DEMO_INDEX} is missing (build apps/demo first)`);
  return new ServerProcess({ extraArgs: ['--dev'], config }).start();
}

export const stageVideo = (identifier: string, src: 'camera' | 'screen' = 'camera') =>
  `video[data-testid=stage-video][data-identifier="${identifier}"][data-src="${src}"]`;
export const byTestId = (id: string) => `[data-testid="${id}"]`;

/** Opens the demo with its lobby prefilled and waits until the page has wired itself up. */
export async function demoPage(
  browser: Browser,
  params: { id?: string; room?: number; role?: 'host' | 'audience'; lang?: 'en' | 'zh' },
  srv: ServerProcess,
): Promise<Page> {
  const q = new URLSearchParams({ lang: params.lang ?? 'en' });
  if (params.id) q.set('id', params.id);
  if (params.room) q.set('room', String(params.room));
  if (params.role) q.set('role', params.role);
  const page = await browser.page(`${srv.httpUrl}/?${q}`);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 10_000 });
  return page;
}

/** The page's connection badge state ('connected' | 'reconnecting' | 'disconnected'). */
export function badge(page: Page): Promise<string | null> {
  return page.getAttribute(byTestId('connection-badge'), 'data-state');
}

export async function waitForBadge(page: Page, state: string, timeoutMs = 10_000): Promise<void> {
  await waitUntil(`connection-badge = ${state}`, async () => (await badge(page)) === state, timeoutMs, 50);
}

/** Clicks `enter` and waits for the room view. */
export async function enter(page: Page): Promise<void> {
  await page.click(byTestId('enter'));
  await page.waitForSelector(`${byTestId('room')}:visible`, { timeout: 10_000 }).catch(async (err: Error) => {
    throw new Error(`${err.message}; error panel: ${await errorPanel(page).then((e) => JSON.stringify(e))}`);
  });
}

export interface ErrorPanel {
  visible: boolean;
  code: string;
  name: string;
  meaning: string;
  cause: string;
  suggestion: string;
}
export async function errorPanel(page: Page): Promise<ErrorPanel> {
  const text = (id: string) => page.textContent(`${byTestId('error-panel')} ${byTestId(id)}`).then((t) => (t ?? '').trim());
  return {
    visible: await page.isVisible(byTestId('error-panel')),
    code: await text('error-code'),
    name: await text('error-name'),
    meaning: await text('error-meaning'),
    cause: await text('error-cause'),
    suggestion: await text('error-suggestion'),
  };
}

export async function waitForError(page: Page, code: number, timeoutMs = 10_000): Promise<ErrorPanel> {
  let last: ErrorPanel | undefined;
  try {
    return await waitUntil(
      `error panel with ${code}`,
      async () => {
        last = await errorPanel(page);
        return last.visible && last.code === String(code) ? last : null;
      },
      timeoutMs,
      50,
    );
  } catch {
    throw new Error(`no error ${code} in the panel within ${timeoutMs} ms; panel: ${JSON.stringify(last)}`);
  }
}

/** A host page that entered `roomId` (camera on) and an audience page in the same room. */
export async function liveRoom(
  srv: ServerProcess,
  label: string,
): Promise<{ host: Page; audience: Page; hostId: string; audienceId: string; browsers: Browser[] }> {
  const browsers: Browser[] = [];
  try {
    const roomId = uniqueRoomId();
    const hostId = uniqueId(`${label}-host`);
    const audienceId = uniqueId(`${label}-aud`);
    browsers.push(await Browser.launch(`${label}-host`), await Browser.launch(`${label}-audience`));
    const host = await demoPage(browsers[0]!, { id: hostId, room: roomId, role: 'host' }, srv);
    await enter(host);
    await waitUntil('the host camera to be on', () => host.isVisible(byTestId('local-video')).catch(() => false), 10_000);
    const audience = await demoPage(browsers[1]!, { id: audienceId, room: roomId, role: 'audience' }, srv);
    await enter(audience);
    return { host, audience, hostId, audienceId, browsers };
  } catch (err) {
    await closeAll(...browsers);
    throw err;
  }
}

/** Two lobbies logged in as caller and callee, ready to call. */
export async function callPair(
  srv: ServerProcess,
  label: string,
): Promise<{ caller: Page; callee: Page; callerId: string; calleeId: string; browsers: Browser[] }> {
  const browsers = [await Browser.launch(`${label}-caller`), await Browser.launch(`${label}-callee`)];
  try {
    const callerId = uniqueId(`${label}-caller`);
    const calleeId = uniqueId(`${label}-callee`);
    const caller = await demoPage(browsers[0]!, { id: callerId }, srv);
    const callee = await demoPage(browsers[1]!, { id: calleeId }, srv);
    await waitForBadge(caller, 'connected');
    await waitForBadge(callee, 'connected');
    await caller.fill(byTestId('call-peer'), calleeId);
    await caller.click(byTestId('call-start'));
    await callee.waitForSelector(`${byTestId('incoming-call')}:visible`, { timeout: 10_000 });
    return { caller, callee, callerId, calleeId, browsers };
  } catch (err) {
    await closeAll(...browsers);
    throw err;
  }
}
