import {
  EndpointEvent,
  ErrorCode,
  LatestPacer,
  MEMBER_COUNT_INTERVAL_MS,
  type AVError,
  type Lang,
  type MethodName,
  type ParamsOf,
  type ResultOf,
  type RoleSettings,
  type RoomSnapshot,
  type ServerEventData,
} from '@hudong/protocol';
import { TypedEmitter } from './util/TypedEmitter.js';
import { avError, errorFields, fromWire, toAVError } from './util/errors.js';
import type { Logger } from './util/logger.js';
import { publicCall } from './util/public-call.js';
import { base64ToBytes } from './util/base64.js';
import { OperationGuard } from './OperationGuard.js';
import type { AVEndpoint } from './AVEndpoint.js';
import { RoomEndpoints } from './RoomEndpoints.js';
import * as validate from './validate.js';
import type { ResolvedEnterParams } from './validate.js';
import type { AVView, RoomType, SendMessageOptions, VideoRecvMode, ViewRequest } from './options.js';
import type { ServerEventMessage } from './signal/SignalClient.js';
import { RECV_ANY, RoomMedia } from './RoomMedia.js';
import { RoomPublisher } from './RoomPublisher.js';
import { noWebRtc } from './devices/backend.js';
import type { LocalMedia } from './devices/LocalMedia.js';
import type { MediaRequest } from './engine/media/peer.js';
import { QualityMeter, type QualityStats } from './engine/media/quality.js';
import type { WebRtc } from './engine/media/webrtc.js';
import type { ViewSpec } from './view-diff.js';

const MAX_EARLY_EVENTS = 256;

export type AVRoomState = 'entering' | 'entered' | 'exiting' | 'exited';
/** Operations of the room category (AVSDK: EnterRoom/ExitRoom, plus ChangeAuthority and ChangeAVControlRole). */
export type RoomOp = 'enterRoom' | 'exitRoom' | 'changeAuthority' | 'changeRole';
type ViewOp = 'requestViewList' | 'cancelAllView';

export type AVRoomEvents = {
  /** Members entered, left or changed what they send (`event` is an EndpointEvent). */
  endpointsUpdate: [event: EndpointEvent, identifiers: string[]];
  /** `memberCount` changed; at most once a second (the latest count then). */
  memberCountChanged: [count: number];
  /** The room was lost (server gone for good, session replaced, removed, re-enter failed); it is now 'exited'. */
  disconnected: [reason: AVError];
  /** Our auth bits changed (changeAuthority, or the server). */
  privilegeChanged: [authBits: number];
  /** With videoRecvMode 'semi-auto': the cameras viewed automatically at entry. */
  semiAutoRecvCameraVideo: [identifiers: string[]];
  /** A room message (binary ones as Uint8Array). */
  message: [from: string, data: string | Uint8Array];
  /**
   * A view ended without being asked: its publisher stopped that video or left (`reason` null), or
   * the server ended it (`reason` its error, e.g. 10004 TRANSPORT_TIMEOUT). It left `views`.
   */
  viewEnded: [view: AVView, reason: AVError | null];
  /**
   * A view's `track` is a new MediaStreamTrack: after a reconnect the receive connection is rebuilt
   * and every view is opened again on it (the old track has ended). Attach `view.track` again.
   */
  viewTrackChanged: [view: AVView];
};

/** @internal The context's media services for a room: WebRTC and its devices. */
export interface RoomMediaHooks {
  webrtc(): Promise<WebRtc | null>;
  /** The receive peer connection the context made after login (SparePeer); null once taken. */
  sparePeer(): RTCPeerConnection | null;
  /** The context's devices: the room publishes their tracks and plays received audio through their speaker. */
  local: LocalMedia;
  /** Offer two simulcast layers for the camera. */
  simulcast: boolean;
}

