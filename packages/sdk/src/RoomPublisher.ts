import { AuthBits, ErrorCode, type AVError, type Lang, type MediaSource, type RoleSettings } from '@hudong/protocol';
import { avError, errorFields, toAVError } from './util/errors.js';
import type { Logger } from './util/logger.js';
import { PublisherConnection } from './engine/media/PublisherConnection.js';
import { PublisherTransport, type PublishedSource, type PublisherStats } from './engine/media/PublisherTransport.js';
import type { MediaRequest } from './engine/media/peer.js';
import type { QualityInput } from './engine/media/quality.js';
import type { WebRtc } from './engine/media/webrtc.js';
import { noWebRtc } from './devices/backend.js';
import { SEND_KINDS, type LocalMedia, type TrackSender } from './devices/LocalMedia.js';
import type { SendKind } from './devices/types.js';

/** Per kind: its source on the wire, the auth bit that allows sending it, and the server's sub-code when it is missing. */
const SEND = {
  camera: { source: 'camera', bit: AuthBits.SEND_CAMERA_VIDEO, bitName: 'SEND_CAMERA_VIDEO', missing: 'AUTH_SEND_CAMERA_VIDEO_MISSING' },
  microphone: { source: 'audio', bit: AuthBits.SEND_AUDIO, bitName: 'SEND_AUDIO', missing: 'AUTH_SEND_AUDIO_MISSING' },
  screen: { source: 'screen', bit: AuthBits.SEND_SCREEN_VIDEO, bitName: 'SEND_SCREEN_VIDEO', missing: 'AUTH_SEND_SCREEN_VIDEO_MISSING' },
} as const satisfies Record<SendKind, { source: MediaSource; bit: number; bitName: string; missing: string }>;
const KIND_OF: Record<MediaSource, SendKind> = { camera: 'camera', audio: 'microphone', screen: 'screen' };
/** Publications of one device ended by a failed transport in a row before the SDK stops publishing it again… */
const MAX_REPUBLISHES = 3;
/** …unless one of them had been connected this long: then it worked, and the count starts over. */
const HEALTHY_MS = 5000;
/** Endings remembered for a publish still completing (older ones are never looked up again). */
const MAX_ENDED_EARLY = 16;

/** @internal What a room lends its publisher. */
export interface RoomPublisherHost {
  lang: Lang;
  log: Logger;
  roomId: number;
  /** The devices whose tracks are published. */
  local: LocalMedia;
  request: MediaRequest;
  webrtc(): Promise<WebRtc | null>;
  /** Offer two simulcast layers for the camera. */
  simulcast: boolean;
  /** Our auth bits in the room: the requested ones while entering, then the granted ones. */
  authBits(): number;
}

/** One reconcile of a kind; its failure is `publishFailed` unless `settled` handed it to a caller. */
interface Run {
  done: Promise<void>;
  claimed: boolean;
}

/**
 * The sending side of one room: publishes the track of every device that is on and whose SEND bit
 * the room grants — on the room's one send connection (PublisherConnection), or a simulcast camera
 * on a connection of its own (PublisherTransport) — from entry (`start`) until the room is
 * exited (`close`). It follows the devices (`track` events of LocalMedia) and the auth bits,
 * publishes again after a transport failure (up to 3 in a row) and after a reconnect (`restore`).
 * Attached to the devices from `enterRoom` on, so that an enable the room's bits rule out is
 * refused (`refusal`) already while entering.
 */
export class RoomPublisher implements TrackSender {
  #host: RoomPublisherHost;
  #started = false;
  #closed = false;
  #published = new Map<SendKind, PublishedSource>();
  #connection: PublisherConnection | null = null;
  /** Reconciles of a kind run one after another… */
  #queues = new Map<SendKind, Promise<void>>();
  /** …and the one not started yet serves every change until it starts (it reads the state then). */
  #next = new Map<SendKind, Run>();
  /** Failed transports in a row per device (reset by one that worked, by turning it on, by a reconnect). */
  #republishes = new Map<SendKind, number>();
  /** Endings that arrived while their publish was still completing. */
  #endedEarly = new Map<string, AVError>();
  /** Bumped when the server forgot our publications (reconnect) and on close: a publish begun before is stale. */
  #epoch = 0;
  /** Our role's encoding settings (room.enter, room.changeRole); `{}`: the devices' own. */
  #role: RoleSettings = {};
  /** Per kind, what of the role was last applied (keys of track + video, publication + bitrate). */
  #appliedFrames = new Map<SendKind, string>();
  #appliedCeiling = new Map<SendKind, string>();

