import { ErrorCode, type Lang } from '@hudong/protocol';
import { avError } from '../util/errors.js';
import type { NonstandardWebRtc } from '../engine/media/webrtc.js';
import { acquireDeviceLock } from './device-lock.js';
import { writeFrameNumber } from './frame-number.js';
import type { DeviceBackend, DeviceInfo, DeviceKind, OpenedDevice, VideoFormat } from './types.js';

export const VIRTUAL_DEVICES: readonly DeviceInfo[] = [
  { id: 'virtual-camera', kind: 'camera', label: 'Virtual camera (640x480 30 fps test pattern)' },
  { id: 'virtual-microphone', kind: 'microphone', label: 'Virtual microphone (440 Hz tone, 48 kHz)' },
  { id: 'null-speaker', kind: 'speaker', label: 'Null speaker (discards audio)' },
  { id: 'virtual-screen', kind: 'screen', label: 'Virtual screen (1280x720 15 fps)' },
];

const TONE_HZ = 440;
const SAMPLE_RATE = 48_000;
const CHUNK = SAMPLE_RATE / 100; // 10 ms
const TONE_AMPLITUDE = 0.3 * 32767;
/** Luma texture of the role pattern: background ± this. */
const TEXTURE_AMPLITUDE = 12;
/** The texture buffer holds this many frames' worth; each frame reads it from a random offset. */
const TEXTURE_FRAMES = 3;

function makeTexture(length: number, background: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = background + Math.round((Math.random() * 2 - 1) * TEXTURE_AMPLITUDE);
  return out;
}

function randomOffset(max: number): number {
  return Math.floor(Math.random() * max);
}

/**
 * Node's devices, on @roamhq/wrtc's nonstandard sources: a test-pattern camera and screen (a moving
 * bar and the frame number, see frame-number.ts), a tone microphone and a speaker that discards.
 * Camera, microphone and screen are exclusive across contexts and processes (device-lock.ts); the
 * null speaker is not (nothing is held).
 */
export class NodeVirtualDevices implements DeviceBackend {
  #ns: NonstandardWebRtc;
  #lang: Lang;

  constructor(nonstandard: NonstandardWebRtc, lang: Lang) {
    this.#ns = nonstandard;
    this.#lang = lang;
    installExitGuard();
  }

  async list(): Promise<DeviceInfo[]> {
    return VIRTUAL_DEVICES.map((d) => ({ ...d }));
  }

