import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { HudongServer } from '../index.js';
import { loggedIn, loginParams, startServer, TestClient } from './TestClient.js';

const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** Another process holding BEGIN EXCLUSIVE on the file until killed; resolves once the lock is taken. */
async function lockFromAnotherProcess(file: string) {
  const script = `const db = new (require('better-sqlite3'))(${JSON.stringify(file)}); db.exec('BEGIN EXCLUSIVE'); console.log('locked'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { cwd: PACKAGE_DIR, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`locker exited with ${code}`)));
  });
  return {
    release: () => new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill(); }),
  };
}

describe('identity store failures reach the client', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hudong-data-'));
  const file = join(dataDir, 'identity.db');
  let server: HudongServer;
  let wsUrl: string;
  let logs: Record<string, any>[];

  before(async () => ({ server, wsUrl, logs } = await startServer({ dataDir, storeTimeoutMs: 200 })));
  after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('persists identities in dataDir/identity.db', async () => {
    const { client, login } = await loggedIn(server, wsUrl, 'known');
    client.close();
    const again = await loggedIn(server, wsUrl, 'known');
    assert.equal(again.login.tinyId, login.tinyId);
    again.client.close();
  });

  it('10004 STORE_BUSY while another process holds an exclusive lock, for known identifiers too', async () => {
    const lock = await lockFromAnotherProcess(file);
    const c = await TestClient.connect(wsUrl);
    try {
      for (const identifier of ['known', 'brand-new']) {
        const res = await c.request('login', loginParams(server, identifier));
        assert.deepEqual([res.error?.code, res.error?.detail?.code], [10004, 'STORE_BUSY'], identifier);
        assert.match(res.error.detail.message, /SQLITE_BUSY/);
      }
      const line = logs.filter((l) => l.msg === 'request failed').at(-1)!;
      assert.deepEqual([line.code, line.detail.code, line.identifier], [10004, 'STORE_BUSY', 'brand-new']);
    } finally {
      await lock.release();
    }
    assert.equal((await c.request('login', loginParams(server, 'known'))).ok, true, 'fine again once the lock is gone');
    c.close();
  });

  it('10001 STORE_FAILED once the file is overwritten with garbage, with the SQLite error', async () => {
    writeFileSync(file, randomBytes(16384));
    const c = await TestClient.connect(wsUrl);
    const res = await c.request('login', loginParams(server, 'known'));
    assert.deepEqual([res.error?.code, res.error?.detail?.code], [10001, 'STORE_FAILED']);
    assert.match(res.error.detail.message, /SQLITE_NOTADB/);
    c.close();
  });
});
