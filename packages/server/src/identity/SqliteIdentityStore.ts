import Database from 'better-sqlite3';
import { chmodSync, closeSync, openSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { IdentityStore } from './IdentityStore.js';
import { storeError } from './store-error.js';
import { allocateTinyId } from './tinyId.js';

export interface SqliteIdentityStoreOptions {
  /** Path of the database file; created (mode 0600) when missing. */
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
  /** Both take the list as a JSON array: one statement and one pass over the index for a whole batch. */
  tinyIdsOf: Database.Statement<[number, string], { identifier: string; tiny_id: string }>;
  identifiersOf: Database.Statement<[number, string], { identifier: string; tiny_id: string }>;
  insert: Database.Statement<[number, string, string, number]>;
  allocate: (identifier: string) => string;
}

/**
 * identifier ↔ tinyId persisted in SQLite. Nothing is cached here: every call queries the file, so that
 * a lock held by another process or a damaged file is reported (10004 / 10001) instead of hidden.
 * The default rollback journal is kept on purpose: under WAL an exclusive writer would not block
 * readers, and a locked store would go unnoticed for known identifiers.
 */
export class SqliteIdentityStore implements IdentityStore {
  readonly #options: SqliteIdentityStoreOptions;
  #db!: Database.Database;
  #statements!: Statements;
  #inode = 0;
  /** Watches the directory for the file being replaced or removed; null once the watch failed (then every call checks). */
  #watcher: FSWatcher | null = null;
  #maybeReplaced = false;
  #closed = false;

  /** Opens (or creates) the file; throws ServerError when it is not a usable database. */
  constructor(options: SqliteIdentityStoreOptions) {
    this.#options = { ...options };
    this.#run(() => this.#open());
    this.#watch();
  }

  async resolve(identifier: string): Promise<string> {
    return this.#run(() => {
      const { sdkAppId } = this.#options;
      return this.#statements.tinyIdOf.get(sdkAppId, identifier)?.tiny_id ?? this.#statements.allocate(identifier);
    });
  }

  async toTinyIds(identifiers: readonly string[]): Promise<(string | null)[]> {
    return this.#run(() => {
      const found = new Map(
        this.#statements.tinyIdsOf.all(this.#options.sdkAppId, JSON.stringify(identifiers)).map((r) => [r.identifier, r.tiny_id]),
      );
      return identifiers.map((id) => found.get(id) ?? null);
    });
  }

  async toIdentifiers(tinyIds: readonly string[]): Promise<(string | null)[]> {
    return this.#run(() => {
      const found = new Map(
        this.#statements.identifiersOf.all(this.#options.sdkAppId, JSON.stringify(tinyIds)).map((r) => [r.tiny_id, r.identifier]),
      );
      return tinyIds.map((t) => found.get(t) ?? null);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watcher?.close();
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
   * the unlinked old file. Reopening makes the new content (or its damage) visible. The file is
   * looked at only after the directory watch saw its name change (a stat per call blocked the loop).
   */
  #reopenIfReplaced(): void {
    if (!this.#db || (this.#watcher && !this.#maybeReplaced)) return;
    this.#maybeReplaced = false;
    const { ino } = statSync(this.#options.file);
    if (ino === this.#inode) return;
    this.#db.close();
    this.#open();
  }

  #watch(): void {
    const { file } = this.#options;
    const name = basename(file);
    try {
      const watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name) this.#maybeReplaced = true;
      });
      watcher.on('error', () => {
        watcher.close();
        this.#watcher = null;
      });
      this.#watcher = watcher;
    } catch {
      // No watch (no inotify left): check the file on every call, as before.
      this.#watcher = null;
    }
  }

  #open(): void {
    const { file, sdkAppId, timeoutMs } = this.#options;
    createPrivate(file);
    const db = new Database(file, { timeout: timeoutMs });
    try {
      db.exec(SCHEMA);
      const statements: Statements = {
        tinyIdOf: db.prepare('SELECT tiny_id FROM identities WHERE sdk_app_id = ? AND identifier = ?'),
        identifierOf: db.prepare('SELECT identifier FROM identities WHERE sdk_app_id = ? AND tiny_id = ?'),
        tinyIdsOf: db.prepare('SELECT identifier, tiny_id FROM identities WHERE sdk_app_id = ? AND identifier IN (SELECT value FROM json_each(?))'),
        identifiersOf: db.prepare('SELECT identifier, tiny_id FROM identities WHERE sdk_app_id = ? AND tiny_id IN (SELECT value FROM json_each(?))'),
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

/**
 * Makes the database file readable by this user only (SQLite gives its journal the same mode): it
 * holds every identifier of the app. An existing file with looser bits is tightened.
 */
function createPrivate(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if ((statSync(file).mode & 0o077) === 0) return;
    try {
      chmodSync(file, 0o600);
    } catch {
      // Another user's file (a store shared on purpose): its owner decides its mode.
    }
  }
}
