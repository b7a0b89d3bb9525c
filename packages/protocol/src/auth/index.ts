/** Node-only: signing and verifying UserSigs and privilege keys (needs node:crypto and node:zlib). */
export * from './usersig.js';
export * from './privilege-key.js';
export { escapeBase64, unescapeBase64 } from './base64url.js';
