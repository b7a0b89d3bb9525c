import { ErrorCode, type AVError, type Lang, type ParamsOf, type ResultOf, type RoomSnapshot } from '@hudong/protocol';
import { fromWire, isConnectionLost, timeoutError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { deferred, type Deferred } from '../util/timers.js';
import type { SignalClient } from '../signal/SignalClient.js';

/** How often a re-enter that found no room (its creator not back yet) is tried again. */
const ROOM_RETRY_MS = 300;

export type EnterParams = ParamsOf<'room.enter'>;
type LoginResult = ResultOf<'login'>;

/** One wish to be in a room, from `enter` until exit, removal or session end. */
interface RoomIntent {
  params: EnterParams;
  /** 'pending' until the first snapshot arrives (the enter is still running). */
  phase: 'pending' | 'entered';
  /** The enter's outcome for whoever called `enter`. */
  result: Deferred<RoomSnapshot>;
  /** The last room.enter sent for this intent, to learn the answer when it was abandoned. */
  request: Promise<RoomSnapshot> | null;
}

export interface MembershipDeps {
  lang: Lang;
  logger: Logger;
  /** The live connection, or null while (re)connecting. */
  connected(): SignalClient | null;
  /** Resolves with the live connection once there is one; rejects on timeout or session end. */
  whenConnected(timeoutMs: number, onTimeout: () => AVError): Promise<SignalClient>;
  /** room.exit on whatever connection is live, waiting through reconnects. */
  sendExit(timeoutMs: number): Promise<void>;
  /** After a reconnect the room continues: the model diffs this snapshot against what it knows. */
  restored(snapshot: RoomSnapshot): void;
  /** The room could not be kept (re-enter failed, or the server removed us). */
  lost(err: AVError): void;
}

/** How long a room.enter may stay unanswered on the wire (the caller's own timeout is shorter or equal). */
const ENTER_WIRE_SLACK_MS = 5000;

/**
 * The engine's memory of which room we should be in, so that a reconnect can resume it or enter it
 * again. The model (AVRoom) decides *whether* to enter or exit; this decides *how* across reconnects.
 */
export class RoomMembership {
  #deps: MembershipDeps;
  #intent: RoomIntent | null = null;
  /** Cleanup of abandoned enters runs before the next enter, keeping room.exit/room.enter in order. */
  #cleanup: Promise<void> = Promise.resolve();
  /** Exits waiting to be sent: a reconnect then leaves the room to them instead of exiting twice. */
  #exitsPending = 0;

  constructor(deps: MembershipDeps) {
    this.#deps = deps;
  }

  /** Enters (or waits for the reconnect to enter); rejects 1005 after `timeoutMs`. */
  async enter(params: EnterParams, timeoutMs: number): Promise<RoomSnapshot> {
    const intent: RoomIntent = { params: { ...params }, phase: 'pending', result: deferred(), request: null };
    this.#intent = intent;
    const deadline = Date.now() + timeoutMs;
    const onTimeout = () => timeoutError('enterRoom', timeoutMs, this.#deps.lang);
    const timer = setTimeout(() => this.#abandon(intent, onTimeout()), timeoutMs);
    // Sent only after the cleanup of an earlier abandoned enter, so the server sees room.exit
    // before room.enter.
    void this.#cleanup
      .then(() => this.#deps.whenConnected(deadline - Date.now(), onTimeout))
      .then(
        (signal) => {
          // A reconnect may already have sent it (the intent existed before the drop).
          if (this.#intent === intent && !intent.request) this.#send(intent, signal, timeoutMs);
        },
        (err) => this.#fail(intent, err),
      );
    try {
      return await intent.result.promise;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Leaves the room entered. An enter still running is not touched: the model refuses exits while
   * entering (AVSDK 1002) and only the enter's own timeout abandons it.
   * Never rejects: the local exit always succeeds; a server that did not confirm is logged.
   */
  async exit(timeoutMs: number): Promise<void> {
    const intent = this.#intent;
    if (!intent || intent.phase === 'pending') return;
    this.#intent = null;
    if (!this.#deps.connected()) {
      // No connection: do not make the caller wait for one. If the reconnect resumes the session
      // still in this room, `restore` leaves it (the intent is gone); if not, the server's grace did.
      this.#deps.logger.info({ roomId: intent.params.roomId }, 'left the room while disconnected; the server is told on reconnect');
      return;
    }
    this.#exitsPending++;
    try {
      await this.#deps.sendExit(timeoutMs);
    } finally {
      this.#exitsPending--;
    }
  }

  /**
   * After a fresh login on a new connection: resume the room from the snapshot, or enter it again
   * with the original params. Throws CONNECTION_LOST when this connection drops too (the engine retries).
   */
  async restore(login: LoginResult, signal: SignalClient, timeoutMs: number): Promise<void> {
    const intent = this.#intent;
    const snap = login.room;
    const wanted = intent && intent.request ? intent : null; // an enter never sent is sent by its own caller
    if (wanted && login.resumed && snap && snap.roomId === wanted.params.roomId) {
      this.#settle(wanted, snap);
      return;
    }
    // The server took us out while we were away (kicked, dismissed): that ends the room, as room.removed does.
    if (wanted && login.removed && login.removed.roomId === wanted.params.roomId) {
      this.#fail(wanted, fromWire(login.removed.error, this.#deps.lang));
      return;
    }
    if (snap && this.#exitsPending === 0) {
      // The server kept us in a room nobody wants any more (left or cancelled during the outage).
      await signal.request('room.exit', {}, timeoutMs).catch((err) => {
        if (isConnectionLost(err)) throw err;
      });
    }
    if (!wanted) return;
    this.#deps.logger.info({ roomId: wanted.params.roomId, resumed: login.resumed }, 'entering the room again after reconnect');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // The room's receive connection is rebuilt by the model afterwards (media.subscriberReset, then open).
      const request = signal.request('room.enter', { ...wanted.params, receive: false }, Math.max(1, deadline - Date.now()));
      wanted.request = request;
      try {
        this.#settle(wanted, await request);
        return;
      } catch (err) {
        if (isConnectionLost(err)) throw err;
        // After a server restart the room only exists again once a member allowed to create it is
        // back: someone who joined with createRoom false waits for that instead of giving up at once.
        const waitForCreator = (err as AVError).code === ErrorCode.AV_ERR_SERVER_ROOM_NOT_EXIST && !wanted.params.createRoom;
        if (!waitForCreator || Date.now() + ROOM_RETRY_MS >= deadline || signal.closed) {
          this.#fail(wanted, err as AVError);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, ROOM_RETRY_MS));
      }
    }
  }

  /** Server event room.removed: we are out of `roomId`. */
  removed(roomId: number, err: AVError): void {
    const intent = this.#intent;
    if (intent && intent.params.roomId === roomId) this.#fail(intent, err);
  }

  /** The session is over: whatever enter is running fails with `err`; nothing is restored any more. */
  clear(err: AVError): void {
    const intent = this.#intent;
    this.#intent = null;
    if (intent?.phase === 'pending') intent.result.reject(err);
  }

  #send(intent: RoomIntent, signal: SignalClient, timeoutMs: number): void {
    const request = signal.request('room.enter', intent.params, timeoutMs + ENTER_WIRE_SLACK_MS);
    intent.request = request;
    request.then(
      (snap) => this.#settle(intent, snap),
      (err) => {
        // On a lost connection the reconnect enters again (the intent stays); other errors are final.
        if (!isConnectionLost(err) && intent.request === request) this.#fail(intent, err);
      },
    );
  }

  #settle(intent: RoomIntent, snap: RoomSnapshot): void {
    // Abandoned (timed out): the cleanup queued by the timeout leaves the room again.
    if (this.#intent !== intent) return;
    if (intent.phase === 'pending') {
      intent.phase = 'entered';
      intent.result.resolve(snap);
    } else {
      this.#deps.restored(snap);
    }
  }

  #fail(intent: RoomIntent, err: AVError): void {
    if (this.#intent !== intent) return;
    this.#intent = null;
    if (intent.phase === 'pending') intent.result.reject(err);
    else this.#deps.lost(err);
  }

  /** Timed out: the caller gets `err`; an enter already sent is undone once it is answered. */
  #abandon(intent: RoomIntent, err: AVError): void {
    if (this.#intent !== intent) return;
    this.#intent = null;
    intent.result.reject(err);
    const sent = intent.request;
    if (sent)
      this.#cleanup = this.#cleanup.then(() =>
        sent.then(
          () => this.#deps.sendExit(ENTER_WIRE_SLACK_MS),
          () => {},
        ),
      );
  }
}
