import type { MethodName, ParsedParamsOf, ResultOf } from '@hudong/protocol';
import type { ClusterInvites } from '../cluster/ClusterInvites.js';
import type { ClusterRooms } from '../cluster/ClusterRooms.js';
import type { ClusterSessions } from '../cluster/ClusterSessions.js';
import type { ServerConfig } from '../config.js';
import { ServerError } from '../errors.js';
import type { IdentityStore } from '../identity/IdentityStore.js';
import type { InviteManager } from '../invites/InviteManager.js';
import type { Logger } from '../logger.js';
import type { MediaRouter } from '../media/MediaRouter.js';
import type { Authority } from '../rooms/Authority.js';
import type { RoomDirectory } from '../rooms/RoomDirectory.js';
import type { Session } from '../session/Session.js';
import type { SessionRegistry } from '../session/SessionRegistry.js';
import type { Connection } from '../signal/Connection.js';

/** Everything of the node a handler may use. */
export interface Services {
  readonly config: ServerConfig;
  readonly logger: Logger;
  readonly store: IdentityStore;
  readonly sessions: SessionRegistry;
  readonly rooms: RoomDirectory;
  readonly authority: Authority;
  readonly invites: InviteManager;
  readonly media: MediaRouter;
  /** The cluster-wide side of sessions; null on a single node. */
  readonly clusterSessions: ClusterSessions | null;
  /** Rooms that span nodes; null on a single node (its rooms are `rooms`). */
  readonly clusterRooms: ClusterRooms | null;
  /** Invites between nodes; null on a single node. */
  readonly clusterInvites: ClusterInvites | null;
}

export interface RequestContext {
  readonly connection: Connection<Session>;
  readonly services: Services;
}

/** Answers one method; throws ServerError to fail it (anything else becomes 10001 INTERNAL). */
export type Handler<M extends MethodName> = (ctx: RequestContext, params: ParsedParamsOf<M>) => ResultOf<M> | Promise<ResultOf<M>>;

/** One handler per method: a method added to the protocol does not compile until it is handled. */
export type HandlerTable = { readonly [M in MethodName]: Handler<M> };

/** The caller's session (the connection gate already required a login; it may have ended since). */
export function sessionOf(ctx: RequestContext): Session {
  const session = ctx.connection.session;
  if (!session) throw new ServerError('NOT_LOGGED_IN', 'this connection is not logged in (any more)');
  return session;
}
