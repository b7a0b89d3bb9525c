/**
 * The live room: enter as host (AuthBits.DEFAULT, camera + mic + speaker) or audience
 * (AuthBits.AUDIENCE, speaker), the stage, members, chat, co-host requests, screen share, leave.
 */
import { byTestId, el, show } from './dom.js';
import { attempt, reportError } from './errors.js';
import { t, onLangChange } from './i18n.js';
import { ensureStarted, currentContext } from './session.js';
import { sdk, type AVContext, type AVRoom, type AVError } from './sdk.js';
import { attachStage, detachStage, scheduleViewSync, setLocalPreview } from './stage.js';
import { renderMembers } from './members.js';
import { addChatMessage, attachChat, detachChat } from './chat.js';
import { selectedDevice, stopDeviceTest } from './devtest.js';
import { dismiss, kick } from './admin.js';

export type Role = 'host' | 'audience';
export interface EnterOptions {
  identifier: string;
  roomId: number;
  roomType: 'multi' | 'pair';
  role: Role;
}

const HOST_ROLE = 'LiveMaster';
/** A co-host sends at this role's size, rate and bitrate (the server's roles: 480x360 @ 20, 600 kbps by default). */
const COHOST_ROLE = 'LiveGuest';
const AUDIENCE_ROLE = 'Guest';

interface Live {
  ctx: AVContext;
  room: AVRoom;
  opts: EnterOptions;
  cohosting: boolean;
  requested: boolean;
  /** Members known to be co-hosts (announced in the room, or accepted by us). */
  cohosts: Set<string>;
  /** Host side: pending co-host requests. */
  requests: Set<string>;
}

let live: Live | null = null;
let entering = false;
let onExit: () => void = () => undefined;

type Control =
  { type: 'cohost-request' } | { type: 'cohost-accept' } | { type: 'cohost-on' } | { type: 'cohost-off' } | { type: 'cohosts'; ids: string[] };

function parseControl(data: string): Control | null {
  if (!data.startsWith('{')) return null;
  try {
    const msg = JSON.parse(data) as { type?: unknown };
    return typeof msg.type === 'string' && msg.type.startsWith('cohost') ? (msg as Control) : null;
  } catch {
    return null;
  }
}

function hasBit(bits: number, bit: number): boolean {
  return (bits & bit) === bit;
}

function canPublish(l: Live): boolean {
  return hasBit(l.room.authBits, sdk.AuthBits.SEND_CAMERA_VIDEO);
}

function isBig(identifier: string): boolean {
  const l = live;
  if (!l) return true;
  const ep = l.room.endpoints.get(identifier);
  return l.opts.roomType === 'pair' || ep?.role === HOST_ROLE || l.cohosts.has(identifier);
}

function roleLabel(identifier: string, role: string): string {
  if (role === HOST_ROLE) return t('roleLabelHost');
  if (live?.cohosts.has(identifier)) return t('roleLabelCohost');
  return t('roleLabelAudience');
}

function selfLabel(l: Live): string {
  if (l.opts.role === 'host') return t('roleLabelHost');
  return l.cohosting ? t('roleLabelCohost') : t('roleLabelAudience');
}

/** Re-renders everything that depends on the room state. */
function render(): void {
  const l = live;
  show(byTestId('room'), l !== null);
  show(byTestId('lobby'), l === null);
  if (!l) return;
  const tracks = l.ctx.devices.localTracks;
  const bits = l.room.authBits;
  const audio = !!tracks.microphone && hasBit(bits, sdk.AuthBits.SEND_AUDIO);
  const camera = !!tracks.camera && hasBit(bits, sdk.AuthBits.SEND_CAMERA_VIDEO);
  const screen = !!tracks.screen && hasBit(bits, sdk.AuthBits.SEND_SCREEN_VIDEO);
  const hosting = l.opts.role === 'host' && l.opts.roomType === 'multi';
  const remove = hosting ? (id: string) => void attempt('kick', () => kick(l.opts.roomId, id)) : undefined;
  renderMembers(l.room, { identifier: l.opts.identifier, audio, camera, screen, roleLabel: selfLabel(l) }, roleLabel, remove);
  show(byTestId('end-live'), hosting);
  setLocalPreview(tracks.camera ?? null, l.opts.identifier);

  byTestId('room-title').textContent = t(l.opts.roomType === 'pair' ? 'pairRoom' : 'room', { room: l.opts.roomId });
  const request = byTestId<HTMLButtonElement>('request-cohost');
  show(request, l.opts.role === 'audience' && l.opts.roomType === 'multi' && !l.cohosting);
  request.disabled = l.requested;
  request.textContent = t(l.requested ? 'cohostRequested' : 'requestCohost');
  show(byTestId('cohost-end'), l.cohosting);

  const publish = canPublish(l);
  const camBtn = byTestId<HTMLButtonElement>('camera-toggle');
  const micBtn = byTestId<HTMLButtonElement>('mic-toggle');
  show(camBtn, publish);
  show(micBtn, publish);
  camBtn.textContent = t(tracks.camera ? 'cameraOff' : 'cameraOn');
  micBtn.textContent = t(tracks.microphone ? 'micOff' : 'micOn');
  camBtn.dataset.on = tracks.camera ? '1' : '0';
  micBtn.dataset.on = tracks.microphone ? '1' : '0';
  const screenBtn = byTestId<HTMLButtonElement>('screen-share');
  screenBtn.disabled = !hasBit(bits, sdk.AuthBits.SEND_SCREEN_VIDEO);
  screenBtn.dataset.on = tracks.screen ? '1' : '0';
  screenBtn.textContent = t(tracks.screen ? 'screenStop' : 'screenShare');

  const box = byTestId('cohost-requests');
  show(box, l.opts.role === 'host' && l.requests.size > 0);
  byTestId('cohost-request-list').replaceChildren(
    ...[...l.requests].map((id) => {
      const accept = el('button', { 'data-testid': 'cohost-accept', 'data-identifier': id, class: 'primary small' }, t('accept'));
      accept.addEventListener('click', () => void acceptCohost(id));
      return el('li', { 'data-testid': 'cohost-request', 'data-identifier': id }, el('span', {}, t('wantsCohost', { id })), accept);
    }),
  );
}

