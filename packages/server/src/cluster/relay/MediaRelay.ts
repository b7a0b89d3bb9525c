import { randomInt } from 'node:crypto';
import type { MediaSource, ViewSize } from '@hudong/protocol';
import { z } from 'zod';
import { ServerError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { RemoteMedia } from '../../media/MediaRouter.js';
import type { MediaStats } from '../../media/MediaStats.js';
import { Publication } from '../../media/Publication.js';
import type { PublishedSection } from '../../media/sdp.js';
import type { Subscription } from '../../media/Subscription.js';
import type { Member } from '../../rooms/Member.js';
import type { ClusterMessageOf } from '../messages.js';
import type { NodeBus } from '../NodeBus.js';
import type { NodeRegistry } from '../NodeRegistry.js';
import { RelayLeg } from './RelayLeg.js';
import { RelaySocket } from './RelaySocket.js';
import { RelayTrack } from './RelayTrack.js';
import { contained } from '../../util/guard.js';

/** A relayed copy nobody has watched for this long is closed (and its leg with it): a viewer flipping views does not reopen legs. */
export const RELAY_IDLE_MS = 5_000;

/** What the publisher's node replies to `relay.open`. */
const relayOpened = z.object({
  endpoint: z.object({ address: z.string().min(1), port: z.number().int().min(1).max(65535) }),
  kind: z.enum(['audio', 'video']),
  codec: z.object({
    pt: z.number().int().min(0).max(127),
    name: z.string().min(1),
    clockRate: z.number().int().min(1),
    channels: z.number().int().min(1).optional(),
    fmtp: z.string(),
  }),
});
type RelayOpened = z.infer<typeof relayOpened>;

export interface MediaRelayOptions {
  bus: NodeBus;
  registry: NodeRegistry;
  nodeId: string;
  /** The IPv4 address the relay socket binds, which other nodes send to. */
  address: string;
  logger: Logger;
  /** The node's media stats (the relayed copies and legs count there as publications and views do). */
  stats: () => MediaStats;
  /** A request to another node, and a relayed copy's connection, give up after this long. */
  timeoutMs: number;
  /** The test hook `testDropRate`: that fraction of a leg's first transmissions is dropped, as toward a viewer (docs/media.md). */
  dropRate: number;
  /** The live publication of `identifier` (a member of this node in room `roomId`) for `source`; throws 10010 when there is none. */
  local(roomId: number, identifier: string, source: MediaSource): Publication;
}

/** The viewers' side of a leg: this node's copy of a publication of another node. */
interface Incoming {
  legId: number;
  node: string;
  key: string;
  publication: Promise<Publication>;
  idleSince: number | undefined;
}

/** The publisher's side of a leg: a view of the local publication, sent to another node. */
interface Outgoing {
  node: string;
  view: Subscription;
  /** The other node asked to close it (no `relay.ended` back). */
  closedByPeer: boolean;
}

/**
 * Media across nodes (cascade, issue 11): a member's view of a publisher connected to another node
 * is a view of this node's copy of that publication, fed by one relay leg from the publisher's node
 * — one leg per publication × layer size per node, however many of this node's members watch it.
 * The copy is a Publication like any other (NACKs answered from its store, keyframes replayed, its
 * keyframe requests and NACKs sent up the leg, where a view of the original answers them), so the
 * hop adds no new media logic. Legs are set up over NodeBus and carried by RelaySocket.
 */
export class MediaRelay implements RemoteMedia {
  readonly #options: MediaRelayOptions;
  readonly #socket: RelaySocket;
  readonly #incoming = new Map<string, Incoming>();
  readonly #incomingByLeg = new Map<number, Incoming>();
  readonly #outgoing = new Map<number, Outgoing>();
  readonly #sweep: NodeJS.Timeout;
  readonly #onClose = (m: ClusterMessageOf<'relay.close'>, from: string) => this.#peerClosed(m.legId, from);
  readonly #onEnded = (m: ClusterMessageOf<'relay.ended'>, from: string) => this.#originEnded(m.legId, m.reason, from);
  readonly #onNodeLost = (nodeId: string) => this.#nodeLost(nodeId);
  #nextPublication = 0;

  private constructor(options: MediaRelayOptions, socket: RelaySocket) {
    this.#options = options;
    this.#socket = socket;
    this.#sweep = setInterval(
      contained('closing idle relayed copies', () => this.#closeIdle()),
      RELAY_IDLE_MS / 2,
    );
    this.#sweep.unref();
    const { bus, registry } = options;
    bus.answer('relay.open', (message, from) => this.#open(message, from));
    bus.on('relay.close', this.#onClose);
    bus.on('relay.ended', this.#onEnded);
    registry.on('nodeLost', this.#onNodeLost);
  }

  /** Binds the relay socket and answers other nodes' relay requests. */
  static async start(options: MediaRelayOptions): Promise<MediaRelay> {
    return new MediaRelay(options, await RelaySocket.open(options.address, options.logger));
  }

  /** Legs this node sends, and copies it receives. */
  get legs(): { outgoing: number; incoming: number } {
    return { outgoing: this.#outgoing.size, incoming: this.#incoming.size };
  }

  /** This node's copy of `publisher`'s `source` at `size` (`publisher` is connected to another node), made on first use. */
  publicationOf(publisher: Member, source: MediaSource, size: ViewSize): Promise<Publication> {
    const node = publisher.nodeId!;
    const key = `${publisher.room.roomId}|${publisher.identifier}|${source}|${size}`;
    const current = this.#incoming.get(key);
    if (current) {
      current.idleSince = undefined;
      return current.publication;
    }
    let legId: number;
    do legId = randomInt(1, 0xffffffff);
    while (this.#incomingByLeg.has(legId) || this.#outgoing.has(legId));
    const incoming: Incoming = { legId, node, key, publication: this.#receive(legId, node, publisher, source, size), idleSince: undefined };
    this.#incoming.set(key, incoming);
    this.#incomingByLeg.set(legId, incoming);
    incoming.publication.catch(() => this.#forget(legId));
    return incoming.publication;
  }

  close(): void {
    clearInterval(this.#sweep);
    const { bus, registry } = this.#options;
    bus.off('relay.close', this.#onClose);
    bus.off('relay.ended', this.#onEnded);
    registry.off('nodeLost', this.#onNodeLost);
    for (const incoming of [...this.#incoming.values()])
      void incoming.publication.then(
        (p) => p.close('node closing'),
        () => {},
      );
    for (const outgoing of [...this.#outgoing.values()]) outgoing.view.close(null);
    this.#socket.close();
  }

  /** The viewers' side: asks the publisher's node for a leg, then receives it into a Publication. */
  async #receive(legId: number, node: string, publisher: Member, source: MediaSource, size: ViewSize): Promise<Publication> {
    const { bus, timeoutMs, logger, stats } = this.#options;
    // Attached before asking: the origin starts sending (a replayed keyframe) as it answers.
    const track = new RelayTrack(legId, undefined, this.#socket);
    let opened: RelayOpened;
    try {
      const result = await bus.request(
        node,
        { type: 'relay.open', legId, roomId: publisher.room.roomId, identifier: publisher.identifier, source, size, endpoint: this.#socket.endpoint },
        timeoutMs,
        () =>
          new ServerError(
            'TRANSPORT_TIMEOUT',
            `node ${node}, where "${publisher.identifier}" is connected, did not answer the relay request within ${timeoutMs} ms`,
          ),
      );
      opened = relayOpened.parse(result);
    } catch (err) {
      track.close();
      throw err instanceof z.ZodError ? new ServerError('INTERNAL', `node ${node} answered the relay request with an unreadable result`) : err;
    }
    track.connect(opened.endpoint);
    const offer: PublishedSection = {
      mid: track.mid,
      kind: opened.kind,
      codec: { ...opened.codec, channels: opened.codec.channels },
      extIds: { mid: undefined, rid: undefined },
      rids: [],
      simulcast: undefined,
    };
    const id = `r${++this.#nextPublication}`;
    const publication = new Publication({
      id,
      member: publisher,
      source,
      offer,
      transport: track,
      stats: stats(),
      logger: logger.child({ relayed: publisher.identifier, source, size, from: node, legId, publication: id }),
      connectTimeoutMs: timeoutMs,
    });
    publication.on('close', (reason) => {
      track.close();
      this.#forget(legId);
      // Ended here (idle, member left, node closing): the origin stops sending.
      if (reason !== 'relay ended') void bus.send(node, { type: 'relay.close', legId }).catch(() => {});
      logger.info({ legId, from: node, identifier: publisher.identifier, source, size, reason }, 'relay leg closed');
    });
    publisher.on('close', () => publication.close('member left'));
    logger.info({ legId, from: node, identifier: publisher.identifier, source, size }, 'relay leg opened');
    return publication;
  }

  /** The publisher's side: a view of the local publication, sent to the asking node. */
  async #open(message: ClusterMessageOf<'relay.open'>, from: string): Promise<RelayOpened> {
    const { local, stats, timeoutMs, dropRate, logger } = this.#options;
    const { legId, roomId, identifier, source, size, endpoint } = message;
    if (this.#outgoing.has(legId) || this.#incomingByLeg.has(legId)) throw new ServerError('INTERNAL', `relay leg ${legId} is taken`);
    const publication = local(roomId, identifier, source);
    const track = new RelayTrack(legId, endpoint, this.#socket);
    const leg = new RelayLeg(track, randomInt(1, 0xffffffff));
    const view = publication.subscribe({
      id: `relay-${legId}`,
      size,
      downlink: leg,
      cname: `relay-${identifier}-${source}`,
      stats: stats(),
      dropRate,
      connectTimeoutMs: timeoutMs,
      logger: logger.child({ relaying: identifier, source, size, to: from, legId }),
    });
    const outgoing: Outgoing = { node: from, view, closedByPeer: false };
    this.#outgoing.set(legId, outgoing);
    view.on('close', (error) => {
      track.close();
      this.#outgoing.delete(legId);
      if (!outgoing.closedByPeer) {
        const reason = error ? `${error.detail.code}: ${error.detail.message}` : 'closed';
        void this.#options.bus.send(from, { type: 'relay.ended', legId, reason }).catch(() => {});
      }
    });
    view.start();
    logger.info({ legId, to: from, identifier, source, size }, 'relaying');
    const { kind, codec } = publication.offer;
    return {
      endpoint: this.#socket.endpoint,
      kind,
      codec: { pt: codec.pt, name: codec.name, clockRate: codec.clockRate, fmtp: codec.fmtp, ...(codec.channels && { channels: codec.channels }) },
    };
  }

  #peerClosed(legId: number, from: string): void {
    const outgoing = this.#outgoing.get(legId);
    if (!outgoing || outgoing.node !== from) return;
    outgoing.closedByPeer = true;
    outgoing.view.close(null);
  }

  #originEnded(legId: number, reason: string, from: string): void {
    const incoming = this.#incomingByLeg.get(legId);
    if (!incoming || incoming.node !== from) return;
    this.#options.logger.info({ legId, from, reason }, 'relayed publication ended at its origin');
    void incoming.publication.then(
      (p) => p.close('relay ended'),
      () => {},
    );
  }

  #nodeLost(nodeId: string): void {
    for (const incoming of [...this.#incoming.values()]) {
      if (incoming.node === nodeId)
        void incoming.publication.then(
          (p) => p.close('relay ended'),
          () => {},
        );
    }
    for (const outgoing of [...this.#outgoing.values()]) {
      if (outgoing.node !== nodeId) continue;
      outgoing.closedByPeer = true;
      outgoing.view.close(null);
    }
  }

  /** Copies no view has used for RELAY_IDLE_MS close. */
  #closeIdle(): void {
    const now = performance.now();
    for (const incoming of [...this.#incoming.values()]) {
      void incoming.publication.then(
        (publication) => {
          if (publication.subscriptionCount > 0) incoming.idleSince = undefined;
          else if (incoming.idleSince === undefined) incoming.idleSince = now;
          else if (now - incoming.idleSince >= RELAY_IDLE_MS) publication.close('no viewer left');
        },
        () => {},
      );
    }
  }

  /** Leg `legId`'s copy is gone (closed, or never made): a later view opens a new leg. */
  #forget(legId: number): void {
    const incoming = this.#incomingByLeg.get(legId);
    if (!incoming) return;
    this.#incomingByLeg.delete(legId);
    if (this.#incoming.get(incoming.key) === incoming) this.#incoming.delete(incoming.key);
  }
}
