import { AuthBits, type AVError, type Lang, type ResultOf, type ServerEventData } from '@hudong/protocol';
import { errorFields, toAVError } from './util/errors.js';
import type { Logger } from './util/logger.js';
import { RemoteView, type ViewTarget } from './engine/media/RemoteView.js';
import { SubscriberConnection } from './engine/media/SubscriberConnection.js';
import type { MediaRequest } from './engine/media/peer.js';
import type { QualityInput, QualitySource, QualityStream } from './engine/media/quality.js';
import type { WebRtc } from './engine/media/webrtc.js';
import { noWebRtc } from './devices/backend.js';
import type { AVEndpoint } from './AVEndpoint.js';
import type { AVView } from './options.js';
import { diffViews, viewKey, type ViewSpec } from './view-diff.js';

/** @internal What a room lends its media. */
export interface RoomMediaHost {
  lang: Lang;
  log: Logger;
  request: MediaRequest;
  webrtc(): Promise<WebRtc | null>;
  /** A receive peer connection made ahead of time, if the context has one (taken: the next call has none). */
  sparePeer(): RTCPeerConnection | null;
  /** Plays a received audio track (browsers: hidden <audio>); returns its stop. */
  playAudio(track: MediaStreamTrack): () => void;
  authBits(): number;
  endpoints(): ReadonlyMap<string, AVEndpoint>;
  /** A view ended without being asked (publisher stopped, left, or its transport failed). */
  viewEnded(view: AVView, reason: AVError | null): void;
  /** A view's `track` was replaced: its connection was rebuilt after a reconnect. */
  viewTrackChanged(view: AVView): void;
}

type ServerViewStats = ResultOf<'media.viewStats'>['views'];

export const RECV_ANY = AuthBits.RECV_AUDIO | AuthBits.RECV_CAMERA_VIDEO | AuthBits.RECV_SCREEN_VIDEO;

interface ViewEntry {
  view: AVView;
  remote: RemoteView;
}

interface AudioEntry {
  remote: RemoteView | null;
  stopPlaying: (() => void) | null;
}

/**
 * The receiving side of one room: the video views of `requestViewList` and the audio received
 * automatically from every member that sends it, all on the room's one receive connection (one
 * RemoteView per view); `close` ends them all.
 */
export class RoomMedia {
  #host: RoomMediaHost;
  #views = new Map<string, ViewEntry>();
  #audio = new Map<string, AudioEntry>();
  /** subscriptionId → what it carries, for `media.subscriptionEnded`. */
  #subs = new Map<string, { view: string } | { audio: string }>();
  #connection: Promise<SubscriberConnection> | null = null;
  #closed = false;

  constructor(host: RoomMediaHost) {
    this.#host = host;
  }

