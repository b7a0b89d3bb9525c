import { ErrorCode, type AVError, type Lang } from '@hudong/protocol';
import { TypedEmitter } from './util/TypedEmitter.js';
import { avError, errorFields, toAVError } from './util/errors.js';
import { isLogger, withBindings, type Logger } from './util/logger.js';
import { assertMainThread } from './util/main-thread.js';
import { publicCall } from './util/public-call.js';
import { OperationGuard } from './OperationGuard.js';
import { AVRoom, type RoomHost, type RoomOp } from './AVRoom.js';
import { SessionEngine, type ConnectionState } from './engine/SessionEngine.js';
import type { ServerEventMessage } from './signal/SignalClient.js';
import * as validate from './validate.js';
import {
  DEFAULTS,
  type AcceptedInvitation,
  type AVContextOptions,
  type EnterRoomParams,
  type Invitation,
  type InviteOptions,
  type StartParams,
} from './options.js';
import { ContextRequests } from './ContextRequests.js';
import { AVDeviceManager } from './AVDeviceManager.js';
import { AVDeviceTest } from './AVDeviceTest.js';
import { LocalMedia } from './devices/LocalMedia.js';
import { loadWebRtc, type WebRtc } from './engine/media/webrtc.js';
import { SparePeer } from './engine/media/SparePeer.js';

export type AVContextState = 'stopped' | 'starting' | 'started' | 'stopping' | 'destroyed';
type ContextOp = 'start' | 'stop' | 'destroy';

export type AVContextEvents = {
  /** Someone invites us into a room; answer with acceptInvite/refuseInvite. */
  invited: [invitation: Invitation];
  /** An invitation addressed to us was withdrawn or expired before we answered. */
  inviteCancelled: [id: string, reason: AVError];
  /**
   * The session ended without `stop()`: replaced by another login (10008 SESSION_REPLACED), the
   * server unreachable for `reconnectTimeoutMs` (1005 RECONNECT_TIMEOUT) or login refused on
   * reconnect. The context is 'stopped' (the room, if any, emitted `disconnected` first).
   */
  disconnected: [reason: AVError];
  /** The connection to the server: 'connecting' | 'connected' | 'reconnecting' | 'closed'. */
  connectionStateChanged: [state: ConnectionState];
};

/**
 * The SDK's root object (AVSDK AVContext): one login to one server, at most one room at a time.
 * Every method rejects with an AVError; see API.md §3 for the error of each situation.
 */
export class AVContext extends TypedEmitter<AVContextEvents> {
  #opts: validate.ResolvedContextOptions;
  #lang: Lang;
  #log: Logger;
  #state: AVContextState = 'stopped';
  #engine: SessionEngine | null = null;
  #identifier: string | null = null;
  #tinyId: string | null = null;
  #room: AVRoom | null = null;
  #guard: OperationGuard<ContextOp>;
  #roomGuard: OperationGuard<RoomOp>;
  #requests: ContextRequests;
  #local: LocalMedia;
  #devices: AVDeviceManager;
  #deviceTest: AVDeviceTest;
  #webrtc: Promise<WebRtc | null> | null = null;
  #sparePeer = new SparePeer();

  /** Creates a context (state 'stopped'). Throws 1004 for bad options, 1007 off the main thread. */
  static create(options: AVContextOptions): AVContext {
    const lang = (options as { lang?: unknown } | null)?.lang === 'zh' ? 'zh' : DEFAULTS.lang;
    try {
      assertMainThread('AVContext.create', lang);
      return new AVContext(validate.contextOptions(options));
    } catch (err) {
      const e = toAVError(err, lang);
      const logger = (options as { logger?: unknown } | null)?.logger;
      if (isLogger(logger)) withBindings(logger, () => ({})).warn({ op: 'create', ...errorFields(e) }, 'operation failed');
      throw e;
    }
  }