/** What the room needs from below: the session engine's room calls (a fake in unit tests). */
export interface RoomEngine {
  enterRoom(params: ParamsOf<'room.enter'>, timeoutMs: number): Promise<RoomSnapshot>;
  exitRoom(timeoutMs: number): Promise<void>;
  request<M extends MethodName>(method: M, params: ParamsOf<M>, opts: { timeoutMs: number; op: string; retry?: boolean }): Promise<ResultOf<M>>;
}

/** @internal What the context lends its room. */
export interface RoomHost {
  engine: RoomEngine;
  /** The context's room-category guard: one room operation at a time. */
  guard: OperationGuard<RoomOp>;
  lang: Lang;
  log: Logger;
  requestTimeoutMs: number;
  onListenerError: (error: unknown, event: string) => void;
  /** The room is exited: the context forgets it. */
  released(room: AVRoom): void;
  /** Media services; without them views reject 1006 (unit tests). */
  media?: RoomMediaHooks;
}

/** A room we are entering, in, or were in (AVSDK AVRoomMulti). Get it from `ctx.enterRoom`. */
export class AVRoom extends TypedEmitter<AVRoomEvents> {
  #host: RoomHost;
  #params: ResolvedEnterParams;
  #state: AVRoomState = 'entering';
  #authBits: number;
  #role: string;
  #roleSettings: RoleSettings = {};
  #quality = new QualityMeter();
  #members = new RoomEndpoints();
  #memberCount = 0;
  #countChanged = new LatestPacer<number>(MEMBER_COUNT_INTERVAL_MS, (count) => this.emit('memberCountChanged', count));
  #views: OperationGuard<ViewOp>;
  #media: RoomMedia | null = null;
  /** Sends our devices' tracks; attached to them from the start, so that enables are checked against our bits while entering. */
  #publisher: RoomPublisher | null;
  /** Why the room was lost while its enter was still running (that enter then rejects with it). */
  #lostWhileEntering: AVError | null = null;
  /**
   * Events that arrived after the server's enter answer but before `_enter` resumed: one socket read
   * can carry both frames, and the handler runs before the awaiting code. Newer than the snapshot.
   */
  #earlyEvents: ServerEventMessage[] = [];

  /** @internal Created by `AVContext.enterRoom`. */
  constructor(host: RoomHost, params: ResolvedEnterParams) {
    super(host.onListenerError);
    this.#host = host;
    this.#params = { ...params };
    this.#authBits = params.authBits;
    this.#role = params.controlRole;
    this.#views = new OperationGuard('views', host.lang);
    const media = host.media;
    this.#publisher = media
      ? new RoomPublisher({
          lang: host.lang,
          log: host.log,
          roomId: params.roomId,
          local: media.local,
          request: this.#request,
          webrtc: () => media.webrtc(),
          simulcast: media.simulcast,
          authBits: () => this.#authBits,
        })
      : null;
  }

