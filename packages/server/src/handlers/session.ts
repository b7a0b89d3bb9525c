import { PROTOCOL_VERSION } from '@hudong/protocol';
import { verifyUserSig } from '@hudong/protocol/auth';
import { ServerError } from '../errors.js';
import { snapshotOf } from './room.js';
import { sessionOf, type Handler, type RequestContext } from './types.js';

/** Checks the UserSig, maps identifier → tinyId, then replaces, resumes or starts the session (cluster-wide when clustered). */
export const login: Handler<'login'> = async ({ connection, services }, params) => {
  const { config, store, sessions, clusterSessions, logger } = services;
  if (params.protocolVersion !== PROTOCOL_VERSION) {
    throw new ServerError(
      'PROTOCOL_VERSION_UNSUPPORTED',
      `protocol version ${params.protocolVersion} is not supported; this server speaks ${PROTOCOL_VERSION}`,
    );
  }
  refuseSecondLogin(connection);
  if (params.sdkAppId !== config.sdkAppId) {
    throw new ServerError('USERSIG_WRONG_APP', `this server serves sdkAppId ${config.sdkAppId}, not ${params.sdkAppId}`);
  }
  try {
    verifyUserSig(params.userSig, { sdkAppId: config.sdkAppId, secret: config.secret, identifier: params.identifier });
  } catch (err) {
    throw ServerError.from(err);
  }
  const tinyId = await store.resolve(params.identifier);
  // The store may have taken a while: the client may be gone, or a concurrent login on it may have won.
  if (connection.closed) throw new ServerError('INTERNAL', 'the connection closed while the login was in progress');
  refuseSecondLogin(connection);
  const { session, resumed } = sessions.login({ identifier: params.identifier, tinyId, terminal: params.terminal }, connection, params.resumeToken);
  connection.session = session;
  if (!resumed && clusterSessions) {
    try {
      await clusterSessions.claim(session);
    } catch (err) {
      // Without the claim another node could hold a second session of this identifier.
      connection.session = null;
      session.end('logout');
      throw err;
    }
  }
  const member = resumed ? session.member : null;
  logger.info({ conn: connection.id, identifier: session.identifier, tinyId, resumed, roomId: member?.room.roomId ?? null }, 'logged in');
  return {
    tinyId,
    sessionToken: session.token,
    node: config.nodeId,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    resumed,
    room: member ? snapshotOf(services.authority, member) : null,
    ...(resumed && { removed: session.takeMissedRemoval() }),
  };
};

/** Ends the session (leaving its room); the connection stays open, logged out. */
export const logout: Handler<'logout'> = (ctx) => {
  sessionOf(ctx).end('logout');
  ctx.connection.session = null;
  return {};
};

/** The heartbeat; any frame counts as a sign of life, this one just has nothing else to say. */
export const ping: Handler<'ping'> = () => ({});

function refuseSecondLogin(connection: RequestContext['connection']): void {
  const current = connection.session;
  if (current) throw new ServerError('ALREADY_LOGGED_IN', `this connection is already logged in as "${current.identifier}"; log out first`);
}
