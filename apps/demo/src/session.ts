/**
 * The one AVContext of the page: created in the chosen language, logged in as the lobby's
 * identifier with a UserSig from `POST /dev/usersig` (hudong serve --dev), recreated when the
 * language changes outside a room.
 */
import { byTestId } from './dom.js';
import { reportError } from './errors.js';
import { lang, onLangChange, t } from './i18n.js';
import { sdk, type AVContext, type ConnectionState, type Invitation, type AVError } from './sdk.js';

export interface SessionHooks {
  invited(inv: Invitation): void;
  inviteCancelled(id: string): void;
  disconnected(reason: AVError): void;
}

let ctx: AVContext | null = null;
let sdkAppId: number | null = null;
let queue: Promise<unknown> = Promise.resolve();
let hooks: SessionHooks | null = null;

export function setSessionHooks(h: SessionHooks): void {
  hooks = h;
}

async function fetchUserSig(identifier: string): Promise<{ sdkAppId: number; userSig: string }> {
  const res = await fetch('/dev/usersig', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identifier }),
  });
  const body = (await res.json().catch(() => ({}))) as { sdkAppId?: number; userSig?: string; error?: string };
  if (!res.ok || typeof body.userSig !== 'string' || typeof body.sdkAppId !== 'number') {
    throw new Error(`POST /dev/usersig: ${body.error ?? res.status} (is the server running with --dev?)`);
  }
  return { sdkAppId: body.sdkAppId, userSig: body.userSig };
}

/** Learns the server's sdkAppId (from ?sdkAppId= or a dev UserSig). */
async function appId(): Promise<number> {
  if (sdkAppId !== null) return sdkAppId;
  const fromQuery = Number(new URLSearchParams(location.search).get('sdkAppId'));
  sdkAppId = Number.isInteger(fromQuery) && fromQuery > 0 ? fromQuery : (await fetchUserSig('demo-probe')).sdkAppId;
  return sdkAppId;
}

function serverUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

/** The context (created on first use, in the current language). */
export async function context(): Promise<AVContext> {
  if (ctx) return ctx;
  const created = sdk.AVContext.create({ serverUrl: serverUrl(), sdkAppId: await appId(), lang: lang() });
  if (ctx) return ctx; // created meanwhile by another caller
  ctx = created;
  created.on('connectionStateChanged', (state) => renderBadge(state));
  created.on('invited', (inv) => hooks?.invited(inv));
  created.on('inviteCancelled', (id) => hooks?.inviteCancelled(id));
  created.on('disconnected', (reason) => hooks?.disconnected(reason));
  created.devices.on('publishFailed', (kind, reason) => reportError(reason, `publishing ${kind}`));
  // A failed transport is published again by the SDK: only an ending that stays (SEND bit taken) is shown.
  created.devices.on('publicationEnded', (kind, reason) => {
    if (reason.code === sdk.ErrorCode.AV_ERR_SERVER_TIMEOUT) console.info(`[demo] ${kind} publication ended, publishing again:`, reason.message);
    else reportError(reason, `${kind} publication ended`);
  });
  renderBadge(created.connectionState);
  return created;
}

/** The context if it exists (no creation). */
export function currentContext(): AVContext | null {
  return ctx;
}

function serial<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => undefined);
  return run;
}

/** Logs in as `identifier` (logging out a different identifier first). */
export function ensureStarted(identifier: string): Promise<AVContext> {
  return serial(async () => {
    const c = await context();
    if (c.state === 'started' && c.identifier === identifier) return c;
    if (c.state === 'started') {
      if (c.room) throw new Error(`already in a room as ${c.identifier}`);
      if (c.deviceTest.state === 'started') await c.deviceTest.stop();
      await c.stop();
    }
    const { userSig } = await fetchUserSig(identifier);
    await c.start({ identifier, userSig });
    renderBadge(c.connectionState);
    return c;
  });
}

/** Recreates the context in the new language (not while in a room), logging in again if it was. */
function relang(): Promise<void> {
  return serial(async () => {
    const old = ctx;
    if (!old || old.room) return;
    const identifier = old.state === 'started' ? old.identifier : null;
    if (old.deviceTest.state === 'started') await old.deviceTest.stop().catch(() => undefined);
    if (old.state === 'started') await old.stop().catch(() => undefined);
    await old.destroy().catch(() => undefined);
    old.removeAllListeners?.();
    ctx = null;
    const c = await context();
    if (identifier) {
      const { userSig } = await fetchUserSig(identifier);
      await c.start({ identifier, userSig });
    }
    renderBadge(c.connectionState);
  });
}

export type BadgeState = 'connected' | 'reconnecting' | 'disconnected';

function badgeState(state: ConnectionState): BadgeState {
  if (state === 'connected') return 'connected';
  if (state === 'reconnecting' || state === 'connecting') return 'reconnecting';
  return 'disconnected';
}

function renderBadge(state: ConnectionState = ctx?.connectionState ?? 'idle'): void {
  const badge = byTestId('connection-badge');
  const s = badgeState(state);
  badge.dataset.state = s;
  badge.textContent = t(`state_${s}`);
  const who = byTestId('login-state');
  who.textContent = ctx?.state === 'started' && ctx.identifier ? t('loggedInAs', { id: ctx.identifier }) : t('notLoggedIn');
}

export function initSession(): void {
  renderBadge();
  onLangChange(() => {
    renderBadge();
    void relang().catch((err) => reportError(err, 'language switch'));
  });
}

export { renderBadge };
