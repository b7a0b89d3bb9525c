/**
 * The lobby's live list (like Suixinbo's home screen): rooms with a host on camera and their member
 * counts, refreshed every second while the lobby shows; a click joins as audience.
 */
import { AdminCallFailed, liveRooms, type LiveRoom } from './admin.js';
import { byTestId, el } from './dom.js';
import { t } from './i18n.js';

const REFRESH_MS = 1000;

function entry(room: LiveRoom, join: (roomId: number) => void): HTMLElement {
  const button = el(
    'button',
    { type: 'button', class: 'live-room', 'data-testid': 'live-room', 'data-room-id': String(room.roomId), 'data-host': room.host },
    el('strong', {}, t('liveRoom', { room: room.roomId })),
    el('span', {}, room.host),
    el('span', { class: 'live-count', 'data-testid': 'live-count' }, t('liveCount', { n: room.memberCount })),
  );
  button.addEventListener('click', () => join(room.roomId));
  return el('li', {}, button);
}

/** Starts refreshing; `showing` says whether the lobby is on screen, `join` enters a room as audience. */
export function initLiveList(showing: () => boolean, join: (roomId: number) => void): void {
  const list = byTestId('live-list');
  const empty = byTestId('live-empty');
  let busy = false;
  const refresh = async () => {
    if (busy || !showing()) return;
    busy = true;
    try {
      const rooms = await liveRooms();
      list.replaceChildren(...rooms.map((room) => entry(room, join)));
      empty.hidden = rooms.length > 0;
      list.dataset.state = 'ok';
    } catch (err) {
      // Not a dev server (no /dev/usersig) or no server API: there is no list to show; stop asking.
      // Anything else (the server restarting) is tried again at the next refresh.
      if (err instanceof AdminCallFailed && err.status === 404) {
        clearInterval(timer);
        byTestId('live-card').hidden = true;
      } else list.dataset.state = 'stale';
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  void refresh();
}