  constructor(host: RoomPublisherHost) {
    this.#host = host;
    host.local.on('track', this.#onTrack);
    host.local.attach(this);
  }

  refusal(kind: SendKind): AVError | null {
    const spec = SEND[kind];
    const bits = this.#host.authBits();
    if ((bits & spec.bit) !== 0) return null;
    const message = `room ${this.#host.roomId} does not grant ${spec.bitName} (auth bits 0x${bits.toString(16)}): the ${kind} was not opened`;
    return avError(ErrorCode.AV_ERR_SERVER_NO_PERMISSION, spec.missing, message, this.#host.lang, { authBits: bits });
  }

  settled(kind: SendKind): Promise<void> {
    const run = this.#next.get(kind);
    if (!run) return Promise.resolve();
    run.claimed = true;
    return run.done;
  }

  stats(kind: SendKind): Promise<PublisherStats> | null {
    return this.#published.get(kind)?.stats() ?? null;
  }

  /** What `getQualityStats` reads of the send connections: each published source's report and track. */
  async qualityInputs(): Promise<QualityInput[]> {
    return Promise.all(
      [...this.#published.values()].map(async (p) => ({
        direction: 'send' as const,
        report: await p.report(),
        streams: [{ identifier: '', source: p.source, trackId: p.track.id }],
      })),
    );
  }

  /** The room is entered: publish what is on. */
  start(): void {
    this.#started = true;
    this.#followAll();
  }

