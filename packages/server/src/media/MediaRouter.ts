import { AuthBits, type MediaSource, type ViewSize } from '@hudong/protocol';
import type { ServerConfig } from '../config.js';
import { ServerError, type SubCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Member } from '../rooms/Member.js';
import { Downlink } from './Downlink.js';
import { FdBudget } from './fd-budget.js';
import type { MediaEngine, MediaEngineStats } from './MediaEngine.js';
import { MediaStats } from './MediaStats.js';
import { Publication } from './Publication.js';
import { completePublisherAnswer, mungeConnectionOffer, mungePublisherOffer, SdpError, type MediaKind, type PublishedSection } from './sdp.js';
import type { Subscription } from './Subscription.js';
import { Uplink } from './Uplink.js';
import { waitAtMost } from '../util/waitAtMost.js';

/** How long a request that opens a receive connection waits for its first offer (subscriberOpen). */
const OFFER_BEFORE_ANSWER_MAX_MS = 100;
const NO_ENGINE_STATS: MediaEngineStats = { datagramsSent: 0, datagramsDropped: 0, stunDropped: 0, unknownDropped: 0 };

/** Per source: its kind and the bits that allow sending / receiving it. */
const SOURCES = {
  audio: {
    kind: 'audio',
    send: AuthBits.SEND_AUDIO,
    recv: AuthBits.RECV_AUDIO,
    sendMissing: 'AUTH_SEND_AUDIO_MISSING',
    recvMissing: 'AUTH_RECV_AUDIO_MISSING',
  },
  camera: {
    kind: 'video',
    send: AuthBits.SEND_CAMERA_VIDEO,
    recv: AuthBits.RECV_CAMERA_VIDEO,
    sendMissing: 'AUTH_SEND_CAMERA_VIDEO_MISSING',
    recvMissing: 'AUTH_RECV_CAMERA_VIDEO_MISSING',
  },
  screen: {
    kind: 'video',
    send: AuthBits.SEND_SCREEN_VIDEO,
    recv: AuthBits.RECV_SCREEN_VIDEO,
    sendMissing: 'AUTH_SEND_SCREEN_VIDEO_MISSING',
    recvMissing: 'AUTH_RECV_SCREEN_VIDEO_MISSING',
  },
} as const satisfies Record<MediaSource, { kind: MediaKind; send: number; recv: number; sendMissing: SubCode; recvMissing: SubCode }>;

/**
 * A member's media, gone with the member: the publications it owns (each owning its views), an
 * index of the views it watches (owned by other members' publications) for its requests by id,
 * and its receive connection, which those views ride on.
 */
interface MemberMedia {
  publications: Map<MediaSource, Publication>;
  views: Map<string, Subscription>;
  downlink: Downlink | null;
  /** Its shared send connection (sources published on a connection of their own are not here). */
  uplink: Uplink | null;
}

/** The publications of members connected to other nodes, as this node receives them (a cluster's media relay). */
export interface RemoteMedia {
  /** `publisher`'s `source` at `size` (publisher.nodeId set); rejects with the ServerError the view is to fail with. */
  publicationOf(publisher: Member, source: MediaSource, size: ViewSize): Promise<Publication>;
}

export interface MediaRouterOptions {
  config: ServerConfig;
  logger: Logger;
  engine: MediaEngine;
  /** Views of members on other nodes; without it (a single node, or the relay not started) they fail with 10010 MEDIA_ON_OTHER_NODE. */
  remote?: () => RemoteMedia | null;
}

/**
 * The media plane of a node, tied to rooms and members: publications per member × source,
 * subscriptions per view, their announcements (HAS_/NO_ events, member info flags) and the auth
 * bits that allow them. Handlers talk to this; it talks to the engine through `MediaEngine` only.
 *
 * One lifetime tree: router → member media → publications → subscriptions. Closing a node closes
 * every member's media; a member leaving closes its publications (which end their views) and its
 * own views; a publication or view leaves its parent's map through its own `close` event.
 */
