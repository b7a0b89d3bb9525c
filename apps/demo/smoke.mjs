import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
/* global document -- page.evaluate/waitForFunction bodies run in the page */
// Smoke test of the demo in two (three) headless Chromium pages against `hudong serve --dev`.
// Run from the repo root inside the loopback namespace so WebRTC connects:
//   ../shared/tools/netns-run node apps/demo/smoke.mjs     (CHROMIUM=/usr/bin/chromium SHOTS=/tmp/demo-shots)
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(`${ROOT}package.json`);
const { chromium } = require('playwright-core');

const PORT = 7100,
  BASE = `http://127.0.0.1:${PORT}`;
const SHOTS = process.env.SHOTS ?? '/tmp/demo-shots';
mkdirSync(SHOTS, { recursive: true });
const server = spawn('node', ['packages/cli/dist/bin.js', 'serve', '--dev', '--secret', 'demo-secret-for-e2e', '--port', String(PORT)], {
  cwd: ROOT,
  stdio: ['ignore', 'pipe', 'pipe'],
});
let serverLog = '';
server.stdout.on('data', (d) => {
  serverLog += d;
});
server.stderr.on('data', (d) => {
  serverLog += d;
});
const step = (m) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);

async function waitHealth() {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${BASE}/healthz`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start\n' + serverLog);
}
const args = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--auto-select-desktop-capture-source=Entire screen',
];
const contexts = [];
const extra = [];
async function page(name, url, viewport = { width: 1280, height: 800 }) {
  const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), `demo-${name}-`)), {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args,
    viewport,
  });
  contexts.push(ctx);
  const p = ctx.pages()[0] ?? (await ctx.newPage());
  p.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.log(`  <${name} ${m.type()}> ${m.text()}`);
  });
  p.on('pageerror', (e) => console.log(`  <${name} pageerror> ${e.message}`));
  await p.goto(`${BASE}${url}`);
  await p.waitForSelector('body[data-ready="1"]');
  return p;
}
const tid = (id) => `[data-testid="${id}"]`;
async function videoPlaying(p, sel) {
  await p.waitForFunction(
    (s) => {
      const v = document.querySelector(s);
      return v && v.videoWidth > 0 && v.readyState >= 2;
    },
    sel,
    { timeout: 20000 },
  );
}
async function shot(p, name, size) {
  if (size) await p.setViewportSize(size);
  await p.waitForTimeout(400);
  await p.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  step(`shot ${name}`);
}
async function errorText(p) {
  return p.evaluate(() => {
    const e = document.querySelector('[data-testid="error-panel"]');
    return e && !e.hidden ? e.innerText : null;
  });
}

try {
  await waitHealth();
  step('server up');
  const host = await page('host', '/?id=alice&room=1234&role=host&lang=en');
  await host.waitForSelector(`${tid('connection-badge')}[data-state="connected"]`);
  step('host logged in');
  await shot(host, 'lobby-1280');
  await host.click(tid('devtest-start'));
  await videoPlaying(host, tid('devtest-preview'));
  await host.waitForFunction(() => Number(document.querySelector('[data-testid="devtest-level"]').dataset.level) > 0, null, { timeout: 10000 });
  step('devtest: preview playing, level ' + (await host.getAttribute(tid('devtest-level'), 'data-level')));
  console.log('  camera options:', await host.$$eval(`${tid('camera-select')} option`, (o) => o.map((x) => x.textContent)));
  await shot(host, 'lobby-devtest-1280');
  await shot(host, 'lobby-devtest-360', { width: 360, height: 740 });
  await host.setViewportSize({ width: 1280, height: 800 });
  await host.click(tid('devtest-stop'));

  await host.click(tid('enter'));
  await host.waitForSelector(`${tid('room')}:not([hidden])`);
  await videoPlaying(host, tid('local-video'));
  step('host in room, local preview playing');

  const aud = await page('aud', '/?id=bob&room=1234&role=audience&lang=en');
  await aud.click(tid('enter'));
  await aud.waitForSelector(`${tid('room')}:not([hidden])`);
  await videoPlaying(aud, `${tid('stage-video')}[data-identifier="alice"]`);
  step('audience sees alice on stage (playing)');
  await aud.waitForSelector(`${tid('member')}[data-identifier="alice"][data-camera="1"][data-audio="1"]`);
  await host.waitForSelector(`${tid('member')}[data-identifier="bob"][data-camera="0"]`);
  step('member lists ok');

  await aud.fill(tid('chat-input'), 'hello host');
  await aud.click(tid('chat-send'));
  await host.waitForSelector(`${tid('chat-message')}:has-text("bob: hello host")`);
  await host.fill(tid('chat-input'), '欢迎');
  await host.press(tid('chat-input'), 'Enter');
  await aud.waitForSelector(`${tid('chat-message')}:has-text("alice: 欢迎")`);
  step('chat ok');

  await aud.click(tid('request-cohost'));
  await host.waitForSelector(`${tid('cohost-request')}[data-identifier="bob"]`);
  await shot(host, 'room-host-request-1280');
  await host.click(`${tid('cohost-request')}[data-identifier="bob"] ${tid('cohost-accept')}`);
  await videoPlaying(host, `${tid('stage-video')}[data-identifier="bob"]`);
  await videoPlaying(aud, tid('local-video'));
  await host.waitForSelector(`${tid('member')}[data-identifier="bob"][data-camera="1"]`);
  step('co-host: bob publishes, host sees bob big');

  await host.click(tid('screen-share'));
  await host.waitForTimeout(1500);
  const e1 = await errorText(host);
  if (e1) step('screen share error on host: ' + e1.replace(/\n/g, ' | '));
  else {
    await videoPlaying(aud, `${tid('stage-video')}[data-identifier="alice"][data-src="screen"]`).then(
      () => step('audience sees alice screen'),
      (e) => step('no screen view: ' + e.message),
    );
  }
  await aud.waitForTimeout(1000);
  await shot(host, 'room-host-1280');
  await shot(aud, 'room-audience-1280');
  await shot(host, 'room-host-360', { width: 360, height: 740 });
  await shot(aud, 'room-audience-360', { width: 360, height: 740 });
  for (const p of [host, aud]) {
    const e = await errorText(p);
    if (e) step('error panel: ' + e.replace(/\n/g, ' | '));
  }

  // leave both; then a 1:1 call alice → bob
  await aud.click(tid('leave'));
  await host.waitForSelector(`${tid('member')}[data-identifier="bob"]`, { state: 'detached' });
  await host.click(tid('leave'));
  await host.waitForSelector(`${tid('lobby')}:not([hidden])`);
  step('both left');
  await host.fill(tid('call-peer'), 'bob');
  await host.click(tid('call-start'));
  await aud.waitForSelector(`${tid('incoming-call')}:not([hidden])`);
  await shot(aud, 'call-incoming-360');
  await aud.click(tid('call-accept'));
  await videoPlaying(aud, `${tid('stage-video')}[data-identifier="alice"]`);
  await videoPlaying(host, `${tid('stage-video')}[data-identifier="bob"]`);
  step('1:1 call: both see each other');
  await shot(host, 'call-1280', { width: 1280, height: 800 });
  await aud.click(tid('leave'));
  await host.click(tid('leave'));

  // error panel in zh: audience enters a room that does not exist
  const zh = await page('zh', '/?id=carol&room=999999&role=audience&lang=zh', { width: 360, height: 740 });
  await zh.click(tid('enter'));
  await zh.waitForSelector(`${tid('error-panel')}:not([hidden])`);
  step('zh error: ' + (await errorText(zh)).replace(/\n/g, ' | '));
  await shot(zh, 'lobby-error-zh-360');
  await zh.click(tid('lang-toggle'));
  await zh.waitForTimeout(300);
  step('after toggle: ' + (await errorText(zh)).replace(/\n/g, ' | '));
  await shot(zh, 'lobby-error-en-1280', { width: 1280, height: 800 });
  // connection badge: server goes away and comes back
  const srv2 = () =>
    spawn('node', ['packages/cli/dist/bin.js', 'serve', '--dev', '--secret', 'demo-secret-for-e2e', '--port', String(PORT)], {
      cwd: ROOT,
      stdio: 'ignore',
    });
  server.kill();
  await zh.waitForSelector(`${tid('connection-badge')}[data-state="reconnecting"]`, { timeout: 15000 });
  step('badge reconnecting');
  await shot(zh, 'badge-reconnecting-360', { width: 360, height: 740 });
  const s2 = srv2();
  extra.push(s2);
  await zh.waitForSelector(`${tid('connection-badge')}[data-state="connected"]`, { timeout: 30000 });
  step('badge connected again');
  step('ALL OK');
} catch (err) {
  console.error('FAILED', err);
  process.exitCode = 1;
} finally {
  for (const c of contexts) await c.close().catch(() => {});
  server.kill();
  for (const s of extra) s.kill();
  if (process.exitCode) console.log(serverLog.split('\n').slice(-30).join('\n'));
}