  private constructor(opts: validate.ResolvedContextOptions) {
    const onListenerError = (err: unknown, event: string) => this.#log.error({ event, err }, 'an event listener threw');
    super(onListenerError);
    this.#opts = opts;
    this.#lang = opts.lang;
    this.#log = withBindings(opts.logger, () => ({
      identifier: this.#identifier ?? undefined,
      tinyId: this.#tinyId ?? undefined,
      roomId: this.#room?.roomId,
    }));
    this.#guard = new OperationGuard('context', opts.lang);
    this.#roomGuard = new OperationGuard('room', opts.lang);
    const onDeviceListenerError = (err: unknown, event: string) => this.#log.error({ event, err }, 'a device event listener threw');
    this.#local = new LocalMedia({
      lang: opts.lang,
      log: this.#log,
      webrtc: () => this.#loadWebRtc(),
      onListenerError: (err, event) => this.#log.error({ event, err }, 'an internal listener threw'),
    });
    this.#devices = new AVDeviceManager({ lang: opts.lang, log: this.#log, local: this.#local, onListenerError: onDeviceListenerError });
    this.#deviceTest = new AVDeviceTest({
      lang: opts.lang,
      log: this.#log,
      backend: () => this.#local.backend(),
      onListenerError: onDeviceListenerError,
    });
    this.#requests = new ContextRequests({
      lang: opts.lang,
      requestTimeoutMs: opts.requestTimeoutMs,
      engine: () => this.#engine!,
      self: () => ({ identifier: this.#identifier!, tinyId: this.#tinyId! }),
    });
  }

  /** 'stopped' | 'starting' | 'started' | 'stopping' | 'destroyed'. */
  get state(): AVContextState {
    return this.#state;
  }
  /** Our tinyId (uint64 as a decimal string) once started, else null. */
  get tinyId(): string | null {
    return this.#tinyId;
  }
  /** The identifier we started as, else null. */
  get identifier(): string | null {
    return this.#identifier;
  }
  /** The current room (already while entering), or null. */
  get room(): AVRoom | null {
    return this.#room;
  }
  /** The connection to the server ('idle' before the first start). */
  get connectionState(): ConnectionState {
    return this.#engine?.state ?? (this.#state === 'started' ? 'connected' : 'idle');
  }
  /** The WebRTC implementation given to `create` (kept for media). */
  get webrtc(): unknown {
    return this.#opts.webrtc;
  }
  /** Devices: list, enable/disable (published while in a room with the SEND bit; refused 10003 in a room without it), local tracks. Usable before `start`. */
  get devices(): AVDeviceManager {
    return this.#devices;
  }
  /** The device test (preview devices without publishing). */
  get deviceTest(): AVDeviceTest {
    return this.#deviceTest;
  }

  /** Logs in as `identifier` (and learns our tinyId). 1003 when started; 1 when the server cannot be reached. */
  start(params: StartParams): Promise<void> {
    return this.#call('start', async () => {
      this.#requireAlive();
      const p = validate.startParams(params, this.#lang);
      await this.#guard.run(
        'start',
        async () => {
          this.#setState('starting');
          const engine = this.#newEngine();
          // Entering a room asks whether we can receive media: find out while logging in, and make
          // the first room's receive peer meanwhile (SparePeer), once the login is on its way.
          void this.#loadWebRtc().then((rtc) => {
            if (this.#state === 'starting') this.#sparePeer.make(rtc);
          });
          try {
            const login = await engine.start({ identifier: p.identifier, userSig: p.userSig }, p.timeoutMs);
            this.#identifier = p.identifier;
            this.#tinyId = login.tinyId;
            this.#setState('started');
          } catch (err) {
            this.#sparePeer.close();
            if (this.#engine === engine) this.#engine = null;
            await engine.stop(0);
            this.#setState('stopped');
            throw err;
          }
        },
        { holds: this.#state === 'started' && `already started as ${this.#identifier}` },
      );
    });
  }

  /** Logs out and closes the devices. 1202 while a room is not exited; 1602 while the device test runs; 1003 when stopped. */
  stop(): Promise<void> {
    return this.#call('stop', async () => {
      this.#requireAlive();
      if (this.#room && this.#room.state !== 'exited') {
        throw avError(
          ErrorCode.AV_ERR_ROOM_NOT_EXITED,
          'ROOM_NOT_EXITED',
          `room ${this.#room.roomId} is ${this.#room.state}; exit it before stopping`,
          this.#lang,
        );
      }
      this.#requireNoDeviceTest('stop');
      await this.#guard.run(
        'stop',
        async () => {
          this.#setState('stopping');
          this.#sparePeer.close();
          await this.#local.closeAll();
          const engine = this.#engine;
          this.#engine = null;
          await engine?.stop(DEFAULTS.stopTimeoutMs);
          this.#identifier = this.#tinyId = null;
          this.#setState('stopped');
        },
        { holds: this.#state === 'stopped' && 'the context is already stopped' },
      );
    });
  }

  /** Releases the context for good (listeners too). 1102 unless stopped; 1003 when destroyed. */
  destroy(): Promise<void> {
    return this.#call('destroy', async () => {
      await this.#guard.run(
        'destroy',
        async () => {
          if (this.#state !== 'stopped') {
            throw avError(
              ErrorCode.AV_ERR_CONTEXT_NOT_STOPPED,
              'CONTEXT_NOT_STOPPED',
              `the context is ${this.#state}; stop it before destroying`,
              this.#lang,
            );
          }
          await this.#local.closeAll();
          this.#setState('destroyed');
          this.removeAllListeners();
        },
        { holds: this.#state === 'destroyed' && 'the context is already destroyed' },
      );
    });
  }

  /**
   * Enters a room; resolves with it once entered (`ctx.room` holds it already while entering).
   * 1202 while in another room, 1003 when already in this one, 1005 after `timeoutMs`.
   */
  enterRoom(params: EnterRoomParams): Promise<AVRoom> {
    return this.#call('enterRoom', async () => {
      this.#requireStarted('enterRoom');
      const p = validate.enterParams(params, this.#lang);
      this.#requireNoDeviceTest('enterRoom');
      const current = this.#room;
      if (current && current.roomId !== p.roomId && (current.state === 'entering' || current.state === 'entered')) {
        throw avError(
          ErrorCode.AV_ERR_ROOM_NOT_EXITED,
          'IN_ANOTHER_ROOM',
          `already in room ${current.roomId} (${current.state}); one room at a time`,
          this.#lang,
        );
      }
      return this.#roomGuard.run(
        'enterRoom',
        async () => {
          const room = new AVRoom(this.#roomHost(), p);
          this.#room = room;
          await room._enter();
          return room;
        },
        { holds: current?.state === 'entered' && current.roomId === p.roomId && `already in room ${p.roomId}` },
      );
    });
  }

  /**
   * = `ctx.room.exit()`. 1002 while the room is entering: the enter goes on and completes (AVSDK:
   * exiting during entering is an exclusive operation; only the enter's own `timeoutMs` abandons it).
   * 1003 without a room.
   */
  exitRoom(): Promise<void> {
    return this.#call('exitRoom', async () => {
      this.#requireStarted('exitRoom');
      const room = this.#room;
      if (!room || room.state === 'exited') throw avError(ErrorCode.AV_ERR_HAS_IN_THE_STATE, 'ALREADY_IN_STATE', 'not in a room', this.#lang);
      await room._exit();
    });
  }

  /**
   * Invites `to` into `roomId`: the room this context is in, or one not made yet (a call: invite, then
   * both enter); resolves when accepted. 1801 when refused or failed (detail `INVITER_NOT_IN_ROOM` when
   * the room exists and this context is not in it).
   */
  invite(to: string, options: InviteOptions): Promise<AcceptedInvitation> {
    return this.#call('invite', async () => {
      this.#requireStarted('invite');
      return this.#requests.invite(to, options);
    });
  }

  /** Accepts invitation `id`; resolves with who invited us into which room. 1802 on failure. */
  acceptInvite(id: string): Promise<{ id: string; from: string; roomId: number }> {
    return this.#call('acceptInvite', async () => {
      this.#requireStarted('acceptInvite');
      return this.#requests.accept(id);
    });
  }

  /** Refuses invitation `id`. 1803 on failure. */
  refuseInvite(id: string): Promise<void> {
    return this.#call('refuseInvite', async () => {
      this.#requireStarted('refuseInvite');
      return this.#requests.refuse(id);
    });
  }

  /** identifier → tinyId. 1502 when unknown (`UNKNOWN_IDENTIFIER`) or the lookup failed. */
  tinyIdOf(identifier: string): Promise<string> {
    return this.#call('tinyIdOf', async () => {
      this.#requireStarted('tinyIdOf');
      return this.#requests.tinyIdOf(identifier);
    });
  }

  /** tinyId → identifier. 1501 when unknown (`UNKNOWN_TINYID`) or the lookup failed. */
  identifierOf(tinyId: string): Promise<string> {
    return this.#call('identifierOf', async () => {
      this.#requireStarted('identifierOf');
      return this.#requests.identifierOf(tinyId);
    });
  }

  #call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    return publicCall(op, { lang: this.#lang, log: this.#log }, fn);
  }

  #requireAlive(): void {
    if (this.#state === 'destroyed')
      throw avError(ErrorCode.AV_ERR_CONTEXT_NOT_EXIST, 'CONTEXT_DESTROYED', 'the context is destroyed; create a new one', this.#lang);
  }

  #requireStarted(op: string): void {
    if (this.#state !== 'started' || !this.#engine) {
      throw avError(ErrorCode.AV_ERR_CONTEXT_NOT_EXIST, 'CONTEXT_NOT_STARTED', `${op} needs a started context; it is ${this.#state}`, this.#lang);
    }
  }

  #requireNoDeviceTest(op: string): void {
    if (this.#deviceTest.state !== 'stopped') {
      throw avError(
        ErrorCode.AV_ERR_DEVICE_TEST_NOT_STOPPED,
        'DEVICE_TEST_RUNNING',
        `${op} is not allowed while the device test runs; stop it first`,
        this.#lang,
      );
    }
  }

  #loadWebRtc(): Promise<WebRtc | null> {
    this.#webrtc ??= loadWebRtc(this.#opts.webrtc);
    return this.#webrtc;
  }

  #roomHost(): RoomHost {
    return {
      engine: this.#engine!,
      guard: this.#roomGuard,
      lang: this.#lang,
      log: this.#log,
      requestTimeoutMs: this.#opts.requestTimeoutMs,
      onListenerError: (err, event) => this.#log.error({ event, err }, 'a room event listener threw'),
      released: (room) => {
        if (this.#room === room) this.#room = null;
      },
      media: { webrtc: () => this.#loadWebRtc(), sparePeer: () => this.#sparePeer.take(), local: this.#local, simulcast: this.#opts.simulcast },
    };
  }

  #newEngine(): SessionEngine {
    const engine = new SessionEngine({
      serverUrls: this.#opts.serverUrl,
      sdkAppId: this.#opts.sdkAppId,
      terminal: this.#opts.terminal,
      lang: this.#lang,
      logger: this.#log,
      reconnectTimeoutMs: this.#opts.reconnectTimeoutMs,
      onListenerError: (err, event) => this.#log.error({ event, err }, 'an internal listener threw'),
    });
    this.#engine = engine;
    const mine =
      <A extends unknown[]>(fn: (...args: A) => void) =>
      (...args: A) => {
        if (this.#engine === engine) fn(...args); // events of an engine we let go are stale
      };
    engine.on(
      'connectionState',
      mine((state) => this.emit('connectionStateChanged', state)),
    );
    engine.on(
      'serverEvent',
      mine((msg) => this.#onServerEvent(msg)),
    );
    engine.on(
      'roomRestored',
      mine((snap) => this.#room?._restore(snap)),
    );
    engine.on(
      'roomLost',
      mine((reason) => this.#room?._disconnect(reason)),
    );
    engine.on(
      'ended',
      mine((reason) => this.#onEnded(reason)),
    );
    return engine;
  }

  #onServerEvent(msg: ServerEventMessage): void {
    switch (msg.event) {
      case 'invite.received':
        this.emit('invited', { id: msg.data.inviteId, from: msg.data.from, roomId: msg.data.roomId, expiresAt: msg.data.expiresAt });
        break;
      case 'invite.cancelled':
        this.emit('inviteCancelled', msg.data.inviteId, toAVError(this.#requests.serverError(msg.data.error), this.#lang));
        break;
      default:
        this.#room?._onServerEvent(msg);
    }
  }

  /** The session ended under us: room first ('exited', `disconnected`), then the context. */
  #onEnded(reason: AVError): void {
    const room = this.#room;
    this.#engine = null;
    this.#setState('stopped');
    this.#log.warn({ ...errorFields(reason) }, 'disconnected');
    room?._disconnect(reason);
    this.emit('disconnected', reason);
    this.#identifier = this.#tinyId = null;
  }

  #setState(state: AVContextState): void {
    if (state === this.#state) return;
    this.#log.info({ from: this.#state, to: state }, 'context state');
    this.#state = state;
  }
}
