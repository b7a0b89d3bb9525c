/** WebSocket close codes the server uses; the SDK maps them to its disconnect reasons. */
export const CloseCode = {
  /** The server is shutting down. */
  GOING_AWAY: 1001,
  /** A frame exceeded `maxFrameBytes` (sent by `ws` itself, listed for reference). */
  MESSAGE_TOO_BIG: 1009,
  /** A bug of ours while handling this client's frame (logged); the process carries on. */
  INTERNAL_ERROR: 1011,
  /** Nothing received for 3 heartbeat intervals. */
  HEARTBEAT_TIMEOUT: 4000,
  /** Another login took over this identifier's session (after `session.replaced`), or a resume moved it. */
  SESSION_REPLACED: 4001,
  /** `maxBadFrames` malformed frames. */
  TOO_MANY_BAD_FRAMES: 4002,
  /** No login within `loginTimeoutMs` of the connection's opening (or of its logout). */
  LOGIN_TIMEOUT: 4003,
  /** Stayed over the rate limit for 200 frames. */
  RATE_LIMITED: 4008,
  /**
   * More than `maxSendQueueBytes` waited to be written to this client (it stopped reading, or reads
   * slower than its room talks); its session stays for the grace period, as for any dropped connection.
   */
  SLOW_CONSUMER: 4009,
} as const;
