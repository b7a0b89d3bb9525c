// Real Chromium (apt's /usr/bin/chromium) driven by playwright-core, with fake camera, microphones,
// speakers and screen. One browser per participant, each with its own fresh profile directory.
//
// Page-side code is passed as strings, not as functions: tsx compiles this file with esbuild's
// keepNames, which would wrap named inner functions in `__name(…)`, a helper the page does not have.
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '../../helpers/wait-until.js';

export const CHROMIUM = process.env.HUDONG_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../../test-results/screenshots/', import.meta.url));

/** Exactly the flags the project runs Chromium with (see ../shared/reference/webrtc-notes.md). */
export const CHROMIUM_ARGS = [
  '--headless',
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
];

/**
 * Installed in every page before its own scripts: `window.__hd` reads a `<video>` the way a viewer
 * sees it (size, frames the compositor presented) and records when a video's first frame showed.
 */
const PAGE_PROBE = `
(() => {
  const firstFrames = new Map();   // element -> performance.now() of its first presented frame
  const presented = new WeakMap(); // element -> frames counted by requestVideoFrameCallback
  const watch = (el) => {
    if (presented.has(el)) return;
    presented.set(el, 0);
    const onFrame = (now, meta) => {
      presented.set(el, meta.presentedFrames ?? presented.get(el) + 1);
      if (!firstFrames.has(el)) firstFrames.set(el, now);
      el.requestVideoFrameCallback(onFrame);
    };
    el.requestVideoFrameCallback(onFrame);
  };
  const scan = () => document.querySelectorAll('video').forEach(watch);
  new MutationObserver(scan).observe(document, { childList: true, subtree: true });
  window.__hd = {
    stats(selector) {
      const el = document.querySelector(selector);
      if (!el) return null;
      watch(el);
      const q = el.getVideoPlaybackQuality ? el.getVideoPlaybackQuality() : { totalVideoFrames: 0, droppedVideoFrames: 0 };
      return {
        videoWidth: el.videoWidth, videoHeight: el.videoHeight, paused: el.paused, readyState: el.readyState,
        totalVideoFrames: q.totalVideoFrames, droppedVideoFrames: q.droppedVideoFrames, presentedFrames: presented.get(el) ?? 0,
        identifier: el.getAttribute('data-identifier'),
      };
    },
    all() {
      return [...document.querySelectorAll('video')].map((el) => {
        watch(el);
        return { testid: el.getAttribute('data-testid'), identifier: el.getAttribute('data-identifier'),
          videoWidth: el.videoWidth, videoHeight: el.videoHeight, presentedFrames: presented.get(el) ?? 0 };
      });
    },
    firstFrameAt(selector) {
      const el = document.querySelector(selector);
      return el && firstFrames.has(el) ? firstFrames.get(el) : null;
    },
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan); else scan();
})();
`;

export interface VideoStats {
  videoWidth: number;
  videoHeight: number;
  paused: boolean;
  readyState: number;
  /** getVideoPlaybackQuality().totalVideoFrames: frames the media player took from the decoder. */
  totalVideoFrames: number;
  droppedVideoFrames: number;
  /** frames composited, counted by requestVideoFrameCallback. */
  presentedFrames: number;
  identifier: string | null;
}

/** One Chromium process with a fresh profile; `close()` removes the profile. */
export class Browser {
  readonly pages: Page[] = [];
  private constructor(
    readonly name: string,
    readonly context: BrowserContext,
    readonly profileDir: string,
  ) {}

