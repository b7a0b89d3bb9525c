/** The kinds of device the SDK knows (AVSDK: camera, mic, speaker, screen capture). */
export type DeviceKind = 'camera' | 'microphone' | 'speaker' | 'screen';
/** The kinds whose track a room publishes (a speaker only plays). */
export type SendKind = Exclude<DeviceKind, 'speaker'>;

/** One device of `ctx.devices.list()`. */
export interface DeviceInfo {
  id: string;
  kind: DeviceKind;
  label: string;
}

/** The tracks of open devices (speakers have none). */
export interface LocalTracks {
  camera?: MediaStreamTrack;
  microphone?: MediaStreamTrack;
  screen?: MediaStreamTrack;
}

/** The frames a camera is asked to produce (a role's video size and rate). */
export interface VideoFormat {
  width: number;
  height: number;
  fps: number;
}

/** A device opened by a backend; `close` releases it (idempotent). */
export interface OpenedDevice {
  info: DeviceInfo;
  /** Camera, microphone and screen; none for a speaker. */
  track?: MediaStreamTrack;
  /** Cameras: produce frames of that size and rate from now on, on the same track. */
  applyVideo?(format: VideoFormat): Promise<void>;
  close(): void;
}

/**
 * Where devices come from: the browser's media devices, or virtual ones in Node. `open` rejects
 * with 1301 for an unknown id and 1008 when the device is held elsewhere.
 */
export interface DeviceBackend {
  list(): Promise<DeviceInfo[]>;
  /** `deviceId` omitted: the first (default) device of that kind. */
  open(kind: DeviceKind, deviceId: string | undefined): Promise<OpenedDevice>;
  /** 0–1 level meter of a microphone track, sampled ~10×/s; `stop()` ends it. */
  meter(track: MediaStreamTrack, onLevel: (level: number) => void): { stop(): void };
}
