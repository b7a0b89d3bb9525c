import { ServerError } from '../errors.js';
import type { MediaEngine, PublisherTransport } from './MediaEngine.js';
import type { Publication } from './Publication.js';
import type { PublishedSection } from './sdp.js';

/**
 * A member's send connection as the SFU holds it: the engine's transport, what its last offer
 * agreed per m-section, and the publications riding on it. The client offers; one negotiation at a
 * time. A shared connection (the client's `connectionId`) lives until the member leaves or the
 * client starts another; a connection of its own (one source, e.g. simulcast) ends with its
 * publication. When the transport fails, every publication on it ends with 10004 TRANSPORT_FAILED.
 */
export class Uplink {
  readonly id: string;
  /** One source on a connection of its own: the connection ends with its publication. */
  readonly dedicated: boolean;
  readonly transport: PublisherTransport;
  /** What the last negotiated offer agreed, by mid (undefined: nothing the SFU forwards). */
  sections = new Map<string, PublishedSection | undefined>();
  readonly #publications = new Set<Publication>();
  #negotiating = false;
  #closed = false;

  constructor(engine: MediaEngine, id: string, dedicated: boolean) {
    this.id = id;
    this.dedicated = dedicated;
    this.transport = engine.createPublisherTransport(id);
    this.transport.onState((state, reason) => {
      const why = `${state}${reason ? `: ${reason}` : ''}`;
      if (state === 'failed' || state === 'closed') this.close(`transport ${why}`, new ServerError('TRANSPORT_FAILED', `the send connection ${why}`));
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Applies the client's (munged) offer; throws BAD_SDP while another one is being answered. */
  async negotiate(sdp: string, sections: Map<string, PublishedSection | undefined>): Promise<string> {
    if (this.#negotiating) throw new ServerError('BAD_SDP', `send connection ${this.id} is still answering the previous offer: one at a time`);
    this.#negotiating = true;
    try {
      const answer = await this.transport.negotiate(sdp);
      this.sections = sections;
      return answer;
    } finally {
      this.#negotiating = false;
    }
  }

  /** The publication on m-section `mid`, if any. */
  publicationOn(mid: string): Publication | undefined {
    for (const publication of this.#publications) if (publication.offer.mid === mid) return publication;
    return undefined;
  }

  /** Rides on this connection until it closes; a dedicated connection ends with it. */
  add(publication: Publication): void {
    this.#publications.add(publication);
    publication.on('close', () => {
      this.#publications.delete(publication);
      if (this.dedicated) this.close('its publication ended', null);
    });
  }

  /** Ends every publication on it (with `error` for their publisher, null: not reported) and the transport. Idempotent. */
  close(reason: string, error: ServerError | null): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const publication of [...this.#publications]) publication.close(reason, error);
    this.transport.close();
  }
}
