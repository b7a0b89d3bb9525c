/** Device pickers and the device test (preview video + mic level meter) of the lobby. */
import { byTestId } from './dom.js';
import { attempt, reportError } from './errors.js';
import { t, onLangChange } from './i18n.js';
import { context, currentContext } from './session.js';
import type { AVContext, DeviceInfo } from './sdk.js';

const pickers = { camera: 'camera-select', microphone: 'mic-select', speaker: 'speaker-select' } as const;
type PickKind = keyof typeof pickers;
let lastList: DeviceInfo[] = [];

/** The device chosen in a picker ('' = the default). */
export function selectedDevice(kind: PickKind): string | undefined {
  return byTestId<HTMLSelectElement>(pickers[kind]).value || undefined;
}

function firstOf(kind: PickKind): string | undefined {
  return selectedDevice(kind) ?? lastList.find((d) => d.kind === kind)?.id;
}

function renderPickers(): void {
  for (const [kind, testId] of Object.entries(pickers) as Array<[PickKind, string]>) {
    const select = byTestId<HTMLSelectElement>(testId);
    const keep = select.value;
    select.replaceChildren(new Option(t('defaultDevice'), ''));
    let n = 0;
    for (const d of lastList.filter((x) => x.kind === kind)) {
      n += 1;
      select.add(new Option(d.label || `${t(kind === 'microphone' ? 'mic' : kind)} ${n}`, d.id));
    }
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  }
}

/** Fills the pickers from `ctx.devices.list()`. */
export async function refreshDevices(): Promise<void> {
  const ctx = await attempt('devices.list', context);
  if (!ctx) return;
  const list = await attempt('devices.list', () => ctx.devices.list());
  if (!list) return;
  lastList = list;
  renderPickers();
}

function setLevel(level: number): void {
  const meter = byTestId('devtest-level');
  const v = Math.max(0, Math.min(1, level));
  meter.dataset.level = v.toFixed(3);
  meter.style.setProperty('--level', String(v));
  meter.setAttribute('aria-valuenow', v.toFixed(2));
}

const onLevel = (level: number): void => setLevel(level);

function renderRunning(running: boolean): void {
  byTestId<HTMLButtonElement>('devtest-start').disabled = running;
  byTestId<HTMLButtonElement>('devtest-stop').disabled = !running;
  byTestId('devtest').classList.toggle('running', running);
}

async function start(): Promise<void> {
  const ctx = await attempt('deviceTest.start', context);
  if (!ctx) return;
  try {
    if (ctx.deviceTest.state !== 'started') await ctx.deviceTest.start();
  } catch (err) {
    reportError(err, 'deviceTest.start');
    return;
  }
  renderRunning(true);
  ctx.deviceTest.off('micLevel', onLevel).on('micLevel', onLevel);
  await refreshDevices();
  const cam = firstOf('camera');
  const mic = firstOf('microphone');
  // device test operations run one at a time (1002 otherwise)
  if (cam) await attempt('deviceTest.enableDevice(camera)', () => ctx.deviceTest.enableDevice(cam, true));
  if (mic) await attempt('deviceTest.enableDevice(microphone)', () => ctx.deviceTest.enableDevice(mic, true));
  const track = ctx.deviceTest.localTracks.camera;
  const video = byTestId<HTMLVideoElement>('devtest-preview');
  video.srcObject = track ? new MediaStream([track]) : null;
  if (track) void video.play().catch(() => undefined);
  await refreshDevices(); // labels are known once permission was given
}

/** Stops the device test if it runs (before entering a room, which needs it stopped). */
export async function stopDeviceTest(ctx: AVContext | null = currentContext()): Promise<void> {
  if (ctx && ctx.deviceTest.state === 'started') {
    ctx.deviceTest.off('micLevel', onLevel);
    await attempt('deviceTest.stop', () => ctx.deviceTest.stop());
  }
  byTestId<HTMLVideoElement>('devtest-preview').srcObject = null;
  setLevel(0);
  renderRunning(false);
}

export function initDeviceTest(): void {
  byTestId('devtest-start').addEventListener('click', () => void start());
  byTestId('devtest-stop').addEventListener('click', () => void stopDeviceTest());
  onLangChange(() => {
    // the context is recreated in the new language: the old test is gone
    byTestId<HTMLVideoElement>('devtest-preview').srcObject = null;
    setLevel(0);
    renderRunning(false);
    renderPickers();
  });
  setLevel(0);
  renderRunning(false);
}
