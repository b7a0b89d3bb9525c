/**
 * The stage: remote videos kept in sync with the room's endpoints through `requestViewList` (the
 * list is the full set) — hosts' and co-hosts' cameras and every screen share `big`, other cameras
 * `small` thumbnails — plus our own camera preview.
 */
import { byTestId, el, show } from './dom.js';
import { reportError } from './errors.js';
import { t } from './i18n.js';
import type { AVRoom, AVView } from './sdk.js';

type ViewRequest = Parameters<AVRoom['requestViewList']>[0][number];

/** Codes that only mean the room moved on while we asked (retry with the new state). */
const TRANSIENT = new Set([1001, 1002, 1401, 1402, 10010]);

let room: AVRoom | null = null;
let isBig: (identifier: string) => boolean = () => true;
let running = false;
let dirty = false;
const tiles = new Map<string, { tile: HTMLElement; video: HTMLVideoElement; track: MediaStreamTrack | null }>();

export function attachStage(r: AVRoom, big: (identifier: string) => boolean): void {
  room = r;
  isBig = big;
  r.on('viewEnded', () => scheduleViewSync());
  // After a reconnect the views come back on new tracks: show those.
  r.on('viewTrackChanged', () => {
    if (room === r) render(r.views);
  });
  scheduleViewSync();
}

export function detachStage(): void {
  room = null;
  dirty = false;
  for (const { tile, video } of tiles.values()) {
    video.srcObject = null;
    tile.remove();
  }
  tiles.clear();
  setLocalPreview(null, '');
  renderEmpty();
}

function desired(r: AVRoom): ViewRequest[] {
  const list: ViewRequest[] = [];
  for (const ep of r.endpoints.values()) {
    if (ep.hasCameraVideo) list.push({ identifier: ep.identifier, srcType: 'camera', size: isBig(ep.identifier) ? 'big' : 'small' });
    if (ep.hasScreenVideo) list.push({ identifier: ep.identifier, srcType: 'screen', size: 'big' });
  }
  return list;
}

/** Re-requests the view list after endpoint changes; runs one request at a time. */
export function scheduleViewSync(): void {
  dirty = true;
  if (!running) void loop();
}

async function loop(): Promise<void> {
  running = true;
  let failures = 0;
  try {
    while (dirty && room) {
      dirty = false;
      const r = room;
      if (r.state !== 'entered') break;
      const want = desired(r);
      try {
        if (want.length > 0 || r.views.length > 0) await r.requestViewList(want);
        failures = 0;
      } catch (err) {
        const code = (err as { code?: number }).code ?? 0;
        if (room !== r || r.state !== 'entered') break;
        if (TRANSIENT.has(code) && failures < 3) {
          failures += 1;
          dirty = true;
          await new Promise((res) => setTimeout(res, 300 * failures));
        } else {
          reportError(err, 'requestViewList');
        }
      }
      if (room === r) render(r.views);
    }
  } finally {
    running = false;
  }
}

function key(v: { identifier: string; srcType: string; size: string }): string {
  return `${v.identifier}|${v.srcType}|${v.size}`;
}

function render(views: readonly AVView[]): void {
  const big = byTestId('stage-big');
  const thumbs = byTestId('stage-thumbs');
  const keep = new Set<string>();
  for (const v of views) {
    const k = key(v);
    keep.add(k);
    let entry = tiles.get(k);
    if (!entry) {
      const video = el('video', {
        'data-testid': v.size === 'big' ? 'stage-video' : 'thumb-video',
        'data-identifier': v.identifier,
        'data-src': v.srcType,
        class: v.srcType === 'screen' ? 'screen' : '',
      });
      video.autoplay = true;
      video.muted = true; // audio plays through the SDK's speaker
      video.playsInline = true;
      const label = el('span', { class: 'tile-label' }, v.srcType === 'screen' ? `${v.identifier} · ${t('screenLabel')}` : v.identifier);
      const tile = el('div', { class: `tile ${v.size}` }, video, label);
      entry = { tile, video, track: null };
      tiles.set(k, entry);
    }
    (v.size === 'big' ? big : thumbs).append(entry.tile);
    if (entry.track !== v.track) {
      entry.track = v.track;
      entry.video.srcObject = new MediaStream([v.track]);
      void entry.video.play().catch(() => undefined);
    }
  }
  for (const [k, entry] of tiles) {
    if (keep.has(k)) continue;
    entry.video.srcObject = null;
    entry.tile.remove();
    tiles.delete(k);
  }
  renderEmpty();
}

function renderEmpty(): void {
  const big = byTestId('stage-big');
  const local = byTestId('local-tile');
  big.dataset.count = String(big.querySelectorAll('.tile').length);
  show(byTestId('stage-thumbs'), byTestId('stage-thumbs').childElementCount > 0);
  const empty = byTestId('stage-empty');
  empty.textContent = t('stageEmpty');
  show(empty, tiles.size === 0 && local.hidden);
}

/** Our own camera (not a view: it never leaves the page). */
export function setLocalPreview(track: MediaStreamTrack | null, identifier: string): void {
  const tile = byTestId('local-tile');
  const video = byTestId<HTMLVideoElement>('local-video');
  const current = (video.srcObject as MediaStream | null)?.getVideoTracks()[0] ?? null;
  if (current !== track) {
    video.srcObject = track ? new MediaStream([track]) : null;
    if (track) void video.play().catch(() => undefined);
  }
  video.dataset.identifier = identifier;
  byTestId('local-label').textContent = `${identifier} (${t('me')})`;
  show(tile, track !== null);
  renderEmpty();
}
