import type { TrackTransport, TransportListener } from '../../media/MediaEngine.js';
import type { RelayEndpoint, RelaySocket } from './RelaySocket.js';

const DETACHED: TransportListener = { onPacket() {}, onState() {} };

/**
 * One end of a relay leg as a track: on the publisher's node it is the slot the leg's view sends
 * on (and gets the other node's RTCP from); on the viewers' node it is the track its copy of the
 * publication receives from (and sends its RTCP on). Open from the start: UDP has no handshake.
 */
export class RelayTrack implements TrackTransport {
  readonly mid: string;
  #listener: TransportListener = DETACHED;
  #open = true;

  readonly legId: number;
  readonly #socket: RelaySocket;
  #peer: RelayEndpoint | undefined;

  /** `peer`: the other node's relay socket; undefined until it is known (`connect`), and meanwhile datagrams of the leg are taken from any address. */
  constructor(legId: number, peer: RelayEndpoint | undefined, socket: RelaySocket) {
    this.legId = legId;
    this.mid = `relay-${legId}`;
    this.#peer = peer;
    this.#socket = socket;
    socket.attach(this);
  }

  get peer(): RelayEndpoint | undefined {
    return this.#peer;
  }

  /** The other node's relay socket, once it is known: from now on only its datagrams are taken. */
  connect(peer: RelayEndpoint): void {
    this.#peer = peer;
  }

  get open(): boolean {
    return this.#open;
  }

  send(buf: Buffer): boolean {
    return this.#open && this.#peer !== undefined && this.#socket.send(this.legId, this.#peer, buf);
  }

  setListener(listener: TransportListener): void {
    this.#listener = listener;
  }

  /** @internal A datagram of this leg (from RelaySocket). */
  deliver(packet: Buffer): void {
    this.#listener.onPacket(packet);
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#listener = DETACHED;
    this.#socket.detach(this);
  }
}
