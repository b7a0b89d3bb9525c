/**
 * identifier ↔ tinyId mapping of one sdkAppId (AVSDK's IM account mapping). A tinyId, once given,
 * never changes for that identifier. Failures are thrown as ServerError (10001 STORE_FAILED,
 * 10004 STORE_BUSY).
 */
export interface IdentityStore {
  /** The identifier's tinyId, allocated and persisted on first sight. */
  resolve(identifier: string): Promise<string>;
  /** tinyIds of known identifiers, null for unknown ones; never allocates. */
  toTinyIds(identifiers: readonly string[]): Promise<(string | null)[]>;
  /** identifiers of known tinyIds, null for unknown ones. */
  toIdentifiers(tinyIds: readonly string[]): Promise<(string | null)[]>;
  /** Releases the store; idempotent. */
  close(): Promise<void>;
}
