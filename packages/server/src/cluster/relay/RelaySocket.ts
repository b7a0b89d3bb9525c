import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Logger } from '../../logger.js';
import type { RelayTrack } from './RelayTrack.js';

/** Where a node's relay socket listens. */
export interface RelayEndpoint {
  address: string;
  port: number;
}

/** The leg id at the head of every relay datagram. */
const HEAD_BYTES = 4;
/**
 * Socket buffers asked for (the kernel caps them at net.core.rmem_max / wmem_max): the relay socket
 * is read by the event loop, which a node busy forwarding to many viewers gets to late, and one
 * socket carries every leg of the node; the default (~208 KiB) holds about a second of a single
 * 1.5 Mbps stream.
 */
const SOCKET_BUFFER_BYTES = 4 << 20;

/**
 * The node's one UDP socket for media relayed between nodes: plain RTP and RTCP, each datagram
 * prefixed with its leg's 32-bit id (a leg: one stream from the publisher's node to one other node).
 * Plain, not SRTP: nodes talk over the cluster's private network, as they do to Redis (docs/cluster.md).
 * A datagram is taken only from the peer its leg was opened with; anything else is counted and dropped.
 */
export class RelaySocket {
  readonly #socket: Socket;
  readonly #logger: Logger;
  readonly #legs = new Map<number, RelayTrack>();
  #dropped = 0;

  private constructor(socket: Socket, logger: Logger) {
    this.#socket = socket;
    this.#logger = logger;
    socket.on('message', (msg, from) => this.#receive(msg, from));
    socket.on('error', (err) => logger.warn({ err: err.message }, 'relay socket error'));
  }

  /** Binds a socket on `address` (an ephemeral port). */
  static open(address: string, logger: Logger): Promise<RelaySocket> {
    const socket = createSocket({ type: 'udp4', recvBufferSize: SOCKET_BUFFER_BYTES, sendBufferSize: SOCKET_BUFFER_BYTES });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, address, () => {
        socket.off('error', reject);
        resolve(new RelaySocket(socket, logger));
      });
    });
  }

  get endpoint(): RelayEndpoint {
    const { address, port } = this.#socket.address();
    return { address, port };
  }

  /** Datagrams from unknown legs or unexpected peers, dropped. */
  get dropped(): number {
    return this.#dropped;
  }

  attach(track: RelayTrack): void {
    this.#legs.set(track.legId, track);
  }

  detach(track: RelayTrack): void {
    if (this.#legs.get(track.legId) === track) this.#legs.delete(track.legId);
  }

  /**
   * Sends one packet of leg `legId` to `to`. Copied first: the caller rewrites its buffer for the
   * next view as soon as this returns, and a datagram is only sent later.
   */
  send(legId: number, to: RelayEndpoint, packet: Buffer): boolean {
    const datagram = Buffer.allocUnsafe(HEAD_BYTES + packet.length);
    datagram.writeUInt32BE(legId, 0);
    packet.copy(datagram, HEAD_BYTES);
    this.#socket.send(datagram, to.port, to.address);
    return true;
  }

  close(): void {
    this.#legs.clear();
    this.#socket.close();
  }

  #receive(msg: Buffer, from: RemoteInfo): void {
    const track = msg.length > HEAD_BYTES ? this.#legs.get(msg.readUInt32BE(0)) : undefined;
    const peer = track?.peer;
    if (!track || (peer && (peer.port !== from.port || peer.address !== from.address))) {
      if (this.#dropped++ % 1000 === 0)
        this.#logger.debug({ from: `${from.address}:${from.port}`, dropped: this.#dropped }, 'relay datagram dropped');
      return;
    }
    try {
      track.deliver(msg.subarray(HEAD_BYTES));
    } catch (err) {
      // Listeners catch their own failures (MediaEngine's contract); this is the last guard of the process.
      this.#logger.error({ err, legId: track.legId }, 'relay packet handling threw');
    }
  }
}
