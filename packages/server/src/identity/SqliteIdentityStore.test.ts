import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { waitUntil } from '../../../../tests/helpers/wait-until.js';
import { ServerError } from '../errors.js';
import { SqliteIdentityStore } from './SqliteIdentityStore.js';
import { deriveTinyId } from './tinyId.js';

/** The store's first failed lookup, once it fails (the directory watch tells it a moment after the file changed). */
function firstFailure(store: SqliteIdentityStore, what: string): Promise<unknown> {
  return waitUntil(
    what,
    () =>
      store.resolve('alice').then(
        () => null,
        (e: unknown) => e,
      ),
    5000,
    10,
  );
}

const SDK_APP_ID = 1400000001;
const root = mkdtempSync(join(tmpdir(), 'hudong-sqlite-'));
after(() => rmSync(root, { recursive: true, force: true }));

let file: string;
let counter = 0;
beforeEach(() => {
  file = join(root, `identity-${counter++}.db`);
});

const open = (timeoutMs = 100) => new SqliteIdentityStore({ file, sdkAppId: SDK_APP_ID, timeoutMs });

function assertStoreError(err: unknown, code: number, subCode: string, mentions: string): true {
  assert.ok(err instanceof ServerError, `expected a ServerError, got ${String(err)}`);
  assert.equal(err.code, code);
  assert.equal(err.detail.code, subCode);
  assert.match(err.detail.message, new RegExp(mentions));
  return true;
}

describe('SqliteIdentityStore', () => {
  it('persists tinyIds across reopening', async () => {
    const first = open();
    const alice = await first.resolve('alice');
    await first.close();
    const second = open();
    assert.deepEqual(await second.toIdentifiers([alice]), ['alice']);
    assert.equal(await second.resolve('alice'), alice);
    await second.close();
  });

  it('probes past a tinyId another identifier already holds in the file', async () => {
    const store = open();
    await store.resolve('warmup');
    const derived = deriveTinyId(SDK_APP_ID, 'alice');
    const other = new Database(file);
    other.prepare('INSERT INTO identities VALUES (?, ?, ?, ?)').run(SDK_APP_ID, 'squatter', derived.toString(), 0);
    other.close();
    assert.equal(await store.resolve('alice'), (derived + 1n).toString());
    await store.close();
  });

  it('answers 10004 STORE_BUSY while another connection holds an exclusive lock, for known and new identifiers', async () => {
    const store = open(100);
    await store.resolve('alice');
    const locker = new Database(file);
    locker.exec('BEGIN EXCLUSIVE');
    try {
      await assert.rejects(store.resolve('alice'), (err) => assertStoreError(err, 10004, 'STORE_BUSY', 'SQLITE_BUSY'));
      await assert.rejects(store.resolve('newcomer'), (err) => assertStoreError(err, 10004, 'STORE_BUSY', 'more than 100 ms'));
      await assert.rejects(store.toTinyIds(['alice']), (err) => assertStoreError(err, 10004, 'STORE_BUSY', 'locked'));
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    assert.ok(await store.resolve('newcomer'), 'works again once the lock is gone');
    await store.close();
  });

  it('answers 10001 STORE_FAILED once the file is overwritten with garbage', async () => {
    const store = open();
    await store.resolve('alice');
    writeFileSync(file, randomBytes(8192));
    await assert.rejects(store.resolve('alice'), (err) => assertStoreError(err, 10001, 'STORE_FAILED', 'SQLITE_NOTADB'));
    await assert.rejects(store.resolve('bob'), (err) => assertStoreError(err, 10001, 'STORE_FAILED', 'not a database'));
    await store.close();
  });

  it('notices a file replaced by a new one (new inode), not only one rewritten in place', async () => {
    const store = open();
    await store.resolve('alice');
    const garbage = join(root, 'garbage.bin');
    writeFileSync(garbage, randomBytes(8192));
    renameSync(garbage, file);
    // The directory watch tells the store a moment later; until then it still reads the old file.
    const err = await firstFailure(store, 'the replaced file noticed');
    assertStoreError(err, 10001, 'STORE_FAILED', 'SQLITE_NOTADB');
    await store.close();
  });

  it('answers 10001 when the file was removed', async () => {
    const store = open();
    await store.resolve('alice');
    rmSync(file);
    const err = await firstFailure(store, 'the removal noticed');
    assertStoreError(err, 10001, 'STORE_FAILED', 'ENOENT');
    await store.close();
  });

  it('creates the file readable by its owner only, and tightens an existing one', async () => {
    const store = open();
    await store.resolve('alice');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    await store.close();
    chmodSync(file, 0o644);
    const again = open();
    assert.equal(statSync(file).mode & 0o777, 0o600);
    await again.close();
  });

  it('refuses to open a file that is not a database', () => {
    writeFileSync(file, randomBytes(4096));
    assert.throws(
      () => open(),
      (err) => assertStoreError(err, 10001, 'STORE_FAILED', 'SQLITE_NOTADB'),
    );
  });
});
