import { ErrorCode, type AVError, type Lang } from '@hudong/protocol';
import { TypedEmitter } from './util/TypedEmitter.js';
import { avError, invalidArgument } from './util/errors.js';
import type { Logger } from './util/logger.js';
import { publicCall } from './util/public-call.js';
import { OperationGuard } from './OperationGuard.js';
import type { PublisherStats } from './engine/media/PublisherTransport.js';
import type { LocalMedia } from './devices/LocalMedia.js';
import type { DeviceInfo, DeviceKind, LocalTracks, SendKind } from './devices/types.js';

const OP: Record<DeviceKind, string> = { camera: 'enableCamera', microphone: 'enableMic', speaker: 'enableSpeaker', screen: 'enableScreen' };

/** Options of `enableCamera/Mic/Speaker/Screen`. */
export interface EnableDeviceOptions {
  /** A device id from `list()`; omitted: the default (first) device of that kind. */
  deviceId?: string;
}

export type AVDeviceManagerEvents = {
  /**
   * A device that is on could not be published on entry, authority change, reconnect or after
   * `publicationEnded`; it stays on, unpublished, until it is turned on again or the room changes.
   */
  publishFailed: [kind: DeviceKind, reason: AVError];
  /**
   * The server ended the publication of a device that is on. 10004 (its transport failed or did not
   * connect): the SDK publishes it again at once — after 3 such endings in a row, none of them
   * connected for 5 s, it gives up with `publishFailed`. 10003 (its SEND bit was taken away): it is
   * published again when the bit comes back. The device stays on either way.
   */
  publicationEnded: [kind: DeviceKind, reason: AVError];
};

/** @internal What the context lends its device manager. */
export interface DeviceManagerHost {
  lang: Lang;
  log: Logger;
  /** The context's devices, and the publisher of the room the context is in. */
  local: LocalMedia;
  onListenerError: (error: unknown, event: string) => void;
}

/**
 * `ctx.devices` (AVSDK AVDeviceMgr): lists, opens and closes devices. Devices work before `start`.
 * What is published is the room's business (its RoomPublisher): a device that is on is published
 * while the context is in a room with the matching SEND bit, and an enable that room's bits rule
 * out is refused with 10003 before anything is opened.
 * Each device is its own operation category: 1001 the same operation in progress, 1002 the other
 * one, 1003 already on/off; 1301 unknown device id; 1008 held by another context or process.
 */
export class AVDeviceManager extends TypedEmitter<AVDeviceManagerEvents> {
  #host: DeviceManagerHost;
  #guards = new Map<DeviceKind, OperationGuard<string>>();

  /** @internal Created by AVContext. */
  constructor(host: DeviceManagerHost) {
    super(host.onListenerError);
    this.#host = host;
    host.local.on('publicationEnded', (kind, reason) => this.emit('publicationEnded', kind, reason));
    host.local.on('publishFailed', (kind, reason) => this.emit('publishFailed', kind, reason));
  }

  /** Every device: `{ id, kind: 'camera'|'microphone'|'speaker'|'screen', label }`. Empty without WebRTC. */
  list(): Promise<DeviceInfo[]> {
    return publicCall('listDevices', this.#host, async () => {
      const backend = await this.#host.local.backend().catch(() => null);
      return backend ? backend.list() : [];
    });
  }

  /**
   * Opens (true) or closes (false) a camera. In a room (from `enterRoom` until it is exited) with
   * SEND_CAMERA_VIDEO it is published, and a refused publish rejects with the server's error and
   * turns it back off; in a room without that bit — while entering, the bits asked for — it rejects
   * with 10003 `AUTH_SEND_CAMERA_VIDEO_MISSING` and opens nothing. Outside a room it only opens.
   */
  enableCamera(on: boolean, options?: EnableDeviceOptions): Promise<void> {
    return this.#enable('camera', on, options);
  }
  /** Opens or closes a microphone; the same rules with SEND_AUDIO (10003 `AUTH_SEND_AUDIO_MISSING`). */
  enableMic(on: boolean, options?: EnableDeviceOptions): Promise<void> {
    return this.#enable('microphone', on, options);
  }
  /** Selects (true) or releases (false) the speaker that plays received audio. No auth bit involved. */
  enableSpeaker(on: boolean, options?: EnableDeviceOptions): Promise<void> {
    return this.#enable('speaker', on, options);
  }
  /** Starts or stops screen capture; the same rules with SEND_SCREEN_VIDEO (10003 `AUTH_SEND_SCREEN_VIDEO_MISSING`). */
  enableScreen(on: boolean, options?: EnableDeviceOptions): Promise<void> {
    return this.#enable('screen', on, options);
  }

  /** The tracks of the devices that are on. */
  get localTracks(): LocalTracks {
    return this.#host.local.tracks;
  }

  /** The device that is on for each kind, e.g. `{ camera: 'virtual-camera' }`. */
  get enabledDevices(): Partial<Record<DeviceKind, string>> {
    return this.#host.local.enabled;
  }

  /** Counters of a published source (e.g. `pliCount`: keyframe requests from the SFU). 1 NOT_PUBLISHING when not published. */
  publisherStats(kind: SendKind | 'audio'): Promise<PublisherStats> {
    return publicCall('publisherStats', this.#host, async () => {
      const stats = this.#host.local.sender?.stats(kind === 'audio' ? 'microphone' : kind);
      if (!stats) throw avError(ErrorCode.AV_ERR_FAILED, 'NOT_PUBLISHING', `${kind} is not published`, this.#host.lang, { kind });
      return stats;
    });
  }

  #guard(kind: DeviceKind): OperationGuard<string> {
    let g = this.#guards.get(kind);
    if (!g) this.#guards.set(kind, (g = new OperationGuard<string>(`device ${kind}`, this.#host.lang)));
    return g;
  }

  #enable(kind: DeviceKind, on: boolean, options: EnableDeviceOptions | undefined): Promise<void> {
    const name = OP[kind];
    return publicCall(name, this.#host, async () => {
      const { lang, local } = this.#host;
      if (typeof on !== 'boolean') throw invalidArgument('on', `must be true or false (got ${String(on)})`, lang);
      if (options !== undefined && (options === null || typeof options !== 'object')) throw invalidArgument('options', 'must be an object', lang);
      const deviceId = options?.deviceId;
      if (deviceId !== undefined && (typeof deviceId !== 'string' || deviceId.length === 0 || deviceId.length > 256)) {
        throw invalidArgument('options.deviceId', 'must be a non-empty string of at most 256 characters', lang);
      }
      const current = local.device(kind);
      const holds = on
        ? !!current && (deviceId === undefined || current.info.id === deviceId) && `${kind} ${current.info.id} is already on`
        : !current && `${kind} is already off`;
      await this.#guard(kind).run(
        `${name}(${on})`,
        async () => {
          if (on) await this.#turnOn(kind, deviceId);
          else await local.turnOff(kind);
        },
        { holds },
      );
    });
  }

  async #turnOn(kind: DeviceKind, deviceId: string | undefined): Promise<void> {
    const { local } = this.#host;
    // Refused before anything changes: a device already on (switching) stays on.
    const refused = kind === 'speaker' ? null : local.sender?.refusal(kind);
    if (refused) throw refused;
    if (local.device(kind)) await local.turnOff(kind); // switching to another device
    const dev = await local.open(kind, deviceId);
    try {
      await local.turnOn(kind, dev);
    } catch (err) {
      // A refused publish turns the device back off; the caller gets the server's error unchanged.
      await local.turnOff(kind);
      throw err;
    }
  }
}
