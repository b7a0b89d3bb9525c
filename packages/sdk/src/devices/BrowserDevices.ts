import { ErrorCode, type Lang } from '@hudong/protocol';
import { avError } from '../util/errors.js';
import type { DeviceBackend, DeviceInfo, DeviceKind, OpenedDevice } from './types.js';

const KIND: Record<string, DeviceKind | undefined> = { videoinput: 'camera', audioinput: 'microphone', audiooutput: 'speaker' };
export const SCREEN_DEVICE: DeviceInfo = { id: 'screen', kind: 'screen', label: 'Screen' };

/**
 * The browser's devices: enumerateDevices, getUserMedia by exact deviceId, getDisplayMedia for the
 * screen. A speaker is only selected here; `AudioOutput` routes remote audio to it (setSinkId).
 */
export class BrowserDevices implements DeviceBackend {
  #lang: Lang;

  constructor(lang: Lang) {
    this.#lang = lang;
  }

  async list(): Promise<DeviceInfo[]> {
    const all = await this.#media().enumerateDevices();
    const out: DeviceInfo[] = [];
    for (const d of all) {
      const kind = KIND[d.kind];
      if (kind && d.deviceId) out.push({ id: d.deviceId, kind, label: d.label });
    }
    out.push({ ...SCREEN_DEVICE });
    return out;
  }

  async open(kind: DeviceKind, deviceId: string | undefined): Promise<OpenedDevice> {
    const known = await this.list().catch(() => [] as DeviceInfo[]);
    const ofKind = known.filter((d) => d.kind === kind);
    const found = deviceId === undefined ? ofKind[0] : ofKind.find((d) => d.id === deviceId);
    // Before permission is granted browsers hide device ids: then only getUserMedia can tell.
    if (!found && (kind === 'screen' || kind === 'speaker' || (deviceId !== undefined && ofKind.length > 0))) {
      throw this.#unknown(kind, deviceId);
    }
    const info: DeviceInfo = found ? { ...found } : { id: deviceId ?? 'default', kind, label: '' };
    if (kind === 'speaker') return { info, close: () => {} };
    let stream: MediaStream;
    try {
      stream =
        kind === 'screen'
          ? await this.#media().getDisplayMedia({ video: true, audio: false })
          : await this.#media().getUserMedia(
              kind === 'camera'
                ? { video: info.id === 'default' ? true : { deviceId: { exact: info.id } }, audio: false }
                : { audio: info.id === 'default' ? true : { deviceId: { exact: info.id } }, video: false },
            );
    } catch (err) {
      throw this.#mapError(err, kind, deviceId);
    }
    const track = (kind === 'microphone' ? stream.getAudioTracks() : stream.getVideoTracks())[0];
    if (!track) throw avError(ErrorCode.AV_ERR_DEVICE_NOT_EXIST, 'NO_TRACK', `the ${kind} gave no track`, this.#lang, { kind });
    if (!found && track.getSettings().deviceId) info.id = track.getSettings().deviceId!;
    if (!info.label) info.label = track.label;
    const opened: OpenedDevice = { info, track, close: () => track.stop() };
    if (kind === 'camera') {
      opened.applyVideo = ({ width, height, fps }) => applyVideoConstraints(track, width, height, fps);
    }
    return opened;
  }

  meter(track: MediaStreamTrack, onLevel: (level: number) => void): { stop(): void } {
    const Ctx = (globalThis as { AudioContext?: typeof AudioContext }).AudioContext;
    if (!Ctx) return { stop: () => {} };
    const ctx = new Ctx();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 2048;
    ctx.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const buf = new Float32Array(analyser.fftSize);
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(buf);
      let peak = 0;
      for (let i = 0; i < buf.length; i++) peak = Math.max(peak, Math.abs(buf[i]!));
      onLevel(Math.min(1, peak));
    }, 100);
    return {
      stop: () => {
        clearInterval(timer);
        void ctx.close().catch(() => {});
      },
    };
  }

  #media(): MediaDevices {
    const md = (globalThis as { navigator?: { mediaDevices?: MediaDevices } }).navigator?.mediaDevices;
    if (!md)
      throw avError(ErrorCode.AV_ERR_DEVICE_NOT_EXIST, 'NO_MEDIA_DEVICES', 'navigator.mediaDevices is not available (an insecure page?)', this.#lang);
    return md;
  }

  #unknown(kind: DeviceKind, deviceId: string | undefined) {
    return avError(
      ErrorCode.AV_ERR_DEVICE_NOT_EXIST,
      'UNKNOWN_DEVICE',
      deviceId === undefined ? `no ${kind} is available` : `no ${kind} with id ${deviceId}`,
      this.#lang,
      { deviceId, kind },
    );
  }

  #mapError(err: unknown, kind: DeviceKind, deviceId: string | undefined) {
    const name = (err as { name?: string } | null)?.name ?? 'Error';
    const message = `${name}: ${(err as { message?: string } | null)?.message ?? String(err)}`;
    if (name === 'NotFoundError' || name === 'OverconstrainedError') {
      return avError(ErrorCode.AV_ERR_DEVICE_NOT_EXIST, name, `${kind} ${deviceId ?? '(default)'}: ${message}`, this.#lang, { deviceId, kind });
    }
    if (name === 'NotReadableError' || name === 'AbortError') {
      return avError(ErrorCode.AV_ERR_RESOURCE_IS_OCCUPIED, name, `${kind} ${deviceId ?? '(default)'} is in use elsewhere (${message})`, this.#lang, {
        deviceId,
        kind,
      });
    }
    return avError(ErrorCode.AV_ERR_FAILED, name, `opening the ${kind} failed (${message})`, this.#lang, { deviceId, kind });
  }
}

/**
 * A role's size and rate on a camera track. 'crop-and-scale' lets a camera without that exact mode
 * be scaled down to it; a camera smaller than the role (it cannot scale up: OverconstrainedError)
 * gets as close as it can.
 */
async function applyVideoConstraints(track: MediaStreamTrack, width: number, height: number, fps: number): Promise<void> {
  const constraints = (fit: 'exact' | 'ideal') =>
    ({
      width: { [fit]: width },
      height: { [fit]: height },
      frameRate: { ideal: fps, max: fps },
      resizeMode: 'crop-and-scale',
    }) as MediaTrackConstraints;
  try {
    await track.applyConstraints(constraints('exact'));
  } catch {
    await track.applyConstraints(constraints('ideal'));
  }
}