export class MediaRouter {
  readonly stats = new MediaStats();
  readonly #config: ServerConfig;
  readonly #logger: Logger;
  readonly #engine: MediaEngine;
  readonly #remote: () => RemoteMedia | null;
  readonly #members = new Map<Member, MemberMedia>();
  readonly #fds = new FdBudget();
  #publicationCount = 0;
  #subscriptionCount = 0;
  #nextId = 1;
  #closed = false;

  constructor(options: MediaRouterOptions) {
    this.#config = options.config;
    this.#logger = options.logger;
    this.#engine = options.engine;
    this.#remote = options.remote ?? (() => null);
  }

  /** The live publication of `member` (of this node) for `source`, if any: what a relay leg to another node views. */
  publicationOf(member: Member, source: MediaSource): Publication | undefined {
    return this.#members.get(member)?.publications.get(source);
  }

  get publicationCount(): number {
    return this.#publicationCount;
  }

  get subscriptionCount(): number {
    return this.#subscriptionCount;
  }

  /** The engine's socket counters; zeros for an engine without them. */
  get engineStats(): MediaEngineStats {
    return this.#engine.stats?.() ?? NO_ENGINE_STATS;
  }

  /**
   * media.publish: on the member's shared send connection (`connectionId`; `sdp` when it changed) or
   * on a connection of its own (no `connectionId`). A source published again replaces its publication.
   */
  async publish(
    member: Member,
    source: MediaSource,
    params: { sdp?: string | undefined; connectionId?: string | undefined; mid?: string | undefined },
  ): Promise<{ publicationId: string; sdp?: string; codec: string }> {
    const spec = SOURCES[source];
    if (!(member.authBits & spec.send))
      throw new ServerError(spec.sendMissing, `publishing ${source} needs the auth bit 0x${spec.send.toString(16)}`);
    if (source === 'screen' && !this.#config.screenVideo) throw new ServerError('SCREEN_VIDEO_DISABLED', 'screen video is disabled on this server');
    const media = this.#mediaOf(member);
    const { uplink, section, answer } =
      params.connectionId === undefined
        ? await this.#ownConnection(source, params.sdp ?? '')
        : await this.#sharedConnection(media, source, params.connectionId, params.mid ?? '', params.sdp);
    if (member.closed || this.#closed) {
      if (uplink.dedicated) uplink.close('left', null);
      throw new ServerError('NOT_IN_ROOM', 'left the room while publishing');
    }
    const other = uplink.publicationOn(section.mid);
    if (other && other.source !== source) {
      throw new ServerError('BAD_SDP', `m-section ${section.mid} of send connection ${uplink.id} carries ${other.source}, not ${source}`);
    }
    // The replaced publication lets go of its track before the new one takes it.
    media.publications.get(source)?.close('replaced');
    const id = `p${this.#nextId++}`;
    const publication = new Publication({
      id,
      member,
      source,
      offer: section,
      transport: uplink.transport.track(section.mid),
      stats: this.stats,
      connectTimeoutMs: this.#config.mediaConnectTimeoutMs,
      store: { packets: this.#config.retransmissionPackets, maxPacketBytes: this.#config.maxRtpPacketBytes },
      logger: this.#logger.child({ identifier: member.identifier, roomId: member.room.roomId, source, publication: id }),
    });
    media.publications.set(source, publication);
    uplink.add(publication);
    this.#publicationCount++;
    this.#watchPublication(media, publication);
    this.#logger.info(
      {
        identifier: member.identifier,
        roomId: member.room.roomId,
        source,
        publication: id,
        connection: uplink.id,
        mid: section.mid,
        codec: section.codec.name,
        rids: section.rids,
      },
      'publishing',
    );
    return { publicationId: id, ...(answer === undefined ? {} : { sdp: answer }), codec: section.codec.name };
  }

  /** A source on a connection of its own: its one-m-section offer answered on a new transport. */
  async #ownConnection(source: MediaSource, sdp: string): Promise<{ uplink: Uplink; section: PublishedSection; answer: string }> {
    const spec = SOURCES[source];
    let offer;
    try {
      offer = mungePublisherOffer(sdp, spec.kind, this.#config.videoCodecs);
    } catch (err) {
      throw badSdp(err);
    }
    if (!offer) throw this.#noCommonCodec(spec.kind);
    this.#checkLayers(offer);
    this.#reserveFds();
    const uplink = new Uplink(this.#engine, `p${this.#nextId++}`, true);
    try {
      const answer = await uplink.negotiate(offer.sdp, new Map([[offer.mid, offer]]));
      return { uplink, section: offer, answer: completePublisherAnswer(answer, offer) };
    } catch (err) {
      uplink.close('refused', null);
      throw badSdp(err);
    }
  }

  /**
   * A source on the member's shared send connection: its offer (when given) negotiated, a new
   * `connectionId` replacing the old connection (its publications end unreported: the client left it).
   */
  async #sharedConnection(
    media: MemberMedia,
    source: MediaSource,
    connectionId: string,
    mid: string,
    sdp: string | undefined,
  ): Promise<{ uplink: Uplink; section: PublishedSection; answer: string | undefined }> {
    const spec = SOURCES[source];
    if (sdp === undefined) {
      const uplink = media.uplink;
      if (!uplink || uplink.id !== connectionId) throw new ServerError('BAD_SDP', `no send connection ${connectionId}: publish with its offer`);
      return { uplink, section: this.#sectionFor(uplink.sections, mid, spec.kind), answer: undefined };
    }
    let offer;
    try {
      offer = mungeConnectionOffer(sdp, this.#config.videoCodecs);
    } catch (err) {
      throw badSdp(err);
    }
    const section = this.#sectionFor(offer.sections, mid, spec.kind);
    for (const s of offer.sections.values()) {
      if (s && s.rids.length > 0)
        throw new ServerError(
          'BAD_SDP',
          `m-section ${s.mid} has simulcast layers, which need a connection of their own (publish without connectionId)`,
        );
    }
    let uplink = media.uplink;
    if (!uplink || uplink.id !== connectionId || uplink.closed) {
      this.#reserveFds();
      uplink?.close('replaced', null);
      uplink = new Uplink(this.#engine, connectionId, false);
      media.uplink = uplink;
    }
    try {
      return { uplink, section, answer: await uplink.negotiate(offer.sdp, offer.sections) };
    } catch (err) {
      throw badSdp(err);
    }
  }

  #sectionFor(sections: Map<string, PublishedSection | undefined>, mid: string, kind: MediaKind): PublishedSection {
    if (!sections.has(mid)) throw new ServerError('BAD_SDP', `the send connection has no m-section ${mid}`);
    const section = sections.get(mid);
    if (!section) throw this.#noCommonCodec(kind);
    if (section.kind !== kind) throw new ServerError('BAD_SDP', `m-section ${mid} is ${section.kind}, not ${kind}`);
    return section;
  }

  #noCommonCodec(kind: MediaKind): ServerError {
    const wanted = kind === 'audio' ? 'opus' : this.#config.videoCodecs.join(', ');
    return new ServerError('NO_COMMON_CODEC', `the offer has none of the codecs the server forwards (${wanted})`);
  }

  /** Throws 10005 NODE_FD_RESERVE while fewer than `mediaFdReserve` file descriptors are free: no new transport then. */
  #reserveFds(): void {
    const reserve = this.#config.mediaFdReserve;
    const free = reserve > 0 ? this.#fds.free() : undefined;
    if (free === undefined || free >= reserve) return;
    this.stats.transportsRefused++;
    this.#logger.warn({ free, limit: this.#fds.limit, reserve }, 'media transport refused: file descriptors low');
    throw new ServerError(
      'NODE_FD_RESERVE',
      `this node has ${free} of ${this.#fds.limit} file descriptors free, fewer than the ${reserve} it keeps for signalling (mediaFdReserve): no new media transport`,
    );
  }

  #checkLayers(offer: PublishedSection): void {
    const cap = this.#config.maxSimulcastLayers;
    if (offer.rids.length > cap) {
      throw new ServerError('TOO_MANY_LAYERS', `the offer has ${offer.rids.length} simulcast layers (rids); this server accepts at most ${cap}`);
    }
  }

