import { AuthBits, ErrorCode, type AVError, type Lang, type MediaSource } from '@hudong/protocol';
import { TypedEmitter } from './util/TypedEmitter.js';
import { avError, errorFields, invalidArgument, toAVError } from './util/errors.js';
import type { Logger } from './util/logger.js';
import { publicCall } from './util/public-call.js';
import { OperationGuard } from './OperationGuard.js';
import { PublisherTransport, type PublisherStats } from './engine/media/PublisherTransport.js';
import type { MediaRequest } from './engine/media/peer.js';
import type { WebRtc } from './engine/media/webrtc.js';
import { AudioOutput } from './devices/AudioOutput.js';
import { deviceBackend, noWebRtc } from './devices/backend.js';
import type { DeviceBackend, DeviceInfo, DeviceKind, LocalTracks, OpenedDevice } from './devices/types.js';

type SendKind = 'camera' | 'microphone' | 'screen';
const SOURCE: Record<SendKind, MediaSource> = { camera: 'camera', microphone: 'audio', screen: 'screen' };
const SEND_BIT: Record<SendKind, number> = { camera: AuthBits.SEND_CAMERA_VIDEO, microphone: AuthBits.SEND_AUDIO, screen: AuthBits.SEND_SCREEN_VIDEO };
const SEND_KINDS: readonly SendKind[] = ['microphone', 'camera', 'screen'];
const OP: Record<DeviceKind, string> = { camera: 'enableCamera', microphone: 'enableMic', speaker: 'enableSpeaker', screen: 'enableScreen' };
/** Publications of one device ended by a failed transport in a row before the SDK stops publishing it again… */
const MAX_REPUBLISHES = 3;
/** …unless one of them had been connected this long: then it worked, and the count starts over. */
const HEALTHY_MS = 5000;

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

/** @internal The room the devices publish into: our auth bits there and its `media.*` requests. */
export interface PublishBinding {
  authBits(): number;
  request: MediaRequest;
}

/** @internal What the context lends its device manager. */
export interface DeviceManagerHost {
  lang: Lang;
  log: Logger;
  webrtc(): Promise<WebRtc | null>;
  simulcast: boolean;
  onListenerError: (error: unknown, event: string) => void;
}

interface Publication {
  transport: PublisherTransport;
  binding: PublishBinding;
}

/**
 * `ctx.devices` (AVSDK AVDeviceMgr): lists, opens and closes devices, and publishes every device
 * that is on while the context is in a room with the matching SEND bit. Devices work before `start`.
 * Each device is its own operation category: 1001 the same operation in progress, 1002 the other
 * one, 1003 already on/off; 1301 unknown device id; 1008 held by another context or process.
 */
export class AVDeviceManager extends TypedEmitter<AVDeviceManagerEvents> {
  #host: DeviceManagerHost;
  #backend: Promise<DeviceBackend> | null = null;
  #guards = new Map<DeviceKind, OperationGuard<string>>();
  #open = new Map<DeviceKind, OpenedDevice>();
  #published = new Map<SendKind, Publication>();
  #binding: PublishBinding | null = null;
  #queues = new Map<SendKind, Promise<void>>();
  /** Failed transports in a row per device (reset by one that worked, by turning it on, by a new room). */
  #republishes = new Map<SendKind, number>();
  /** Endings that arrived while their publish was still completing (bounded; cleared with the room). */
  #endedEarly = new Map<string, AVError>();
  /** @internal Plays received audio through the selected speaker (browsers). */
  readonly _audioOutput = new AudioOutput();

  /** @internal Created by AVContext. */
  constructor(host: DeviceManagerHost) {
    super(host.onListenerError);
    this.#host = host;
  }

