/**
 * The member list: self and the announced members with audio / camera / screen indicators, then
 * "+N watching" for the audience a large room does not announce (API.md: memberCount counts them).
 */
import { byTestId, el } from './dom.js';
import { t } from './i18n.js';
import type { AVRoom } from './sdk.js';

export interface SelfState {
  identifier: string;
  audio: boolean;
  camera: boolean;
  screen: boolean;
  roleLabel: string;
}

function flag(on: boolean): string {
  return on ? '1' : '0';
}

/** Inline SVG icons (no icon font, no emoji font needed). */
const ICONS = {
  mic: 'M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3zM6 11a6 6 0 0 0 12 0M12 17v4M9 21h6',
  camera: 'M3 7h12v10H3zM15 10l6-3v10l-6-3',
  screen: 'M3 4h18v12H3zM8 20h8M12 16v4',
} as const;

function indicator(kind: keyof typeof ICONS, on: boolean, title: string): Element {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', `ind ${on ? 'on' : ''}`);
  svg.setAttribute('data-kind', kind);
  const titleEl = document.createElementNS(ns, 'title');
  titleEl.textContent = title;
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICONS[kind]);
  svg.append(titleEl, path);
  return svg;
}

function row(id: string, audio: boolean, camera: boolean, screen: boolean, label: string, self: boolean, kick?: (id: string) => void): HTMLElement {
  const icons = el(
    'span',
    { class: 'icons' },
    indicator('mic', audio, t('mic')),
    indicator('camera', camera, t('camera')),
    indicator('screen', screen, t('screenLabel')),
  );
  const name = el('span', { class: 'member-name' }, self ? `${id} (${t('me')})` : id);
  const role = el('span', { class: 'member-role' }, label);
  const extra: HTMLElement[] = [];
  if (kick && !self) {
    const button = el('button', { type: 'button', class: 'link small', 'data-testid': 'member-kick', 'data-identifier': id }, t('kick'));
    button.addEventListener('click', () => kick(id));
    extra.push(button);
  }
  return el(
    'li',
    {
      'data-testid': 'member',
      'data-identifier': id,
      'data-audio': flag(audio),
      'data-camera': flag(camera),
      'data-screen': flag(screen),
      'data-self': flag(self),
      class: 'member',
    },
    name,
    role,
    icons,
    ...extra,
  );
}

/** `kick`: the host's remove button on every other member (the demo's operator helper). */
export function renderMembers(
  room: AVRoom | null,
  self: SelfState | null,
  roleOf: (id: string, role: string) => string,
  kick?: (id: string) => void,
): void {
  const list = byTestId('member-list');
  if (!room || !self) {
    list.replaceChildren();
    return;
  }
  const rows = [row(self.identifier, self.audio, self.camera, self.screen, self.roleLabel, true)];
  const others = [...room.endpoints.values()].sort((a, b) => a.identifier.localeCompare(b.identifier));
  for (const ep of others)
    rows.push(row(ep.identifier, ep.hasAudio, ep.hasCameraVideo, ep.hasScreenVideo, roleOf(ep.identifier, ep.role), false, kick));
  // memberCount follows its own (paced) event: never show fewer than are listed.
  const count = Math.max(room.memberCount, rows.length);
  const watching = count - rows.length;
  if (watching > 0)
    rows.push(
      el('li', { 'data-testid': 'member-watching', 'data-count': String(watching), class: 'member watching' }, t('watching', { n: watching })),
    );
  list.replaceChildren(...rows);
  byTestId('member-count').textContent = String(count);
}