  get roomId(): number {
    return this.#params.roomId;
  }
  get roomType(): RoomType {
    return this.#params.roomType;
  }
  get videoRecvMode(): VideoRecvMode {
    return this.#params.videoRecvMode;
  }
  /** Our effective auth bits (what the server granted, not only what was asked). */
  get authBits(): number {
    return this.#authBits;
  }
  get role(): string {
    return this.#role;
  }
  /** What our role sends at (API.md section 7), as the server told us; `{}`: no role, or one without settings. */
  get roleSettings(): RoleSettings {
    return structuredClone(this.#roleSettings);
  }
  get state(): AVRoomState {
    return this.#state;
  }
  /** The other members by identifier (self excluded). */
  get endpoints(): ReadonlyMap<string, AVEndpoint> {
    return this.#members.endpoints;
  }
  /**
   * Everyone in the room, self included: also the members not in `endpoints` (in a large room the
   * audience is not announced; API.md section 3). 0 unless entered.
   */
  get memberCount(): number {
    return this.#memberCount;
  }
  /** The views being received, in the order last requested. */
  get views(): AVView[] {
    return this.#media?.views ?? [];
  }

  /** Leaves the room. 1002 while it is entering (the enter goes on; AVSDK: exit during enter is exclusive), 1003 when already exited. */
  exit(): Promise<void> {
    return publicCall('exit', this.#host, async () => {
      if (this.#state === 'exited')
        throw avError(ErrorCode.AV_ERR_HAS_IN_THE_STATE, 'ALREADY_IN_STATE', `room ${this.roomId} is already exited`, this.#host.lang);
      return this._exit();
    });
  }

  /** Sends `data` to the room, or with `{to}` to one member (then resolves when its client acknowledged). */
  sendMessage(data: string | Uint8Array, options?: SendMessageOptions): Promise<void> {
    return publicCall('sendMessage', this.#host, async () => {
      this.#requireEntered('sendMessage');
      const m = validate.message(data, options, this.#host.lang, this.#host.requestTimeoutMs);
      const { timeoutMs, ...params } = m;
      await this.#host.engine.request('room.message', params, { timeoutMs, op: 'sendMessage' });
    });
  }

  /** Changes our auth bits (co-host up/down); emits `privilegeChanged` on success. */
  changeAuthority(authBits: number, privilegeKey?: string): Promise<void> {
    return publicCall('changeAuthority', this.#host, async () => {
      this.#requireEntered('changeAuthority');
      const params = validate.authority(authBits, privilegeKey, this.#host.lang);
      await this.#host.guard.run('changeAuthority', async () => {
        const res = await this.#host.engine.request('room.changeAuthority', params, {
          timeoutMs: this.#host.requestTimeoutMs,
          op: 'changeAuthority',
          retry: true,
        });
        if (this.#state !== 'entered') return;
        this.#setAuthBits(res.authBits);
      });
    });
  }

  /**
   * Takes another role (AVSDK ChangeAVControlRole): the camera goes on at its video size, rate and
   * bitrate, the microphone at its audio bitrate; resolves once that is applied. A role's bound
   * may cut our auth bits (`privilegeChanged`); it never adds any (changeAuthority does). 10002
   * UNKNOWN_ROLE for a role the server does not configure.
   */
  changeRole(role: string): Promise<void> {
    return publicCall('changeRole', this.#host, async () => {
      this.#requireEntered('changeRole');
      const name = validate.role(role, this.#host.lang);
      await this.#host.guard.run('changeRole', async () => {
        const res = await this.#host.engine.request(
          'room.changeRole',
          { role: name },
          { timeoutMs: this.#host.requestTimeoutMs, op: 'changeRole', retry: true },
        );
        if (this.#state !== 'entered') return;
        this.#role = res.role;
        if (res.authBits !== this.#authBits) this.#setAuthBits(res.authBits);
        await this.#setRoleSettings(res.roleSettings);
      });
    });
  }

  /**
   * AVSDK GetQualityParam, measured from the live connections (API.md section 7): round trip, loss
   * up and down, and per stream size, frame rate, bitrate and loss. Rates cover the time since the
   * previous call (at least a second: a first call takes one).
   */
  getQualityStats(): Promise<QualityStats> {
    return publicCall('getQualityStats', this.#host, async () => {
      this.#requireEntered('getQualityStats');
      return this.#quality.measure(async () => [
        ...((await this.#publisher?.qualityInputs()) ?? []),
        ...(this.#media ? [await this.#media.qualityInput()] : []),
      ]);
    });
  }

  /** Views exactly `list` (members not listed stop being viewed). */
  requestViewList(list: ViewRequest[]): Promise<AVView[]> {
    return publicCall('requestViewList', this.#host, async () => {
      this.#requireEntered('requestViewList');
      const views = validate.viewList(list, this.#host.lang);
      return this.#views.run('requestViewList', async () => {
        const { lang } = this.#host;
        if (views.length === 0) {
          if (this.views.length === 0)
            throw avError(ErrorCode.AV_ERR_HAS_IN_THE_STATE, 'ALREADY_IN_STATE', 'the list is empty and nothing is viewed', lang);
        }
        for (const v of views) {
          if (v.srcType === 'media')
            throw avError(
              ErrorCode.AV_ERR_NOT_IMPLEMENTED,
              'MEDIA_SOURCE_NOT_IMPLEMENTED',
              `srcType 'media' (${v.identifier}) is not implemented`,
              lang,
            );
          const ep = this.#members.endpoints.get(v.identifier);
          if (!ep)
            throw avError(ErrorCode.AV_ERR_ENDPOINT_NOT_EXIST, 'ENDPOINT_NOT_FOUND', `${v.identifier} is not in room ${this.roomId}`, lang, {
              identifier: v.identifier,
            });
          const sends = v.srcType === 'camera' ? ep.hasCameraVideo : ep.hasScreenVideo;
          if (!sends)
            throw avError(ErrorCode.AV_ERR_ENDPOINT_HAS_NOT_VIDEO, 'NO_VIDEO', `${v.identifier} sends no ${v.srcType} video`, lang, {
              identifier: v.identifier,
              srcType: v.srcType,
            });
        }
        if (!this.#media) throw noWebRtc(lang);
        return this.#media.setViews(views as ViewSpec[]);
      });
    });
  }

  /** Stops viewing everyone. 1003 when nothing is viewed. */
  cancelAllView(): Promise<void> {
    return publicCall('cancelAllView', this.#host, async () => {
      this.#requireEntered('cancelAllView');
      await this.#views.run(
        'cancelAllView',
        async () => {
          await this.#media?.cancelAll();
        },
        { holds: this.views.length === 0 && 'nothing is viewed' },
      );
    });
  }

  /** @internal The enter flow, run by the context under its room guard. */
  async _enter(): Promise<void> {
    const { timeoutMs, videoRecvMode, ...wire } = this.#params;
    this.#host.log.info({ roomId: this.roomId, roomType: this.roomType, authBits: this.#params.authBits }, 'entering room');
    try {
      const hooks = this.#host.media;
      // Without media nothing is awaited: the enter goes out in this turn.
      const receive = hooks && (this.#params.authBits & RECV_ANY) !== 0 ? await this.#openReceivingWithEnter(hooks) : false;
      const snap = await this.#host.engine.enterRoom({ ...wire, receive }, timeoutMs);
      // Lost between the server's answer and this line (e.g. the session ended): the enter fails with why.
      if (this.#lostWhileEntering) throw this.#lostWhileEntering;
      this.#authBits = snap.authBits;
      this.#role = snap.role;
      void this.#setRoleSettings(snap.roleSettings ?? {});
      this.#members.load(snap.members);
      this.#memberCount = memberCountOf(snap);
      this.#countChanged.known(this.#memberCount);
      this.#setState('entered');
      const early = this.#earlyEvents.splice(0);
      for (const msg of early) this._onServerEvent(msg);
      this.#startMedia(receive);
      if (videoRecvMode === 'semi-auto') this.#semiAuto();
    } catch (err) {
      this.#earlyEvents.length = 0;
      if (this.#state === 'entering') this.#finish();
      throw err;
    }
  }

  /** @internal The exit flow (room.exit and ctx.exitRoom), under the context's room guard: 1002 while entering or changing authority. */
  _exit(): Promise<void> {
    return this.#host.guard.run('exitRoom', async () => {
      this.#setState('exiting');
      await this.#host.engine.exitRoom(this.#host.requestTimeoutMs);
      this.#finish();
    });
  }

  /** @internal A room-scoped server event. */
  _onServerEvent(msg: ServerEventMessage): void {
    if (this.#state === 'entering') {
      // The receive connection asked for with the enter is offered just before the answer: applied
      // now, Chromium works on it while the answer is taken in (it concerns no room state).
      if (msg.event === 'media.subscriberOffer' && this.#media) return this.#media.subscriberOffer(msg.data);
      // Only the frames read together with the answer can land here; the cap is a guard, not a limit users meet.
      if (this.#earlyEvents.length < MAX_EARLY_EVENTS) this.#earlyEvents.push(msg);
      return;
    }
    if (this.#state !== 'entered') return;
    switch (msg.event) {
      case 'room.endpoints':
        this.#onEndpoints(msg.data.event as EndpointEvent, msg.data.members);
        break;
      case 'room.memberCount':
        this.#setMemberCount(msg.data.count);
        break;
      case 'room.privilege':
        // During changeAuthority or changeRole its own result reports the change, once.
        if (this.#host.guard.current === 'changeAuthority' || this.#host.guard.current === 'changeRole' || msg.data.authBits === this.#authBits)
          return;
        this.#setAuthBits(msg.data.authBits);
        break;
      case 'media.publicationEnded':
        this.#publisher?.publicationEnded(
          msg.data.source,
          msg.data.publicationId,
          toAVError(fromWire(msg.data.error, this.#host.lang), this.#host.lang),
        );
        break;
      case 'media.subscriberOffer':
        this.#media?.subscriberOffer(msg.data);
        break;
      case 'media.subscriptionEnded':
        this.#media?.subscriptionEnded(msg.data.subscriptionId, toAVError(fromWire(msg.data.error, this.#host.lang), this.#host.lang));
        break;
      case 'room.message': {
        let data: string | Uint8Array = msg.data.data;
        if (msg.data.binary) {
          try {
            data = base64ToBytes(msg.data.data);
          } catch {
            this.#host.log.warn({ from: msg.data.from }, 'dropped a binary message that is not base64');
            return;
          }
        }
        this.emit('message', msg.data.from, data);
        break;
      }
      default:
        break;
    }
  }

  /** @internal After a reconnect: what changed while we were away, as endpoint events. */
  _restore(snap: RoomSnapshot): void {
    if (this.#state !== 'entered') return;
    const changes = this.#members.restore(snap);
    this.#role = snap.role;
    void this.#setRoleSettings(snap.roleSettings ?? {});
    this.#host.log.info({ roomId: this.roomId, members: snap.members.length, changes: changes.length }, 'room restored');
    for (const [event, ids] of changes) this.emit('endpointsUpdate', event, ids);
    for (const [event, ids] of changes) this.#mediaOnEndpoints(event, ids);
    this.#setMemberCount(memberCountOf(snap));
    if (snap.authBits !== this.#authBits) this.#setAuthBits(snap.authBits);
    // Transports did not survive the outage: receive and publish afresh.
    this.#media?.restore();
    this.#publisher?.restore();
  }

  /** @internal The room is gone (session ended, removed, re-enter failed). */
  _disconnect(reason: AVError): void {
    if (this.#state === 'exited') return;
    const wasEntered = this.#state === 'entered';
    if (!wasEntered) this.#lostWhileEntering = reason;
    this.#finish();
    // An enter still running reports the reason through its own rejection instead.
    if (wasEntered) this.emit('disconnected', reason);
  }

  #onEndpoints(event: EndpointEvent, members: ServerEventData<'room.endpoints'>['members']): void {
    const ids = this.#members.apply(event, members);
    if (ids.length > 0) {
      this.emit('endpointsUpdate', event, ids);
      this.#mediaOnEndpoints(event, ids);
    }
  }

  /** Views of a source that stopped end; audio follows who sends it. */
  #mediaOnEndpoints(event: EndpointEvent, ids: string[]): void {
    const media = this.#media;
    if (!media) return;
    for (const id of ids) {
      if (event === EndpointEvent.NO_CAMERA_VIDEO) media.dropViews(id, 'camera');
      else if (event === EndpointEvent.NO_SCREEN_VIDEO) media.dropViews(id, 'screen');
      else if (event === EndpointEvent.EXIT) media.dropViews(id);
    }
    media.syncAudio(ids);
  }

  /** The getter follows at once; the event is paced (the server paces its counts too, but the network may bunch them). */
  #setMemberCount(count: number): void {
    this.#memberCount = count;
    this.#countChanged.set(count);
  }

  #setAuthBits(bits: number): void {
    this.#authBits = bits;
    this.emit('privilegeChanged', bits);
    this.#media?.syncAudio();
    this.#publisher?.authChanged();
  }

  #setRoleSettings(settings: RoleSettings): Promise<void> {
    this.#roleSettings = structuredClone(settings);
    return this.#publisher?.setRole(settings) ?? Promise.resolve();
  }

  #request: MediaRequest = (method, params) => this.#host.engine.request(method, params, { timeoutMs: this.#host.requestTimeoutMs, op: method });

  /**
   * Before the enter is sent: when we can receive (WebRTC at hand, a RECV bit asked for), the enter
   * itself asks for the receive connection (`receive`), so that its first offer follows the answer,
   * and our peer connection is made while the answer is on its way. True when it does (called
   * when a RECV bit is asked for).
   */
  async #openReceivingWithEnter(hooks: RoomMediaHooks): Promise<boolean> {
    if (!(await hooks.webrtc())) return false;
    this.#media = this.#newRoomMedia(hooks);
    this.#media.open({ byEnter: true });
    return true;
  }

  /** Entered: receive audio, and publish the devices that are on. */
  #startMedia(openedByEnter: boolean): void {
    const hooks = this.#host.media;
    if (!hooks) return;
    this.#media ??= this.#newRoomMedia(hooks);
    if (!openedByEnter) this.#media.open();
    this.#media.syncAudio();
    this.#publisher?.start();
  }

  #newRoomMedia(hooks: RoomMediaHooks): RoomMedia {
    return new RoomMedia({
      lang: this.#host.lang,
      log: this.#host.log,
      request: this.#request,
      webrtc: () => hooks.webrtc(),
      sparePeer: () => hooks.sparePeer(),
      playAudio: (track) => hooks.local.audio.play(track),
      authBits: () => this.#authBits,
      endpoints: () => this.#members.endpoints,
      viewEnded: (view, reason) => this.emit('viewEnded', view, reason),
      viewTrackChanged: (view) => this.emit('viewTrackChanged', view),
    });
  }

  /** videoRecvMode 'semi-auto': view (big) the cameras already on at entry, then tell the app which. */
  #semiAuto(): void {
    const ids = [...this.#members.endpoints.values()].filter((e) => e.hasCameraVideo).map((e) => e.identifier);
    if (ids.length === 0 || !this.#media) return;
    const list: ViewSpec[] = ids.map((identifier) => ({ identifier, srcType: 'camera', size: 'big' }));
    this.#views
      .run('requestViewList', async () => this.#media?.setViews(list))
      .then(
        () => {
          if (this.#state === 'entered') this.emit('semiAutoRecvCameraVideo', ids);
        },
        (err: unknown) => this.#host.log.warn({ op: 'semiAutoRecvCameraVideo', ...errorFields(toAVError(err, this.#host.lang)) }, 'operation failed'),
      );
  }

  #requireEntered(op: string): void {
    if (this.#state !== 'entered') {
      throw avError(
        ErrorCode.AV_ERR_ROOM_NOT_EXIST,
        'ROOM_NOT_ENTERED',
        `${op} needs an entered room; room ${this.roomId} is ${this.#state}`,
        this.#host.lang,
      );
    }
  }

  /** Exited for good: no members, no views, and the context forgets us. */
  #finish(): void {
    if (this.#state === 'exited') return;
    this.#setState('exited');
    this.#countChanged.close();
    this.#memberCount = 0;
    this.#media?.close();
    this.#media = null;
    this.#publisher?.close();
    this.#members.clear();
    this.#host.released(this);
  }

  #setState(state: AVRoomState): void {
    if (state === this.#state) return;
    this.#host.log.info({ roomId: this.roomId, from: this.#state, to: state }, 'room state');
    this.#state = state;
  }
}

/** A snapshot without the count (a server before large rooms) lists everyone. */
function memberCountOf(snap: RoomSnapshot): number {
  return snap.memberCount ?? snap.members.length + 1;
}