  /**
   * Our role's settings (from the enter, or a role change): the camera is sent at its video size,
   * rate and bitrate, the microphone at its audio bitrate. Resolves once applied to what is published.
   */
  setRole(settings: RoleSettings): Promise<void> {
    this.#role = { ...settings };
    const kinds: SendKind[] = ['camera', 'microphone'];
    for (const kind of kinds) this.#follow(kind);
    return Promise.all(kinds.map((kind) => this.#next.get(kind)?.done.catch(() => {}))).then(() => {});
  }

  /** Our auth bits changed: publish or unpublish to match. */
  authChanged(): void {
    this.#followAll();
  }

  /** The server ended one of our publications (`media.publicationEnded`). */
  publicationEnded(source: MediaSource, publicationId: string, reason: AVError): void {
    const kind = KIND_OF[source];
    const cur = this.#published.get(kind);
    if (!cur || cur.publicationId !== publicationId) {
      // Not ours yet: a publish may still be applying the answer.
      this.#endedEarly.set(publicationId, reason);
      if (this.#endedEarly.size > MAX_ENDED_EARLY) this.#endedEarly.delete(this.#endedEarly.keys().next().value!);
      return;
    }
    this.#published.delete(kind);
    cur.close();
    this.#host.log.warn({ kind, publicationId, ...errorFields(reason) }, 'the server ended a publication');
    if (reason.code === ErrorCode.AV_ERR_SERVER_TIMEOUT && !(cur instanceof PublisherTransport)) this.#resetConnection(kind);
    this.#host.local.report('publicationEnded', kind, reason);
    if (reason.code !== ErrorCode.AV_ERR_SERVER_TIMEOUT) return; // the SEND bit: the new bits decide
    const since = cur.connectedSince;
    const worked = since !== null && Date.now() - since >= HEALTHY_MS;
    const inARow = worked ? 1 : (this.#republishes.get(kind) ?? 0) + 1;
    this.#republishes.set(kind, inARow);
    if (inARow > MAX_REPUBLISHES) {
      this.#host.log.warn({ kind, failures: inARow }, 'stopped publishing again: its transports keep failing');
      this.#host.local.report('publishFailed', kind, reason);
      return;
    }
    this.#follow(kind);
  }

  /** After a reconnect the server forgot our transports: publish everything afresh (no unpublish). */
  restore(): void {
    if (this.#closed) return;
    this.#forget();
    this.#republishes.clear();
    this.#endedEarly.clear();
    this.#followAll();
  }

  /** The room is exited: transports close locally (the server dropped them with us). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#host.local.off('track', this.#onTrack);
    this.#host.local.detach(this);
    this.#forget();
  }

  #onTrack = (kind: SendKind, track: MediaStreamTrack | null): void => {
    if (track) this.#republishes.delete(kind); // turning a device on starts its count afresh
    this.#follow(kind);
  };

  #forget(): void {
    this.#epoch++;
    for (const t of this.#published.values()) t.close();
    this.#published.clear();
    this.#connection?.reset();
  }

  /**
   * The send connection failed under `failed`'s publication: a new one replaces it (the server's end
   * follows the new name and drops the old one's publications unreported), so every other source
   * on it is published again there.
   */
  #resetConnection(failed: SendKind): void {
    this.#connection?.reset();
    for (const [kind, published] of [...this.#published]) {
      if (kind === failed || published instanceof PublisherTransport) continue;
      this.#published.delete(kind);
      published.close();
      this.#follow(kind);
    }
  }

  #followAll(): void {
    for (const kind of SEND_KINDS) this.#follow(kind);
  }

  /** Queues a reconcile of `kind` (unless one is already waiting); nobody awaits it unless `settled` claims it. */
  #follow(kind: SendKind): void {
    if (this.#next.has(kind)) return;
    const prev = this.#queues.get(kind) ?? Promise.resolve();
    const run: Run = {
      done: prev.then(() => {
        this.#next.delete(kind);
        return this.#reconcile(kind);
      }),
      claimed: false,
    };
    this.#next.set(kind, run);
    this.#queues.set(
      kind,
      run.done.catch(() => {}),
    );
    run.done.catch((err: unknown) => {
      if (run.claimed) return;
      const e = toAVError(err, this.#host.lang);
      this.#host.log.warn({ kind, ...errorFields(e) }, 'publishing failed');
      this.#host.local.report('publishFailed', kind, e);
    });
  }

  /** Makes the publication of `kind` match: entered + device on + SEND bit ⇔ published. */
  async #reconcile(kind: SendKind): Promise<void> {
    const { source, bit } = SEND[kind];
    const epoch = this.#epoch;
    const track = this.#host.local.track(kind);
    const want = this.#started && !this.#closed && !!track && (this.#host.authBits() & bit) !== 0;
    const cur = this.#published.get(kind);
    if (cur && (!want || cur.track !== track)) {
      this.#published.delete(kind);
      cur.close();
      await this.#unpublish(source);
    }
    if (!want) return;
    if (this.#published.has(kind)) return this.#applyRole(kind, track!);
    await this.#applyRole(kind, track!);
    const rtc = await this.#host.webrtc();
    if (!rtc) throw noWebRtc(this.#host.lang);
    if (this.#epoch !== epoch) return; // reconnected or exited meanwhile: the reconcile queued then decides
    const transport =
      kind === 'camera' && this.#host.simulcast
        ? await PublisherTransport.publish(rtc, source, track!, this.#host.request, { simulcast: true })
        : await (this.#connection ??= new PublisherConnection(rtc, this.#host.request)).publish(source, track!);
    if (this.#epoch !== epoch || this.#host.local.track(kind) !== track) {
      transport.close(); // things changed meanwhile; the reconcile queued by that change decides the rest
      if (this.#epoch === epoch) await this.#unpublish(source);
      return;
    }
    this.#published.set(kind, transport);
    this.#host.log.info({ kind, codec: transport.codec, publicationId: transport.publicationId }, 'published');
    await this.#applyRole(kind, track!);
    const ended = this.#endedEarly.get(transport.publicationId);
    if (ended) {
      this.#endedEarly.delete(transport.publicationId);
      this.publicationEnded(source, transport.publicationId, ended);
    }
  }

  /**
   * The role's settings on `kind`: the camera's frames (before its first publish too, so that it
   * starts at the role's size), then the bitrate ceiling of the publication. Each applied once per
   * (track or publication, settings). A failure is logged: the source goes on at its own settings.
   */
  async #applyRole(kind: SendKind, track: MediaStreamTrack): Promise<void> {
    if (kind === 'screen') return;
    const video = kind === 'camera' ? this.#role.video : undefined;
    const kbps = kind === 'camera' ? video?.maxBitrateKbps : this.#role.audio?.maxBitrateKbps;
    const published = this.#published.get(kind);
    const frames = JSON.stringify([track.id, video]);
    const ceiling = JSON.stringify([published?.publicationId, kbps]);
    try {
      if (video && this.#appliedFrames.get(kind) !== frames) {
        this.#appliedFrames.set(kind, frames);
        await this.#host.local.device(kind)?.applyVideo?.(video);
        this.#host.log.info({ kind, ...video }, 'role video applied to the device');
      }
      if (published && this.#appliedCeiling.get(kind) !== ceiling) {
        this.#appliedCeiling.set(kind, ceiling);
        await published.setMaxBitrate(kbps);
        this.#host.log.info({ kind, maxBitrateKbps: kbps ?? null }, 'role bitrate applied');
      }
    } catch (err) {
      this.#appliedFrames.delete(kind);
      this.#appliedCeiling.delete(kind);
      this.#host.log.warn({ kind, err: String(err) }, 'applying the role settings failed');
    }
  }

  async #unpublish(source: MediaSource): Promise<void> {
    try {
      await this.#host.request('media.unpublish', { source });
    } catch (err) {
      this.#host.log.debug({ source, ...errorFields(toAVError(err, this.#host.lang)) }, 'media.unpublish not confirmed');
    }
  }
}
