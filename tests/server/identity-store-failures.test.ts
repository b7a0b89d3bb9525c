// The SQLite identity store failing under a running server (locked by another process, then
// overwritten with garbage): logins are answered 10004 STORE_BUSY and 10001 STORE_FAILED.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { InProcessServer } from '../helpers/server.js';
import { loggedIn, loginParams, RawClient } from '../helpers/raw-client.js';

/** Where `require('better-sqlite3')` resolves for the locking process. */
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Another process holding BEGIN EXCLUSIVE on the file until killed; resolves once the lock is taken. */
async function lockFromAnotherProcess(file: string) {
  const script = `const db = new (require('better-sqlite3'))(${JSON.stringify(file)}); db.exec('BEGIN EXCLUSIVE'); console.log('locked'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`locker exited with ${code}`)));
  });
  return {
    release: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

describe('identity store failures reach the client', () => {
  const srv = new InProcessServer({ dataDir: true, config: { storeTimeoutMs: 200 } });
  let file: string;

  before(async () => {
    await srv.start();
    file = join(srv.dataDir!, 'identity.db');
  });
  after(() => srv.stop());

  it('persists identities in dataDir/identity.db', async () => {
    const { client, login } = await loggedIn(srv.wsUrl, 'known');
    client.terminate();
    const again = await loggedIn(srv.wsUrl, 'known');
    assert.equal(again.login.tinyId, login.tinyId);
    again.client.terminate();
  });

  it('10004 STORE_BUSY while another process holds an exclusive lock, for known identifiers too', async () => {
    const lock = await lockFromAnotherProcess(file);
    const c = await RawClient.connect(srv.wsUrl);
    try {
      for (const identifier of ['known', 'brand-new']) {
        const res = await c.request('login', loginParams(identifier));
        assert.deepEqual([res.error?.code, res.error?.detail?.code], [10004, 'STORE_BUSY'], identifier);
        assert.match(res.error.detail.message, /SQLITE_BUSY/);
      }
      // The first failure before login of a connection is logged in full (the later ones are counted).
      const line = srv.logs.filter((l) => l.msg === 'request failed').at(-1)!;
      assert.deepEqual([line.code, line.detail?.code, line.identifier], [10004, 'STORE_BUSY', 'known']);
    } finally {
      await lock.release();
    }
    assert.equal((await c.request('login', loginParams('known'))).ok, true, 'fine again once the lock is gone');
    c.terminate();
  });

  it('10001 STORE_FAILED once the file is overwritten with garbage, with the SQLite error', async () => {
    writeFileSync(file, randomBytes(16384));
    const c = await RawClient.connect(srv.wsUrl);
    const res = await c.request('login', loginParams('known'));
    assert.deepEqual([res.error?.code, res.error?.detail?.code], [10001, 'STORE_FAILED']);
    assert.match(res.error.detail.message, /SQLITE_NOTADB/);
    c.terminate();
  });
});