  /** `extraArgs`: flags for this browser only (e.g. `--use-file-for-fake-video-capture=…`). */
  static async launch(name: string, extraArgs: readonly string[] = []): Promise<Browser> {
    const profileDir = mkdtempSync(join(tmpdir(), `hudong-chromium-${name}-`));
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS, ...extraArgs],
      headless: true,
      viewport: { width: 1280, height: 800 },
      timeout: 30_000,
    });
    await context.addInitScript({ content: PAGE_PROBE });
    const browser = new Browser(name, context, profileDir);
    context.on('page', (page) => browser.#log(page));
    return browser;
  }

  /** The persistent context opens with one blank page: use it first. */
  async page(url?: string): Promise<Page> {
    const existing = this.context.pages().find((p) => p.url() === 'about:blank' && !this.pages.includes(p));
    const page = existing ?? (await this.context.newPage());
    if (existing) this.#log(existing);
    this.pages.push(page);
    if (url) await page.goto(url, { waitUntil: 'load' });
    return page;
  }

  /** Page errors and console errors, for the report when a test fails. */
  readonly errors: string[] = [];
  #logged = new WeakSet<Page>();
  #log(page: Page): void {
    if (this.#logged.has(page)) return;
    this.#logged.add(page);
    page.on('pageerror', (err) => this.errors.push(`[${this.name}] pageerror: ${err.message}`));
    page.on('console', (msg) => {
      const where = msg.location().url;
      // Chromium asks every origin for a favicon; the server has none.
      if (msg.type() === 'error' && !where.endsWith('/favicon.ico')) this.errors.push(`[${this.name}] console.error: ${msg.text()} (${where})`);
    });
  }

  async close(): Promise<void> {
    try {
      await this.context.close();
    } finally {
      rmSync(this.profileDir, { recursive: true, force: true });
    }
  }
}

/** Closes every browser given, whatever happened; never throws. */
export async function closeAll(...browsers: (Browser | undefined)[]): Promise<void> {
  for (const b of browsers) {
    try {
      await b?.close();
    } catch {
      /* already gone */
    }
  }
}

/** Saves a full-page PNG to test-results/screenshots/NAME.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The `<video>` at `selector` as the page sees it, or null if there is none. */
export function videoStats(page: Page, selector: string): Promise<VideoStats | null> {
  return page.evaluate(`window.__hd.stats(${JSON.stringify(selector)})`) as Promise<VideoStats | null>;
}

/** What allVideos reports of one `<video>`. */
export interface VideoInfo {
  testid: string | null;
  identifier: string | null;
  videoWidth: number;
  videoHeight: number;
  presentedFrames: number;
}

/** Every `<video>` of the page, for failure messages and for finding one by size. */
export function allVideos(page: Page): Promise<VideoInfo[]> {
  return page.evaluate('window.__hd.all()') as Promise<VideoInfo[]>;
}

/** performance.now() (page clock) of the first frame the video at `selector` presented, or null. */
export function firstFrameAt(page: Page, selector: string): Promise<number | null> {
  return page.evaluate(`window.__hd.firstFrameAt(${JSON.stringify(selector)})`) as Promise<number | null>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the video at `selector` has a size and is presenting frames, then checks that frames
 * keep rising over `overMs`. Returns the stats at the end. Throws with what the page had otherwise.
 */
export async function waitForPlayingVideo(
  page: Page,
  selector: string,
  opts: { timeoutMs?: number; overMs?: number; width?: number } = {},
): Promise<VideoStats> {
  const first = await waitUntil(
    `${selector} to play${opts.width ? ` at width ${opts.width}` : ''}`,
    async () => {
      const s = await videoStats(page, selector);
      return s && s.videoWidth > 0 && (!opts.width || s.videoWidth === opts.width) && s.presentedFrames > 0 ? s : null;
    },
    opts.timeoutMs ?? 15_000,
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}; videos on the page: ${JSON.stringify(await allVideos(page).catch(() => 'n/a'))}`);
  });
  // Frames must rise over `overMs`. Counters that went down mean the element was given a new track
  // meanwhile (a view re-opened after a reconnect): measure that one from where it is, once.
  let from = first;
  for (let attempt = 0; ; attempt++) {
    await sleep(opts.overMs ?? 1000);
    const later = (await videoStats(page, selector))!;
    if (later.presentedFrames > from.presentedFrames) return later;
    if (attempt > 0 || later.presentedFrames === from.presentedFrames) {
      throw new Error(`${selector}: frames did not rise (${from.presentedFrames} → ${later.presentedFrames}); ${JSON.stringify(later)}`);
    }
    from = later;
  }
}