async function setDevice(kind: 'camera' | 'mic' | 'screen' | 'speaker', on: boolean): Promise<void> {
  const ctx = live?.ctx ?? currentContext();
  if (!ctx) return;
  const d = ctx.devices;
  const deviceId =
    kind === 'camera'
      ? selectedDevice('camera')
      : kind === 'mic'
        ? selectedDevice('microphone')
        : kind === 'speaker'
          ? selectedDevice('speaker')
          : undefined;
  const opts = deviceId ? { deviceId } : undefined;
  const op =
    kind === 'camera'
      ? d.enableCamera(on, opts)
      : kind === 'mic'
        ? d.enableMic(on, opts)
        : kind === 'speaker'
          ? d.enableSpeaker(on, opts)
          : d.enableScreen(on);
  await attempt(`enable ${kind} ${on}`, () => op);
  // the browser's own "stop sharing" button ends the screen track
  const screen = ctx.devices.localTracks.screen;
  if (kind === 'screen' && screen) screen.addEventListener('ended', () => void setDevice('screen', false), { once: true });
  render();
}

async function publishAll(): Promise<void> {
  await Promise.all([setDevice('camera', true), setDevice('mic', true)]);
}

function send(l: Live, msg: Control, to?: string): Promise<unknown> {
  return attempt(`sendMessage ${msg.type}`, () => l.room.sendMessage(JSON.stringify(msg), to ? { to } : undefined));
}

function hostOf(l: Live): string | undefined {
  return [...l.room.endpoints.values()].find((ep) => ep.role === HOST_ROLE)?.identifier;
}

async function requestCohost(): Promise<void> {
  const l = live;
  if (!l || l.requested) return;
  l.requested = true;
  render();
  const host = hostOf(l);
  if ((await send(l, { type: 'cohost-request' }, host)) === undefined) l.requested = false;
  render();
}

async function acceptCohost(id: string): Promise<void> {
  const l = live;
  if (!l) return;
  l.requests.delete(id);
  l.cohosts.add(id);
  render();
  await send(l, { type: 'cohost-accept' }, id);
  scheduleViewSync();
}

async function becomeCohost(l: Live): Promise<void> {
  // The role first: Guest's bound would cut the new bits back to the audience's.
  const ok =
    (await attempt('changeRole', () => l.room.changeRole(COHOST_ROLE).then(() => true))) &&
    (await attempt('changeAuthority', () => l.room.changeAuthority(sdk.AuthBits.DEFAULT).then(() => true)));
  l.requested = false;
  if (!ok) return render();
  l.cohosting = true;
  render();
  await publishAll();
  await send(l, { type: 'cohost-on' });
}

async function endCohost(): Promise<void> {
  const l = live;
  if (!l || !l.cohosting) return;
  await Promise.all([setDevice('camera', false), setDevice('mic', false), setDevice('screen', false)].map((p) => p.catch(() => undefined)));
  await attempt('changeAuthority', () => l.room.changeAuthority(sdk.AuthBits.AUDIENCE));
  await attempt('changeRole', () => l.room.changeRole(AUDIENCE_ROLE));
  l.cohosting = false;
  await send(l, { type: 'cohost-off' });
  render();
}

function onMessage(l: Live, from: string, data: string | Uint8Array): void {
  const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
  const ctl = parseControl(text);
  if (!ctl) return addChatMessage(from, text);
  switch (ctl.type) {
    case 'cohost-request':
      if (l.opts.role === 'host') l.requests.add(from);
      break;
    case 'cohost-accept':
      if (l.opts.role === 'audience' && !l.cohosting) void becomeCohost(l);
      break;
    case 'cohost-on':
      l.cohosts.add(from);
      scheduleViewSync();
      break;
    case 'cohost-off':
      l.cohosts.delete(from);
      scheduleViewSync();
      break;
    case 'cohosts':
      if (Array.isArray(ctl.ids)) for (const id of ctl.ids) if (typeof id === 'string') l.cohosts.add(id);
      scheduleViewSync();
      break;
  }
  render();
}