  /** media.unpublish; idempotent (a source not published is already in the wanted state). */
  unpublish(member: Member, source: MediaSource): void {
    this.#members.get(member)?.publications.get(source)?.close('unpublished');
  }

  /** media.subscribe: the publication on a slot of the viewer's receive connection (offered next if new). */
  async subscribe(
    viewer: Member,
    params: { identifier: string; source: MediaSource; size: ViewSize; codecs?: string[] | undefined },
  ): Promise<{ subscriptionId: string; connectionId: string; mid: string; codec: string }> {
    const spec = SOURCES[params.source];
    if (!(viewer.authBits & spec.recv)) {
      throw new ServerError(spec.recvMissing, `viewing ${params.source} needs the auth bit 0x${spec.recv.toString(16)}`);
    }
    if (params.source === 'screen' && !this.#config.screenVideo)
      throw new ServerError('SCREEN_VIDEO_DISABLED', 'screen video is disabled on this server');
    const publisher = viewer.room.member(params.identifier);
    if (!publisher) throw new ServerError('MEMBER_NOT_FOUND', `"${params.identifier}" is not in room ${viewer.room.roomId}`);
    if (publisher === viewer)
      throw new ServerError('VIEW_SELF', `"${params.identifier}" cannot view its own ${params.source}: show the local preview`);
    this.#checkViewCount(viewer);
    const publication = publisher.nodeId === undefined ? this.publicationOf(publisher, params.source) : await this.#relayed(publisher, params);
    if (!publication) throw new ServerError('NOT_PUBLISHING', `"${params.identifier}" does not publish ${params.source}`);
    const { codec } = publication.offer;
    if (params.codecs && !params.codecs.some((c) => c.toLowerCase() === codec.name.toLowerCase())) {
      throw new ServerError('NO_COMMON_CODEC', `the publication is ${codec.name}, which is not among the codecs given (${params.codecs.join(', ')})`);
    }
    if (viewer.closed || this.#closed) throw new ServerError('NOT_IN_ROOM', 'left the room while subscribing');
    // Again after the relay's answer: other views may have come meanwhile.
    this.#checkViewCount(viewer);
    const { subscription, connectionId } = this.#view(viewer, publication, `s${this.#nextId++}`, params.size);
    this.#logger.debug(
      { identifier: viewer.identifier, publisher: params.identifier, source: params.source, subscription: subscription.id, mid: subscription.mid },
      'viewing',
    );
    return { subscriptionId: subscription.id, connectionId, mid: subscription.mid, codec: codec.name };
  }

  /** One view of `publication` on a slot of the viewer's receive connection: a free slot if there is one (the one a view just left, first). */
  #view(viewer: Member, publication: Publication, id: string, size: ViewSize): { subscription: Subscription; connectionId: string } {
    const { member: publisher, source } = publication;
    const media = this.#mediaOf(viewer);
    const downlink = this.#downlinkOf(viewer, media);
    const subscription = publication.subscribe({
      id,
      size,
      downlink,
      cname: `${publisher.identifier}-${source}`,
      stats: this.stats,
      dropRate: this.#config.testDropRate,
      connectTimeoutMs: this.#config.mediaConnectTimeoutMs,
      logger: this.#logger.child({ identifier: viewer.identifier, publisher: publisher.identifier, source, subscription: id }),
    });
    media.views.set(id, subscription);
    this.#subscriptionCount++;
    subscription.on('close', (error) => {
      this.#subscriptionCount--;
      if (media.views.get(id) === subscription) media.views.delete(id);
      if (error && !viewer.closed) viewer.owner.send('media.subscriptionEnded', { subscriptionId: id, error: error.toWire() });
      this.#logger.debug({ identifier: viewer.identifier, subscription: id, reason: error?.detail.code ?? 'unsubscribed' }, 'view ended');
    });
    subscription.start();
    return { subscription, connectionId: downlink.id };
  }

