import type { AVError, Lang } from '@hudong/protocol';
import { TypedEmitter } from '../util/TypedEmitter.js';
import { errorFields, toAVError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { PublisherStats } from '../engine/media/PublisherTransport.js';
import type { WebRtc } from '../engine/media/webrtc.js';
import { AudioOutput } from './AudioOutput.js';
import { deviceBackend } from './backend.js';
import type { DeviceBackend, DeviceKind, LocalTracks, OpenedDevice, SendKind } from './types.js';

export const SEND_KINDS: readonly SendKind[] = ['microphone', 'camera', 'screen'];

export type LocalMediaEvents = {
  /** A camera, microphone or screen was turned on (its track) or off (null). */
  track: [kind: SendKind, track: MediaStreamTrack | null];
  /** From the room's publisher: the server ended the publication of a device that is on. */
  publicationEnded: [kind: SendKind, reason: AVError];
  /** From the room's publisher: a device that is on could not be published and stays unpublished. */
  publishFailed: [kind: SendKind, reason: AVError];
};

/** What the room that publishes the tracks offers the devices (its RoomPublisher). */
export interface TrackSender {
  /** 10003 `AUTH_SEND_…_MISSING` when the room's auth bits lack the SEND bit of `kind`, else null. */
  refusal(kind: SendKind): AVError | null;
  /**
   * The verdict on the last `track` change of `kind`: resolves once it is published (or there was
   * nothing to publish), rejects with the server's error. Called right after the change, it makes
   * the failure the caller's instead of a `publishFailed`.
   */
  settled(kind: SendKind): Promise<void>;
  /** The counters of `kind`'s publication; null when it is not published. */
  stats(kind: SendKind): Promise<PublisherStats> | null;
}

export interface LocalMediaHost {
  lang: Lang;
  log: Logger;
  webrtc(): Promise<WebRtc | null>;
  onListenerError: (error: unknown, event: string) => void;
}

/**
 * @internal The context's local media: the devices that are on (one per kind), their tracks, the
 * speaker that plays received audio, and the room publisher that sends the tracks while a room
 * lives (at most one: one room at a time). `ctx.devices` is its public face; the device test only
 * borrows its backend.
 */
export class LocalMedia extends TypedEmitter<LocalMediaEvents> {
  /** Plays received audio through the speaker that is on (browsers). */
  readonly audio = new AudioOutput();
  #host: LocalMediaHost;
  #backend: Promise<DeviceBackend> | null = null;
  #on = new Map<DeviceKind, OpenedDevice>();
  #sender: TrackSender | null = null;

  constructor(host: LocalMediaHost) {
    super(host.onListenerError);
    this.#host = host;
  }

  /** The backend for this WebRTC implementation (shared with the device test). Rejects 1006 without WebRTC. */
  backend(): Promise<DeviceBackend> {
    this.#backend ??= this.#host.webrtc().then((rtc) => deviceBackend(rtc, this.#host.lang));
    this.#backend.catch(() => {
      this.#backend = null; // try again next time
    });
    return this.#backend;
  }

  /** The room publisher sending the tracks, or null outside a room. */
  get sender(): TrackSender | null {
    return this.#sender;
  }

  /** A room's publisher takes over sending the tracks (from `enterRoom` until the room is exited). */
  attach(sender: TrackSender): void {
    this.#sender = sender;
  }

  detach(sender: TrackSender): void {
    if (this.#sender === sender) this.#sender = null;
  }

  /** The device that is on for `kind`. */
  device(kind: DeviceKind): OpenedDevice | undefined {
    return this.#on.get(kind);
  }

  track(kind: SendKind): MediaStreamTrack | undefined {
    return this.#on.get(kind)?.track;
  }

  get tracks(): LocalTracks {
    const out: LocalTracks = {};
    for (const kind of SEND_KINDS) {
      const t = this.track(kind);
      if (t) out[kind] = t;
    }
    return out;
  }

  /** The id of the device that is on for each kind. */
  get enabled(): Partial<Record<DeviceKind, string>> {
    const out: Partial<Record<DeviceKind, string>> = {};
    for (const [kind, dev] of this.#on) out[kind] = dev.info.id;
    return out;
  }

  /** Opens a device of `kind` (`deviceId` omitted: the default one); it is not on until `turnOn`. */
  async open(kind: DeviceKind, deviceId: string | undefined): Promise<OpenedDevice> {
    return (await this.backend()).open(kind, deviceId);
  }

  /** Makes `dev` the device of its kind and announces its track; resolves with the room publisher's verdict on it. */
  turnOn(kind: DeviceKind, dev: OpenedDevice): Promise<void> {
    this.#on.set(kind, dev);
    this.#host.log.info({ kind, deviceId: dev.info.id }, 'device on');
    if (kind === 'speaker') {
      this.audio.setSpeaker(dev.info.id);
      return Promise.resolve();
    }
    this.emit('track', kind, dev.track ?? null);
    return this.#sender?.settled(kind) ?? Promise.resolve();
  }

  /** Turns the device of `kind` off: its track leaves the room first (awaited), then the device closes. */
  async turnOff(kind: DeviceKind): Promise<void> {
    const dev = this.#on.get(kind);
    if (!dev) return;
    this.#on.delete(kind);
    if (kind === 'speaker') {
      this.audio.setSpeaker(null);
    } else {
      this.emit('track', kind, null);
      await this.#sender?.settled(kind).catch((err: unknown) => {
        this.#host.log.warn({ kind, ...errorFields(toAVError(err, this.#host.lang)) }, 'unpublish failed');
      });
    }
    dev.close();
    this.#host.log.info({ kind, deviceId: dev.info.id }, 'device off');
  }

  /** Turns every device off (context stop/destroy). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.#on.keys()].map((kind) => this.turnOff(kind)));
  }

  /** The room's publisher reports what happened to a publication (`ctx.devices` emits it). */
  report(event: 'publicationEnded' | 'publishFailed', kind: SendKind, reason: AVError): void {
    this.emit(event, kind, reason);
  }
}
