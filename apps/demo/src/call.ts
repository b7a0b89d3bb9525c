/**
 * 1:1 calls: the caller enters a `pair` room it picks and invites a peer into it (only a member of a
 * room may invite into it); the peer accepts or refuses. A call that fails takes the caller out again.
 */
import { byTestId, show } from './dom.js';
import { attempt, reportError, reportMessage } from './errors.js';
import { t, onLangChange } from './i18n.js';
import { ensureStarted } from './session.js';
import type { Invitation } from './sdk.js';

export interface CallHooks {
  /** Enter the pair room `roomId` (both sides); a failure is reported and leaves the caller outside. */
  enterPair(roomId: number): Promise<void>;
  inRoom(): boolean;
  /** Leave the room (the caller's, after a failed call). */
  leave(): Promise<void>;
  identifier(): string;
}

let hooks: CallHooks;
let incoming: Invitation | null = null;
let calling: string | null = null;

function renderIncoming(): void {
  const box = byTestId('incoming-call');
  show(box, incoming !== null);
  if (incoming) byTestId('incoming-from').textContent = t('incomingCall', { from: incoming.from });
}

function renderCalling(): void {
  const status = byTestId('call-status');
  status.textContent = calling ? t('calling', { peer: calling }) : '';
  byTestId<HTMLButtonElement>('call-start').disabled = calling !== null;
}

async function startCall(): Promise<void> {
  const peer = byTestId<HTMLInputElement>('call-peer').value.trim();
  const me = hooks.identifier();
  if (!me) return reportMessage(t('needIdentifier'));
  if (!peer) return reportMessage(t('needPeer'));
  const ctx = await attempt('start', () => ensureStarted(me));
  if (!ctx) return;
  const roomId = 100000 + Math.floor(Math.random() * 899_900_000);
  calling = peer;
  renderCalling();
  try {
    await hooks.enterPair(roomId);
    if (!hooks.inRoom()) return;
    try {
      await ctx.invite(peer, { roomId });
    } catch (err) {
      await hooks.leave();
      reportError(err, 'invite');
    }
  } finally {
    calling = null;
    renderCalling();
  }
}

async function answer(accept: boolean): Promise<void> {
  const inv = incoming;
  if (!inv) return;
  incoming = null;
  renderIncoming();
  const ctx = await attempt('start', () => ensureStarted(hooks.identifier()));
  if (!ctx) return;
  if (!accept) {
    await attempt('refuseInvite', () => ctx.refuseInvite(inv.id));
    return;
  }
  const ok = await attempt('acceptInvite', () => ctx.acceptInvite(inv.id).then(() => true));
  if (ok) await hooks.enterPair(inv.roomId);
}

export function onInvited(inv: Invitation): void {
  incoming = inv;
  renderIncoming();
}

export function onInviteCancelled(id: string): void {
  if (incoming?.id === id) {
    incoming = null;
    renderIncoming();
  }
}

export function initCall(h: CallHooks): void {
  hooks = h;
  byTestId('call-start').addEventListener('click', () => void startCall());
  byTestId('call-peer').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') void startCall();
  });
  byTestId('call-accept').addEventListener('click', () => void answer(true));
  byTestId('call-refuse').addEventListener('click', () => void answer(false));
  onLangChange(() => {
    renderIncoming();
    renderCalling();
  });
  renderIncoming();
  renderCalling();
}
