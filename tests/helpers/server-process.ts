/**
 * @deprecated The old path of the server launcher, for test files written before it moved to
 * ./server.ts: import from there. Remove once nothing imports this.
 */
export { ServerProcess, TEST_APP_ID, TEST_SECRET, type ServerProcessOptions } from './server.js';
