/** Chat over room messages, shown as `FROM: TEXT`. */
import { byTestId, el } from './dom.js';
import { attempt } from './errors.js';
import type { AVRoom } from './sdk.js';

let room: AVRoom | null = null;
let me = '';

export function addChatMessage(from: string, text: string): void {
  const list = byTestId('chat-list');
  const item = el('li', { 'data-testid': 'chat-message', 'data-from': from, class: from === me ? 'mine' : '' }, `${from}: ${text}`);
  list.append(item);
  list.scrollTop = list.scrollHeight;
}

async function send(): Promise<void> {
  const input = byTestId<HTMLInputElement>('chat-input');
  const text = input.value.trim();
  const r = room;
  if (!text || !r) return;
  const ok = await attempt('sendMessage', () => r.sendMessage(text).then(() => true));
  if (ok) {
    input.value = '';
    addChatMessage(me, text);
  }
}

export function attachChat(r: AVRoom, identifier: string): void {
  room = r;
  me = identifier;
  byTestId('chat-list').replaceChildren();
}

export function detachChat(): void {
  room = null;
}

export function initChat(): void {
  byTestId('chat-send').addEventListener('click', () => void send());
  byTestId('chat-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.isComposing) void send();
  });
}
