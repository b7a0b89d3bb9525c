import { ErrorCode, type AVError, type Lang, type WireError } from '@hudong/protocol';
import { avError, fromWire, wrapFailure } from './util/errors.js';
import type { SessionEngine } from './engine/SessionEngine.js';
import * as validate from './validate.js';
import type { AcceptedInvitation, InviteOptions } from './options.js';

/** What AVContext lends: the engine of the started session and who we are. */
export interface ContextRequestsHost {
  lang: Lang;
  requestTimeoutMs: number;
  engine(): Pick<SessionEngine, 'request'>;
  self(): { identifier: string; tinyId: string };
}

/** Extra time over the invitee's answer window, for the round trips around it. */
const INVITE_MARGIN_MS = 5000;
const SERVER_INVITE_TIMEOUT_MS = 30_000;

/**
 * The context's simple request/answer operations: invites (1801–1803) and the identifier↔tinyId
 * lookups (1501/1502). The caller has checked the context is started (1101) and the thread (1007);
 * arguments (1004) are checked here before anything is sent, and only the request's own failures
 * are re-coded, keeping the cause (detail, plus `serverCode` for server errors).
 */
export class ContextRequests {
  #host: ContextRequestsHost;

  constructor(host: ContextRequestsHost) {
    this.#host = host;
  }

  async invite(to: string, options: InviteOptions): Promise<AcceptedInvitation> {
    const { lang } = this.#host;
    const a = validate.inviteArgs(to, options, lang);
    const wait = (a.timeoutMs ?? SERVER_INVITE_TIMEOUT_MS) + INVITE_MARGIN_MS;
    let res;
    try {
      res = await this.#host.engine().request('invite.send', a, { timeoutMs: wait, op: 'invite' });
    } catch (err) {
      throw wrapFailure(ErrorCode.AV_ERR_INVITE_FAILED, err, lang);
    }
    if (!res.accepted)
      throw avError(ErrorCode.AV_ERR_INVITE_FAILED, 'INVITE_REFUSED', `${a.to} refused the invite`, lang, { inviteId: res.inviteId });
    return { id: res.inviteId, from: this.#host.self().identifier, to: a.to, roomId: a.roomId };
  }

  async accept(id: string): Promise<{ id: string; from: string; roomId: number }> {
    const inviteId = validate.inviteId(id, this.#host.lang);
    try {
      const res = await this.#host.engine().request('invite.accept', { inviteId }, { timeoutMs: this.#host.requestTimeoutMs, op: 'acceptInvite' });
      return { id: inviteId, from: res.from, roomId: res.roomId };
    } catch (err) {
      throw wrapFailure(ErrorCode.AV_ERR_ACCEPT_FAILED, err, this.#host.lang);
    }
  }

  async refuse(id: string): Promise<void> {
    const inviteId = validate.inviteId(id, this.#host.lang);
    try {
      await this.#host.engine().request('invite.refuse', { inviteId }, { timeoutMs: this.#host.requestTimeoutMs, op: 'refuseInvite' });
    } catch (err) {
      throw wrapFailure(ErrorCode.AV_ERR_REFUSE_FAILED, err, this.#host.lang);
    }
  }

  async tinyIdOf(identifier: string): Promise<string> {
    const { lang } = this.#host;
    const id = validate.identifier(identifier, lang);
    const self = this.#host.self();
    if (id === self.identifier) return self.tinyId;
    return this.#mapOne(
      ErrorCode.AV_ERR_OPENID_TO_TINYID_FAILED,
      'UNKNOWN_IDENTIFIER',
      `no tinyId is known for identifier ${id}`,
      async () =>
        (
          await this.#host
            .engine()
            .request('identity.toTinyIds', { identifiers: [id] }, { timeoutMs: this.#host.requestTimeoutMs, op: 'tinyIdOf', retry: true })
        ).tinyIds[0],
    );
  }

  async identifierOf(tinyId: string): Promise<string> {
    const { lang } = this.#host;
    const tid = validate.tinyId(tinyId, lang);
    const self = this.#host.self();
    if (tid === self.tinyId) return self.identifier;
    return this.#mapOne(
      ErrorCode.AV_ERR_TINYID_TO_OPENID_FAILED,
      'UNKNOWN_TINYID',
      `no identifier is known for tinyId ${tid}`,
      async () =>
        (
          await this.#host
            .engine()
            .request('identity.toIdentifiers', { tinyIds: [tid] }, { timeoutMs: this.#host.requestTimeoutMs, op: 'identifierOf', retry: true })
        ).identifiers[0],
    );
  }

  /** One identity mapping: a failed request and an unknown entry both become `code` (1501/1502). */
  async #mapOne(
    code: typeof ErrorCode.AV_ERR_OPENID_TO_TINYID_FAILED | typeof ErrorCode.AV_ERR_TINYID_TO_OPENID_FAILED,
    unknownCode: string,
    unknownMessage: string,
    lookup: () => Promise<string | null | undefined>,
  ): Promise<string> {
    const { lang } = this.#host;
    let found: string | null | undefined;
    try {
      found = await lookup();
    } catch (err) {
      throw wrapFailure(code, err, lang);
    }
    if (!found) throw avError(code, unknownCode, unknownMessage, lang);
    return found;
  }

  /** A wire error carried by an event (invite.cancelled), as an AVError. */
  serverError(error: WireError): AVError {
    return fromWire(error, this.#host.lang);
  }
}