  /** Throws 10005 TOO_MANY_VIEWS when `viewer` holds `maxViewsPerMember` views already. */
  #checkViewCount(viewer: Member): void {
    const views = this.#members.get(viewer)?.views.size ?? 0;
    const cap = this.#config.maxViewsPerMember;
    if (views >= cap)
      throw new ServerError('TOO_MANY_VIEWS', `"${viewer.identifier}" holds ${views} views; this server allows at most ${cap} (maxViewsPerMember)`);
  }

  /** This node's copy of the publication of a member connected to another node (one relay leg per node and layer size). */
  async #relayed(publisher: Member, params: { identifier: string; source: MediaSource; size: ViewSize }): Promise<Publication> {
    const remote = this.#remote();
    if (!remote) {
      throw new ServerError('MEDIA_ON_OTHER_NODE', `"${params.identifier}" is connected to node ${publisher.nodeId}, and this node relays no media`);
    }
    // Relayed at the size asked for: the publisher's node chooses the layer (setLayer moves the view to another copy).
    return remote.publicationOf(publisher, params.source, params.size);
  }

  /** media.subscriberAnswer: completes the offer in flight on the viewer's receive connection. */
  subscriberAnswer(viewer: Member, connectionId: string, revision: number, sdp: string): void {
    const downlink = this.#members.get(viewer)?.downlink;
    if (!downlink) throw new ServerError('BAD_SDP', `no receive connection ${connectionId} waits for an answer`);
    downlink.answer(connectionId, revision, sdp);
  }

  /**
   * media.subscriberOpen (and room.enter with `receive`): the viewer's receive connection, offered
   * now (no view yet). Resolves once the offer is sent, or after 100 ms: the answer to the request
   * waits for it, so that the client applies the offer while it takes in the answer (issue 9: first
   * frame). The native engine offers within the same event-loop turn; node-datachannel gathers first.
   */
  subscriberOpen(viewer: Member): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return waitAtMost(this.#downlinkOf(viewer, this.#mediaOf(viewer)).open(), OFFER_BEFORE_ANSWER_MAX_MS).then(() => undefined);
  }

  /** media.subscriberReset: the viewer starts afresh; its views end without being reported. */
  subscriberReset(viewer: Member): void {
    this.#members.get(viewer)?.downlink?.close(null);
  }

  /**
   * media.setLayer. A view of a member of another node moves to this node's copy at the new size,
   * on the slot it leaves (the viewer sees a source switch, as for a simulcast layer change, and the
   * copy is asked for a keyframe); the copy it left closes once no view needs it.
   */
  async setLayer(viewer: Member, subscriptionId: string, size: ViewSize): Promise<void> {
    const subscription = this.#subscriptionOf(viewer, subscriptionId);
    const { member: publisher, source } = subscription.publication;
    if (publisher.nodeId === undefined) return subscription.setSize(size);
    const copy = await this.#relayed(publisher, { identifier: publisher.identifier, source, size });
    if (copy === subscription.publication || subscription.closed || viewer.closed || this.#closed) return;
    subscription.close(null);
    this.#view(viewer, copy, subscriptionId, size);
  }

  /** media.viewStats: what was sent on each of the viewer's views. */
  viewStats(viewer: Member): { subscriptionId: string; packets: number; resent: number }[] {
    return [...(this.#members.get(viewer)?.views.values() ?? [])].map((v) => ({ subscriptionId: v.id, ...v.delivery }));
  }

  unsubscribe(viewer: Member, subscriptionId: string): void {
    this.#subscriptionOf(viewer, subscriptionId).close(null);
  }

  /** Closes every publication and subscription (node shutdown). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const member of [...this.#members.keys()]) this.#memberGone(member);
    this.#engine.close();
  }

  /** The viewer's receive connection, made on its first view; a closed one is replaced by the next view. */
  #downlinkOf(viewer: Member, media: MemberMedia): Downlink {
    if (media.downlink && !media.downlink.closed) return media.downlink;
    this.#reserveFds();
    const id = `c${this.#nextId++}`;
    const downlink = new Downlink(
      {
        id,
        member: viewer,
        engine: this.#engine,
        answerTimeoutMs: this.#config.mediaConnectTimeoutMs,
        openingVideoCodec: this.#config.videoCodecs[0],
        logger: this.#logger.child({ identifier: viewer.identifier, connection: id }),
      },
      () => {
        if (media.downlink === downlink) media.downlink = null;
      },
    );
    media.downlink = downlink;
    return downlink;
  }

  #subscriptionOf(viewer: Member, id: string): Subscription {
    const subscription = this.#members.get(viewer)?.views.get(id);
    if (!subscription) throw new ServerError('SUBSCRIPTION_NOT_FOUND', `no view "${id}"`);
    return subscription;
  }

  #mediaOf(member: Member): MemberMedia {
    let media = this.#members.get(member);
    if (!media) {
      media = { publications: new Map(), views: new Map(), downlink: null, uplink: null };
      this.#members.set(member, media);
      member.on('close', () => this.#memberGone(member));
      member.on('authority', (bits) => this.#authorityChanged(member, bits));
    }
    return media;
  }

  /** Announces a live publication; when it ends (its views already ended), tells its publisher and the room. */
  #watchPublication(media: MemberMedia, publication: Publication): void {
    const { member, source } = publication;
    publication.on('live', () => {
      if (member.closed) return;
      member.setSending(source, true);
      this.#logger.info({ identifier: member.identifier, roomId: member.room.roomId, source, publication: publication.id }, 'publication live');
    });
    publication.on('close', (reason, error) => {
      if (error && !member.closed) member.owner.send('media.publicationEnded', { source, publicationId: publication.id, error: error.toWire() });
      this.#publicationCount--;
      if (media.publications.get(source) === publication) media.publications.delete(source);
      // A replacement takes over the flag: announce NO_ only when nothing publishes the source now.
      if (publication.live && !media.publications.has(source)) member.setSending(source, false);
      this.#logger.info(
        { identifier: member.identifier, roomId: member.room.roomId, source, publication: publication.id, reason },
        'publication ended',
      );
    });
  }

  #authorityChanged(member: Member, bits: number): void {
    const media = this.#members.get(member);
    if (!media) return;
    for (const [source, publication] of [...media.publications]) {
      const spec = SOURCES[source];
      if (!(bits & spec.send))
        publication.close('send bit removed', new ServerError(spec.sendMissing, `the auth bit 0x${spec.send.toString(16)} was removed`));
    }
    for (const subscription of [...media.views.values()]) {
      const spec = SOURCES[subscription.publication.source];
      if (!(bits & spec.recv)) subscription.close(new ServerError(spec.recvMissing, `the auth bit 0x${spec.recv.toString(16)} was removed`));
    }
  }

  #memberGone(member: Member): void {
    const media = this.#members.get(member);
    if (!media) return;
    for (const subscription of [...media.views.values()]) subscription.close(null);
    media.downlink?.close(null);
    for (const publication of [...media.publications.values()]) publication.close('member left');
    media.uplink?.close('member left', null);
    this.#members.delete(member);
  }
}

function badSdp(err: unknown): ServerError {
  if (err instanceof ServerError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ServerError('BAD_SDP', err instanceof SdpError ? message : `the engine refused the SDP: ${message}`);
}
