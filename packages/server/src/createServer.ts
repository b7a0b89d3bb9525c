import type { ServerOptions } from './config.js';
import { HudongServer } from './HudongServer.js';

/**
 * Creates a Hudong node (not yet listening): `await server.listen()`, later `await server.close()`.
 * Throws TypeError for an invalid option (e.g. no `secret` outside dev mode).
 */
export function createServer(options: ServerOptions = {}): HudongServer {
  return new HudongServer(options);
}