  /** The views in the order they were requested. */
  get views(): AVView[] {
    return [...this.#views.values()].map((e) => e.view);
  }

  /**
   * Views exactly `list`: unsubscribes what is gone, switches layers, subscribes what is new; resolves
   * with the views in list order once every new one has its track. A failed subscribe rolls back the
   * new ones and rejects with its error unchanged.
   */
  async setViews(list: readonly ViewSpec[]): Promise<AVView[]> {
    const current: ViewSpec[] = this.views.map(({ identifier, srcType, size }) => ({ identifier, srcType, size }));
    const { add, resize, remove } = diffViews(current, list);
    const connection = add.length > 0 ? await this.#receiveConnection() : null;
    for (const r of remove) await this.#removeView(viewKey(r), true);
    for (const r of resize) {
      const entry = this.#views.get(viewKey(r));
      if (!entry) continue;
      await this.#host.request('media.setLayer', { subscriptionId: entry.remote.subscriptionId, size: r.size });
      entry.view.size = r.size;
    }
    const subscribed: string[] = [];
    const opened = await Promise.allSettled(
      add.map((a) =>
        RemoteView.open(connection!, { identifier: a.identifier, source: a.srcType, size: a.size }, this.#host.request, (id) => subscribed.push(id)),
      ),
    );
    const failed = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed || this.#closed) {
      for (const r of opened) if (r.status === 'fulfilled') r.value.close();
      if (!this.#closed) for (const id of subscribed) await this.#unsubscribe(id);
      throw failed ? failed.reason : toAVError(new Error('the room was left while views were opening'), this.#host.lang);
    }
    for (const r of opened) {
      const t = (r as PromiseFulfilledResult<RemoteView>).value;
      const key = viewKey({ identifier: t.target.identifier, srcType: t.target.source });
      const view: AVView = { identifier: t.target.identifier, srcType: t.target.source as 'camera' | 'screen', size: t.target.size, track: t.track };
      this.#views.set(key, { view, remote: t });
      this.#subs.set(t.subscriptionId, { view: key });
    }
    // Keep the map in list order, so `views` reads like the last request.
    const ordered = list.map((v) => [viewKey(v), this.#views.get(viewKey(v))!] as const);
    this.#views = new Map(ordered);
    return ordered.map(([, e]) => e.view);
  }

  /** What `getQualityStats` reads of the receive connection: its report and whose track is which. */
  async qualityInput(): Promise<QualityInput> {
    const remotes: [string, QualitySource, RemoteView][] = [];
    for (const { view, remote } of this.#views.values()) remotes.push([view.identifier, view.srcType, remote]);
    for (const [identifier, e] of this.#audio) if (e.remote) remotes.push([identifier, 'audio', e.remote]);
    const connection = this.#connection && (await this.#connection.catch(() => null));
    // Our report is taken at some moment of getStats (which may take long on a busy machine): the
    // server's counts just before and just after it, averaged, are the closest to that moment.
    const before = remotes.length > 0 ? await this.#viewStats() : null;
    const report = connection ? await connection.report() : null;
    const after = before && (await this.#viewStats());
    const streams = remotes.map(([identifier, source, remote]): QualityStream => {
      const a = before?.find((v) => v.subscriptionId === remote.subscriptionId);
      const b = after?.find((v) => v.subscriptionId === remote.subscriptionId);
      const server = a && b && { subscriptionId: a.subscriptionId, packets: (a.packets + b.packets) / 2, resent: (a.resent + b.resent) / 2 };
      return { identifier, source, trackId: remote.track.id, mid: remote.mid, ...(server && { server }) };
    });
    return { direction: 'recv', report, streams };
  }

  /** The server's counts of our views; null from a server without media.viewStats (the estimate then does without). */
  async #viewStats(): Promise<ServerViewStats | null> {
    try {
      return (await this.#host.request('media.viewStats', {})).views;
    } catch (err) {
      this.#host.log.debug({ ...errorFields(toAVError(err, this.#host.lang)) }, 'media.viewStats not answered');
      return null;
    }
  }

  /** Unsubscribes every view. */
  async cancelAll(): Promise<void> {
    for (const key of [...this.#views.keys()]) await this.#removeView(key, true);
  }

  /** `identifier` stopped sending `srcType` video (or left: both): its views end. */
  dropViews(identifier: string, srcType?: 'camera' | 'screen'): void {
    for (const [key, e] of [...this.#views]) {
      if (e.view.identifier === identifier && (!srcType || e.view.srcType === srcType)) {
        void this.#removeView(key, false);
        this.#host.viewEnded(e.view, null);
      }
    }
  }

  /** The server ended a subscription (`media.subscriptionEnded`). */
  subscriptionEnded(subscriptionId: string, reason: AVError): void {
    const what = this.#subs.get(subscriptionId);
    if (!what) return;
    if ('view' in what) {
      const e = this.#views.get(what.view);
      void this.#removeView(what.view, false);
      if (e) this.#host.viewEnded(e.view, reason);
    } else {
      this.#closeAudio(what.audio, false);
      this.syncAudio(); // the member may still send audio (a transport failure): subscribe again
    }
  }

  /**
   * Receive audio from exactly the members that send it, while we hold RECV_AUDIO. `only`: the
   * members an endpoint event named — nobody else changed, and a big room must not pay for a scan of
   * every member on each event.
   */
  syncAudio(only?: readonly string[]): void {
    if (this.#closed) return;
    const allowed = (this.#host.authBits() & AuthBits.RECV_AUDIO) !== 0;
    const eps = this.#host.endpoints();
    const ids = only ?? new Set([...this.#audio.keys(), ...eps.keys()]);
    for (const id of ids) {
      const wanted = allowed && eps.get(id)?.hasAudio === true;
      if (!wanted && this.#audio.has(id)) this.#closeAudio(id, true);
      else if (wanted && !this.#audio.has(id)) this.#openAudio(id);
    }
  }

  /**
   * Opens the receive connection now, when the room lets us receive anything: its handshake runs
   * while the application waits for members, and the first view only adds an m-section to it.
   * `byEnter`: the room.enter about to be sent asks for it (`receive`), so no request is made here.
   */
  open({ byEnter = false } = {}): void {
    if (this.#closed || (this.#host.authBits() & RECV_ANY) === 0) return;
    this.#host
      .webrtc()
      // Without WebRTC there is nothing to open early (a view asked for says why, 1006): no error
      // is built for it on every enter of a signalling-only client.
      .then((rtc) => (rtc && !this.#closed ? this.#receiveConnection() : null))
      .then((connection) => {
        if (!connection) return;
        const opened = byEnter ? undefined : this.#host.request('media.subscriberOpen', {});
        // After the request (or the enter) is on the wire: they are sent a few microtasks from now,
        // and making a peer connection blocks the thread.
        setTimeout(() => connection.prepare(), 0);
        return opened;
      })
      .catch((err: unknown) =>
        this.#host.log.debug({ ...errorFields(toAVError(err, this.#host.lang)) }, 'opening the receive connection early failed'),
      );
  }

  /** An offer for the receive connection (made on the first one). */
  subscriberOffer(offer: ServerEventData<'media.subscriberOffer'>): void {
    if (this.#closed) return;
    this.#receiveConnection().then(
      (c) => c.offer(offer),
      (err: unknown) => this.#host.log.warn({ ...errorFields(toAVError(err, this.#host.lang)) }, 'no WebRTC to receive with'),
    );
  }

  /**
   * After a reconnect the receive connection is rebuilt: the server drops its end
   * (`media.subscriberReset`, every view on it), then every view is opened again (each AVView keeps
   * its object; its `track` is replaced) and audio is received afresh.
   */
  restore(): void {
    if (this.#closed) return;
    this.#dropConnection();
    for (const id of [...this.#audio.keys()]) this.#closeAudio(id, false);
    for (const entry of this.#views.values()) {
      this.#subs.delete(entry.remote.subscriptionId);
      entry.remote.close();
    }
    this.#host.request('media.subscriberReset', {}).then(
      () => this.#reopen(),
      (err: unknown) => {
        this.#host.log.warn({ ...errorFields(toAVError(err, this.#host.lang)) }, 'media.subscriberReset failed; opening views anyway');
        this.#reopen();
      },
    );
  }

  #reopen(): void {
    if (this.#closed) return;
    this.open();
    this.syncAudio();
    for (const [key, entry] of this.#views) {
      const target: ViewTarget = { identifier: entry.view.identifier, source: entry.view.srcType, size: entry.view.size };
      this.#receiveConnection()
        .then((connection) => RemoteView.open(connection, target, this.#host.request))
        .then(
          (t) => {
            if (this.#closed || this.#views.get(key) !== entry) {
              t.close();
              if (!this.#closed) void this.#unsubscribe(t.subscriptionId);
              return;
            }
            entry.remote = t;
            entry.view.track = t.track;
            this.#subs.set(t.subscriptionId, { view: key });
            this.#host.viewTrackChanged(entry.view);
          },
          (err: unknown) => {
            if (this.#closed || this.#views.get(key) !== entry) return;
            this.#views.delete(key);
            this.#host.viewEnded(entry.view, toAVError(err, this.#host.lang));
          },
        );
    }
  }

  /** The room is gone: every transport closes, nothing is sent. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const e of this.#views.values()) e.remote.close();
    this.#views.clear();
    for (const id of [...this.#audio.keys()]) this.#closeAudio(id, false);
    this.#subs.clear();
    this.#dropConnection();
  }

  /** Closes the receive connection (once it is made); the next one is made afresh. */
  #dropConnection(): void {
    void this.#connection?.then(
      (c) => c.close(),
      () => {},
    );
    this.#connection = null;
  }

  #receiveConnection(): Promise<SubscriberConnection> {
    if (this.#connection) return this.#connection;
    const connection = this.#host.webrtc().then((rtc) => {
      if (!rtc) throw noWebRtc(this.#host.lang);
      return new SubscriberConnection(rtc, this.#host.request, this.#host.log, () => this.#host.sparePeer());
    });
    this.#connection = connection;
    // A failed load is not kept: the next view tries again.
    connection.catch(() => {
      if (this.#connection === connection) this.#connection = null;
    });
    return connection;
  }

  async #removeView(key: string, unsubscribe: boolean): Promise<void> {
    const e = this.#views.get(key);
    if (!e) return;
    this.#views.delete(key);
    this.#subs.delete(e.remote.subscriptionId);
    e.remote.close();
    if (unsubscribe) await this.#unsubscribe(e.remote.subscriptionId);
  }

  async #unsubscribe(subscriptionId: string): Promise<void> {
    try {
      await this.#host.request('media.unsubscribe', { subscriptionId });
    } catch (err) {
      // Already ended on the server (10010 SUBSCRIPTION_NOT_FOUND) is the usual reason: nothing to undo.
      this.#host.log.debug({ subscriptionId, ...errorFields(toAVError(err, this.#host.lang)) }, 'media.unsubscribe not confirmed');
    }
  }

  #openAudio(identifier: string): void {
    const entry: AudioEntry = { remote: null, stopPlaying: null };
    this.#audio.set(identifier, entry);
    const live = () => !this.#closed && this.#audio.get(identifier) === entry;
    let subscriptionId: string | null = null;
    this.#receiveConnection()
      .then((connection) =>
        RemoteView.open(connection, { identifier, source: 'audio', size: 'big' }, this.#host.request, (id) => {
          subscriptionId = id;
          if (live()) this.#subs.set(id, { audio: identifier });
        }),
      )
      .then(
        (t) => {
          if (!live()) {
            t.close();
            if (!this.#closed) void this.#unsubscribe(t.subscriptionId);
            return;
          }
          entry.remote = t;
          entry.stopPlaying = this.#host.playAudio(t.track);
          this.#host.endpoints().get(identifier)?._setAudioTrack(t.track);
        },
        (err: unknown) => {
          if (subscriptionId) this.#subs.delete(subscriptionId);
          if (live()) this.#audio.delete(identifier); // the next HAS_AUDIO tries again
          if (subscriptionId && !this.#closed) void this.#unsubscribe(subscriptionId);
          this.#host.log.warn({ identifier, ...errorFields(toAVError(err, this.#host.lang)) }, 'receiving audio failed');
        },
      );
  }

  #closeAudio(identifier: string, unsubscribe: boolean): void {
    const entry = this.#audio.get(identifier);
    if (!entry) return;
    this.#audio.delete(identifier);
    entry.stopPlaying?.();
    this.#host.endpoints().get(identifier)?._setAudioTrack(null);
    const t = entry.remote;
    if (!t) return; // still opening: its completion sees the entry gone and undoes it
    this.#subs.delete(t.subscriptionId);
    t.close();
    if (unsubscribe) void this.#unsubscribe(t.subscriptionId);
  }
}
