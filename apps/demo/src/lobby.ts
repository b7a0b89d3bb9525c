/** The lobby: identifier, room number, role, language; logs in as soon as an identifier is known. */
import { byTestId } from './dom.js';
import { attempt, reportMessage, clearError } from './errors.js';
import { lang, setLang, t, type Lang } from './i18n.js';
import { ensureStarted, renderBadge } from './session.js';
import { enterRoom, inRoom, type Role } from './room.js';
import { initLiveList } from './live-list.js';

export function identifier(): string {
  return byTestId<HTMLInputElement>('identifier').value.trim();
}

function roomId(): number | null {
  const n = Number(byTestId<HTMLInputElement>('room-id').value.trim());
  return Number.isInteger(n) && n >= 1 && n <= 4294967295 ? n : null;
}

async function login(): Promise<void> {
  const id = identifier();
  if (!id || inRoom()) return;
  await attempt('start', () => ensureStarted(id));
  renderBadge();
}

async function enter(): Promise<void> {
  const id = identifier();
  const room = roomId();
  if (!id) return reportMessage(t('needIdentifier'));
  if (room === null) return reportMessage(t('needRoom'));
  clearError();
  const role = byTestId<HTMLSelectElement>('role').value === 'audience' ? 'audience' : 'host';
  await enterRoom({ identifier: id, roomId: room, roomType: 'multi', role: role as Role });
}

function renderLangToggle(): void {
  const btn = byTestId('lang-toggle');
  btn.dataset.lang = lang();
  btn.textContent = t('langToggle');
}

export function initLobby(): void {
  const q = new URLSearchParams(location.search);
  const id = q.get('id');
  const room = q.get('room');
  const role = q.get('role');
  if (id) byTestId<HTMLInputElement>('identifier').value = id;
  if (room) byTestId<HTMLInputElement>('room-id').value = room;
  if (role === 'host' || role === 'audience') byTestId<HTMLSelectElement>('role').value = role;
  byTestId('identifier').addEventListener('change', () => void login());
  byTestId('enter').addEventListener('click', () => void enter());
  for (const input of ['identifier', 'room-id']) {
    byTestId(input).addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Enter') void enter();
    });
  }
  byTestId('lang-toggle').addEventListener('click', () => {
    const next: Lang = lang() === 'en' ? 'zh' : 'en';
    const url = new URL(location.href);
    url.searchParams.set('lang', next);
    history.replaceState(null, '', url);
    setLang(next);
    renderLangToggle();
  });
  renderLangToggle();
  initLiveList(
    () => !inRoom(),
    (room) => {
      byTestId<HTMLInputElement>('room-id').value = String(room);
      byTestId<HTMLSelectElement>('role').value = 'audience';
      void enter();
    },
  );
  void login();
}
