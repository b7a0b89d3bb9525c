import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import type { IdentityStore } from './IdentityStore.js';
import { storeError } from './store-error.js';
import { allocateTinyId } from './tinyId.js';

export interface SqliteIdentityStoreOptions {
  /** Path of the database file; created when missing. */
  file: string;
  sdkAppId: number;
  /** SQLite busy_timeout: how long a query waits on another connection's lock before SQLITE_BUSY. */
  timeoutMs: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS identities (
    sdk_app_id INTEGER NOT NULL,
    identifier TEXT NOT NULL,
    tiny_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (sdk_app_id, identifier),
    UNIQUE (sdk_app_id, tiny_id)
  )`;

interface Statements {
  tinyIdOf: Database.Statement<[number, string], { tiny_id: string }>;
  identifierOf: Database.Statement<[number, string], { identifier: string }>;
  insert: Database.Statement<[number, string, string, number]>;
  allocate: (identifier: string) => string;
}

/**
 * identifier ↔ tinyId persisted in SQLite. Nothing is cached: every call queries the file, so that a
 * lock held by another process or a damaged file is reported (10004 / 10001) instead of hidden.
 * The default rollback journal is kept on purpose: under WAL an exclusive writer would not block
 * readers, and a locked store would go unnoticed for known identifiers.
 */
export class SqliteIdentityStore implements IdentityStore {
  readonly #options: SqliteIdentityStoreOptions;
  #db!: Database.Database;
  #statements!: Statements;
  #inode = 0;
  #closed = false;

  /** Opens (or creates) the file; throws ServerError when it is not a usable database. */
  constructor(options: SqliteIdentityStoreOptions) {
    this.#options = { ...options };
    this.#run(() => this.#open());
  }

  async resolve(identifier: string): Promise<string> {
    return this.#run(() => {
      const { sdkAppId } = this.#options;
      return this.#statements.tinyIdOf.get(sdkAppId, identifier)?.tiny_id ?? this.#statements.allocate(identifier);
    });
  }

  async toTinyIds(identifiers: readonly string[]): Promise<(string | null)[]> {
    return this.#run(() => identifiers.map((id) => this.#statements.tinyIdOf.get(this.#options.sdkAppId, id)?.tiny_id ?? null));
  }

  async toIdentifiers(tinyIds: readonly string[]): Promise<(string | null)[]> {
    return this.#run(() => tinyIds.map((t) => this.#statements.identifierOf.get(this.#options.sdkAppId, t)?.identifier ?? null));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db?.close();
  }

  #run<T>(fn: () => T): T {
    try {
      if (this.#closed) throw new Error('identity store is closed');
      this.#reopenIfReplaced();
      return fn();
    } catch (err) {
      throw storeError(err, this.#options.timeoutMs);
    }
  }

  /**
   * A file replaced under us (new inode) would otherwise go unnoticed: the open handle keeps reading
   * the unlinked old file. Reopening makes the new content (or its damage) visible.
   */
  #reopenIfReplaced(): void {
    if (!this.#db) return;
    const { ino } = statSync(this.#options.file);
    if (ino === this.#inode) return;
    this.#db.close();
    this.#open();
  }

  #open(): void {
    const { file, sdkAppId, timeoutMs } = this.#options;
    const db = new Database(file, { timeout: timeoutMs });
    try {
      db.exec(SCHEMA);
      const statements: Statements = {
        tinyIdOf: db.prepare('SELECT tiny_id FROM identities WHERE sdk_app_id = ? AND identifier = ?'),
        identifierOf: db.prepare('SELECT identifier FROM identities WHERE sdk_app_id = ? AND tiny_id = ?'),
        insert: db.prepare('INSERT INTO identities (sdk_app_id, identifier, tiny_id, created_at) VALUES (?, ?, ?, ?)'),
        // IMMEDIATE takes the write lock first, so two servers sharing the file cannot pick the same tinyId.
        allocate: db.transaction((identifier: string) => {
          const existing = statements.tinyIdOf.get(sdkAppId, identifier);
          if (existing) return existing.tiny_id;
          const tinyId = allocateTinyId(sdkAppId, identifier, (t) => statements.identifierOf.get(sdkAppId, t)?.identifier);
          statements.insert.run(sdkAppId, identifier, tinyId, Date.now());
          return tinyId;
        }).immediate,
      };
      this.#db = db;
      this.#statements = statements;
      this.#inode = statSync(file).ino;
    } catch (err) {
      db.close();
      throw err;
    }
  }
}