function onEndpoints(l: Live, event: number, ids: string[]): void {
  const E = sdk.EndpointEvent;
  if (event === E.EXIT)
    for (const id of ids) {
      l.cohosts.delete(id);
      l.requests.delete(id);
    }
  if (event === E.ENTER && l.opts.role === 'host' && l.cohosts.size > 0) {
    for (const id of ids) void send(l, { type: 'cohosts', ids: [...l.cohosts] }, id);
  }
  if (event !== E.HAS_AUDIO && event !== E.NO_AUDIO) scheduleViewSync();
  render();
}

/** Enters a room (leaving the current one first). */
export async function enterRoom(opts: EnterOptions): Promise<void> {
  if (entering) return;
  entering = true;
  byTestId<HTMLButtonElement>('enter').disabled = true;
  try {
    if (live) await leaveRoom();
    const ctx = await attempt('start', () => ensureStarted(opts.identifier));
    if (!ctx) return;
    await stopDeviceTest(ctx);
    const host = opts.role === 'host';
    const room = await attempt('enterRoom', () =>
      ctx.enterRoom({
        roomId: opts.roomId,
        roomType: opts.roomType,
        authBits: host ? sdk.AuthBits.DEFAULT : sdk.AuthBits.AUDIENCE,
        controlRole: host ? HOST_ROLE : AUDIENCE_ROLE,
        createRoom: host,
        videoRecvMode: 'manual',
      }),
    );
    if (!room) return;
    const l: Live = { ctx, room, opts, cohosting: false, requested: false, cohosts: new Set(), requests: new Set() };
    live = l;
    room.on('endpointsUpdate', (event, ids) => {
      if (live === l) onEndpoints(l, event, ids);
    });
    room.on('message', (from, data) => {
      if (live === l) onMessage(l, from, data);
    });
    room.on('privilegeChanged', () => {
      if (live === l) render();
    });
    room.on('memberCountChanged', () => {
      if (live === l) render();
    });
    room.on('disconnected', (reason) => {
      if (live === l) void lost(reason);
    });
    attachChat(room, opts.identifier);
    attachStage(room, isBig);
    render();
    const url = new URL(location.href);
    url.searchParams.set('room', String(opts.roomId));
    history.replaceState(null, '', url);
    await setDevice('speaker', true);
    if (host) await publishAll();
  } finally {
    entering = false;
    byTestId<HTMLButtonElement>('enter').disabled = false;
  }
}

async function closeDevices(ctx: AVContext): Promise<void> {
  const d = ctx.devices;
  const tracks = d.localTracks;
  await Promise.all(
    [
      tracks.camera ? d.enableCamera(false) : null,
      tracks.microphone ? d.enableMic(false) : null,
      tracks.screen ? d.enableScreen(false) : null,
      d.enableSpeaker(false),
    ].map((p) => (p ? p.catch(() => undefined) : null)),
  );
}

function teardown(): void {
  live = null;
  detachStage();
  detachChat();
  render();
  onExit();
}

export async function leaveRoom(): Promise<void> {
  const l = live;
  if (!l) return;
  teardown();
  if (l.room.state === 'entered' || l.room.state === 'entering') await attempt('exitRoom', () => l.room.exit());
  await closeDevices(l.ctx);
}

async function lost(reason: AVError): Promise<void> {
  const l = live;
  reportError(reason, 'room disconnected');
  teardown();
  if (l) await closeDevices(l.ctx);
}

/** The context ended (session replaced, server gone): leave the room view. */
export function contextLost(reason: AVError): void {
  reportError(reason, 'context disconnected');
  if (live) teardown();
}

export function inRoom(): boolean {
  return live !== null;
}

export function initRoom(exitHook: () => void): void {
  onExit = exitHook;
  byTestId('leave').addEventListener('click', () => void leaveRoom());
  // The host ends the live for everyone: the server dismisses the room (each member's room ends with 10009).
  byTestId('end-live').addEventListener('click', () => {
    const l = live;
    if (l) void attempt('dismiss', () => dismiss(l.opts.roomId));
  });
  byTestId('request-cohost').addEventListener('click', () => void requestCohost());
  byTestId('cohost-end').addEventListener('click', () => void endCohost());
  byTestId('screen-share').addEventListener('click', () => void setDevice('screen', !live?.ctx.devices.localTracks.screen));
  byTestId('camera-toggle').addEventListener('click', () => void setDevice('camera', !live?.ctx.devices.localTracks.camera));
  byTestId('mic-toggle').addEventListener('click', () => void setDevice('mic', !live?.ctx.devices.localTracks.microphone));
  onLangChange(render);
  render();
}