  async open(kind: DeviceKind, deviceId: string | undefined): Promise<OpenedDevice> {
    const info = VIRTUAL_DEVICES.find((d) => d.kind === kind && (deviceId === undefined || d.id === deviceId));
    if (!info) throw avError(ErrorCode.AV_ERR_DEVICE_NOT_EXIST, 'UNKNOWN_DEVICE', `no ${kind} with id ${deviceId}`, this.#lang, { deviceId, kind });
    if (kind === 'speaker') return { info: { ...info }, close: () => {} };
    const release = await acquireDeviceLock(info.id, this.#lang);
    try {
      const { track, stop, applyVideo } =
        kind === 'microphone'
          ? this.#tone()
          : this.#pattern(kind === 'camera' ? { width: 640, height: 480, fps: 30 } : { width: 1280, height: 720, fps: 15 }, kind === 'screen');
      let closed = false;
      return {
        info: { ...info },
        track,
        ...(kind === 'camera' && applyVideo && { applyVideo }),
        close: () => {
          if (closed) return;
          closed = true;
          stop();
          track.stop();
          release();
        },
      };
    } catch (err) {
      release();
      throw err;
    }
  }

  meter(track: MediaStreamTrack, onLevel: (level: number) => void): { stop(): void } {
    const sink = new this.#ns.RTCAudioSink(track);
    let peak = 0;
    let samples = 0;
    sink.ondata = (d) => {
      const s = d.samples;
      for (let i = 0; i < s.length; i++) peak = Math.max(peak, Math.abs(s[i]!));
      samples += s.length;
      if (samples >= d.sampleRate / 10) {
        onLevel(Math.min(1, peak / 32768));
        peak = samples = 0;
      }
    };
    return {
      stop: () => {
        sink.ondata = null;
        sink.stop();
      },
    };
  }

  /**
   * A test pattern of `format`. `applyVideo` switches the same track to another size and rate (a
   * role's), and from then on paints the background with a fine texture that changes every frame:
   * a flat pattern encodes in ~80 kbps whatever the ceiling, so a role's bitrate would never be
   * reached; with the texture the encoder's rate control fills the ceiling at a moderate QP (the
   * low amplitude quantizes away as the rate falls, so it does not force the resolution down).
   */
  #pattern(format: VideoFormat, isScreencast: boolean): { track: MediaStreamTrack; stop(): void; applyVideo(format: VideoFormat): Promise<void> } {
    const source = new this.#ns.RTCVideoSource({ isScreencast });
    const track = source.createTrack();
    const background = isScreencast ? 180 : 60;
    const barWidth = 40;
    let n = 0;
    let timer: ReturnType<typeof setInterval> | undefined;
    const start = ({ width, height, fps }: VideoFormat, textured: boolean) => {
      clearInterval(timer);
      const ySize = width * height;
      const data = new Uint8Array((ySize * 3) / 2);
      data.fill(128, ySize); // neutral chroma
      const texture = textured ? makeTexture(ySize * TEXTURE_FRAMES, background) : null;
      const frame = () => {
        // A jump far beyond any motion search: the texture cannot be predicted from the last frame.
        if (texture) {
          const at = randomOffset(texture.length - ySize);
          data.set(texture.subarray(at, at + ySize));
        } else {
          data.fill(background, 0, ySize);
        }
        writeFrameNumber(data, width, n);
        const x0 = (n * 8) % (width - barWidth);
        for (let y = 16; y < height; y++) data.fill(235, y * width + x0, y * width + x0 + barWidth);
        source.onFrame({ width, height, data });
        n++;
      };
      frame();
      timer = setInterval(frame, 1000 / fps);
      timer.unref?.();
    };
    start(format, false);
    let stopped = false;
    return {
      track,
      stop: () => {
        stopped = true;
        clearInterval(timer);
      },
      applyVideo: async (next) => {
        if (!stopped) start(next, true);
      },
    };
  }

  #tone(): { track: MediaStreamTrack; stop(): void; applyVideo?: undefined } {
    const source = new this.#ns.RTCAudioSource();
    const track = source.createTrack();
    const started = Date.now();
    let sent = 0;
    let phase = 0;
    const step = (2 * Math.PI * TONE_HZ) / SAMPLE_RATE;
    const push = () => {
      const due = Math.floor((Date.now() - started) / 10) - sent;
      // Far behind (a stalled event loop): skip what is lost rather than bursting it.
      if (due > 20) sent += due - 20;
      for (let i = 0; i < Math.min(due, 20); i++) {
        const samples = new Int16Array(CHUNK);
        for (let j = 0; j < CHUNK; j++) {
          samples[j] = Math.round(Math.sin(phase) * TONE_AMPLITUDE);
          phase += step;
        }
        phase %= 2 * Math.PI;
        source.onData({ samples, sampleRate: SAMPLE_RATE, bitsPerSample: 16, channelCount: 1, numberOfFrames: CHUNK });
        sent++;
      }
    };
    const timer = setInterval(push, 10);
    timer.unref?.();
    return { track, stop: () => clearInterval(timer) };
  }
}

let exitGuard = false;
/**
 * @roamhq/wrtc 0.10.0 crashes (SIGSEGV, exit status 139) when a process that created a nonstandard
 * source or sink ends by running out of work; an explicit `process.exit` does not. So when the
 * event loop is empty and Node is about to exit anyway, exit explicitly with the same code.
 */
function installExitGuard(): void {
  if (exitGuard) return;
  exitGuard = true;
  process.once('beforeExit', (code) => process.exit(process.exitCode ?? code));
}
