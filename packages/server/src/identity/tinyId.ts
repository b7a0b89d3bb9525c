import { createHash } from 'node:crypto';

const MASK_63 = (1n << 63n) - 1n;

/**
 * The first tinyId candidate of an identifier: the first 8 bytes of sha256(`sdkAppId:identifier`),
 * big-endian, masked to 63 bits so that it also fits a signed 64-bit integer (SQLite, Java clients).
 */
export function deriveTinyId(sdkAppId: number, identifier: string): bigint {
  const digest = createHash('sha256').update(`${sdkAppId}:${identifier}`, 'utf8').digest();
  return digest.readBigUInt64BE(0) & MASK_63;
}

/**
 * The tinyId for `identifier`: its derived candidate, or the next free one (+1, wrapping within
 * 63 bits) when another identifier already holds it. `ownerOf` looks a tinyId up in the store.
 */
export function allocateTinyId(sdkAppId: number, identifier: string, ownerOf: (tinyId: string) => string | undefined): string {
  let candidate = deriveTinyId(sdkAppId, identifier);
  for (;;) {
    const tinyId = candidate.toString();
    const owner = ownerOf(tinyId);
    if (owner === undefined || owner === identifier) return tinyId;
    candidate = (candidate + 1n) & MASK_63;
  }
}