  /** Every device: `{ id, kind: 'camera'|'microphone'|'speaker'|'screen', label }`. Empty without WebRTC. */
  list(): Promise<DeviceInfo[]> {
    return publicCall('listDevices', this.#host, async () => {
      const backend = await this._backend().catch(() => null);
      return backend ? backend.list() : [];
    });
  }

  /** Opens (true) or closes (false) a camera; while in a room with SEND_CAMERA_VIDEO it is published. */
  enableCamera(on: boolean, options?: EnableDeviceOptions): Promise<void> {
    return this.#enable('camera', on, options);
  }
  /** Opens or closes a microphone; published with SEND_AUDIO. */
  enableMic(on: boolean, options?: EnableDeviceOptions): Promise<void> {
    return this.#enable('microphone', on, options);
  }
  /** Selects (true) or releases (false) the speaker that plays received audio. */
  enableSpeaker(on: boolean, options?: EnableDeviceOptions): Promise<void> {
    return this.#enable('speaker', on, options);
  }
  /** Starts or stops screen capture; published with SEND_SCREEN_VIDEO. */
  enableScreen(on: boolean, options?: EnableDeviceOptions): Promise<void> {
    return this.#enable('screen', on, options);
  }

  /** The tracks of the devices that are on. */
  get localTracks(): LocalTracks {
    const out: LocalTracks = {};
    for (const kind of SEND_KINDS) {
      const t = this.#open.get(kind)?.track;
      if (t) out[kind] = t;
    }
    return out;
  }

  /** The device that is on for each kind, e.g. `{ camera: 'virtual-camera' }`. */
  get enabledDevices(): Partial<Record<DeviceKind, string>> {
    const out: Partial<Record<DeviceKind, string>> = {};
    for (const [kind, dev] of this.#open) out[kind] = dev.info.id;
    return out;
  }

  /** Counters of a published source (e.g. `pliCount`: keyframe requests from the SFU). 1 NOT_PUBLISHING when not published. */
  publisherStats(kind: SendKind | 'audio'): Promise<PublisherStats> {
    return publicCall('publisherStats', this.#host, async () => {
      const k: SendKind = kind === 'audio' ? 'microphone' : kind;
      const pub = this.#published.get(k);
      if (!pub) throw avError(ErrorCode.AV_ERR_FAILED, 'NOT_PUBLISHING', `${kind} is not published`, this.#host.lang, { kind });
      return pub.transport.stats();
    });
  }

  /** @internal The backend (shared with the device test). Rejects 1006 without WebRTC. */
  _backend(): Promise<DeviceBackend> {
    this.#backend ??= this.#host.webrtc().then((rtc) => deviceBackend(rtc, this.#host.lang));
    this.#backend.catch(() => {
      this.#backend = null; // try again next time (e.g. wrtc installed meanwhile is not, but options may differ)
    });
    return this.#backend;
  }

  /** @internal The room to publish into (null: none). A new binding object republishes everything. */
  _bind(binding: PublishBinding | null): void {
    if (binding === this.#binding) return;
    this.#binding = binding;
    this.#republishes.clear();
    this.#endedEarly.clear();
    this._sync();
  }

  /** @internal Our auth bits changed: publish or unpublish to match. */
  _sync(): void {
    for (const kind of SEND_KINDS) this.#reconcileInBackground(kind);
  }

  /** @internal The server ended one of our publications (`media.publicationEnded`). */
  _publicationEnded(source: MediaSource, publicationId: string, reason: AVError): void {
    const kind = SEND_KINDS.find((k) => SOURCE[k] === source)!;
    const cur = this.#published.get(kind);
    if (!cur || cur.transport.publicationId !== publicationId || cur.binding !== this.#binding) {
      // Not ours yet: a publish may still be applying the answer. Older ones are never looked up again.
      this.#endedEarly.set(publicationId, reason);
      if (this.#endedEarly.size > 16) this.#endedEarly.delete(this.#endedEarly.keys().next().value!);
      return;
    }
    this.#published.delete(kind);
    cur.transport.close();
    this.#host.log.warn({ kind, publicationId, ...errorFields(reason) }, 'the server ended a publication');
    this.emit('publicationEnded', kind, reason);
    if (reason.code !== ErrorCode.AV_ERR_SERVER_TIMEOUT) return; // the SEND bit: the new bits decide
    const since = cur.transport.connectedSince;
    const worked = since !== null && Date.now() - since >= HEALTHY_MS;
    const inARow = worked ? 1 : (this.#republishes.get(kind) ?? 0) + 1;
    this.#republishes.set(kind, inARow);
    if (inARow > MAX_REPUBLISHES) {
      this.#host.log.warn({ kind, failures: inARow }, 'stopped publishing again: its transports keep failing');
      this.emit('publishFailed', kind, reason);
      return;
    }
    this.#reconcileInBackground(kind);
  }

  /** @internal Closes every device (context stop/destroy). */
  async _closeAll(): Promise<void> {
    const open = [...this.#open];
    this.#open.clear();
    this._audioOutput.setSpeaker(null);
    await Promise.all(SEND_KINDS.map((k) => this.#reconcile(k).catch(() => {})));
    for (const [, dev] of open) dev.close();
  }

  #guard(kind: DeviceKind): OperationGuard<string> {
    let g = this.#guards.get(kind);
    if (!g) this.#guards.set(kind, (g = new OperationGuard<string>(`device ${kind}`, this.#host.lang)));
    return g;
  }

  #enable(kind: DeviceKind, on: boolean, options: EnableDeviceOptions | undefined): Promise<void> {
    const name = OP[kind];
    return publicCall(name, this.#host, async () => {
      const { lang } = this.#host;
      if (typeof on !== 'boolean') throw invalidArgument('on', `must be true or false (got ${String(on)})`, lang);
      if (options !== undefined && (options === null || typeof options !== 'object')) throw invalidArgument('options', 'must be an object', lang);
      const deviceId = options?.deviceId;
      if (deviceId !== undefined && (typeof deviceId !== 'string' || deviceId.length === 0 || deviceId.length > 256)) {
        throw invalidArgument('options.deviceId', 'must be a non-empty string of at most 256 characters', lang);
      }
      const current = this.#open.get(kind);
      const holds = on
        ? !!current && (deviceId === undefined || current.info.id === deviceId) && `${kind} ${current.info.id} is already on`
        : !current && `${kind} is already off`;
      await this.#guard(kind).run(`${name}(${on})`, async () => {
        if (on) await this.#turnOn(kind, deviceId);
        else await this.#turnOff(kind);
      }, { holds });
    });
  }

  async #turnOn(kind: DeviceKind, deviceId: string | undefined): Promise<void> {
    if (this.#open.has(kind)) await this.#turnOff(kind); // switching to another device
    if (kind !== 'speaker') this.#republishes.delete(kind);
    const backend = await this._backend();
    const dev = await backend.open(kind, deviceId);
    this.#open.set(kind, dev);
    this.#host.log.info({ kind, deviceId: dev.info.id }, 'device on');
    if (kind === 'speaker') {
      this._audioOutput.setSpeaker(dev.info.id);
      return;
    }
    try {
      await this.#reconcile(kind);
    } catch (err) {
      // A refused publish turns the device back off; the caller gets the server's error unchanged.
      if (this.#open.get(kind) === dev) this.#open.delete(kind);
      await this.#reconcile(kind).catch(() => {});
      dev.close();
      throw err;
    }
  }

  async #turnOff(kind: DeviceKind): Promise<void> {
    const dev = this.#open.get(kind);
    if (!dev) return;
    this.#open.delete(kind);
    if (kind === 'speaker') this._audioOutput.setSpeaker(null);
    else await this.#reconcile(kind).catch((err: unknown) => this.#host.log.warn({ kind, ...errorFields(toAVError(err, this.#host.lang)) }, 'unpublish failed'));
    dev.close();
    this.#host.log.info({ kind, deviceId: dev.info.id }, 'device off');
  }

  /** A reconcile nobody awaits: its failure is the `publishFailed` event. */
  #reconcileInBackground(kind: SendKind): void {
    this.#reconcile(kind).catch((err: unknown) => {
      const e = toAVError(err, this.#host.lang);
      this.#host.log.warn({ kind, ...errorFields(e) }, 'publishing failed');
      this.emit('publishFailed', kind, e);
    });
  }

  /** Runs one reconcile of `kind` after those queued before it; each caller gets its own outcome. */
  #reconcile(kind: DeviceKind): Promise<void> {
    if (kind === 'speaker') return Promise.resolve();
    const prev = this.#queues.get(kind) ?? Promise.resolve();
    const run = prev.then(() => this.#reconcileNow(kind));
    this.#queues.set(kind, run.catch(() => {}));
    return run;
  }

  /** Makes the publication of `kind` match: device on + bound room + SEND bit ⇔ published. */
  async #reconcileNow(kind: SendKind): Promise<void> {
    const source = SOURCE[kind];
    const track = this.#open.get(kind)?.track;
    const binding = this.#binding;
    const want = !!track && !!binding && (binding.authBits() & SEND_BIT[kind]) !== 0;
    const cur = this.#published.get(kind);
    if (cur && (!want || cur.transport.track !== track || cur.binding !== binding)) {
      this.#published.delete(kind);
      cur.transport.close();
      // Another room (or a reconnect) means the server already forgot it; a new publish replaces it anyway.
      if (cur.binding === binding) await this.#unpublish(cur.binding, source);
    }
    if (!want || this.#published.has(kind)) return;
    const rtc = await this.#host.webrtc();
    if (!rtc) throw noWebRtc(this.#host.lang);
    const transport = await PublisherTransport.publish(rtc, source, track!, binding!.request, { simulcast: this.#host.simulcast });
    if (this.#binding !== binding || this.#open.get(kind)?.track !== track) {
      transport.close(); // things changed meanwhile; the reconcile queued by that change decides the rest
      if (this.#binding === binding) await this.#unpublish(binding!, source);
      return;
    }
    this.#published.set(kind, { transport, binding: binding! });
    this.#host.log.info({ kind, codec: transport.codec, publicationId: transport.publicationId }, 'published');
    const ended = this.#endedEarly.get(transport.publicationId);
    if (ended) {
      this.#endedEarly.delete(transport.publicationId);
      this._publicationEnded(source, transport.publicationId, ended);
    }
  }

  async #unpublish(binding: PublishBinding, source: MediaSource): Promise<void> {
    try {
      await binding.request('media.unpublish', { source });
    } catch (err) {
      this.#host.log.debug({ source, ...errorFields(toAVError(err, this.#host.lang)) }, 'media.unpublish not confirmed');
    }
  }
}
