import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AVError } from '@hudong/protocol';
import { acquireDeviceLock } from './device-lock.js';

const device = `lock-test-${process.pid}`;
const file = join(tmpdir(), `hudong-${device}.lock`);

test('a lock file holds the pid; a second holder in this process gets 1008 naming the pid; release removes it', async () => {
  const release = await acquireDeviceLock(device, 'en');
  assert.equal(readFileSync(file, 'utf8'), String(process.pid));
  const err = await acquireDeviceLock(device, 'en').then(
    () => assert.fail('expected 1008'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AVError);
  assert.equal(err.code, 1008);
  assert.equal(err.codeName, 'AV_ERR_RESOURCE_IS_OCCUPIED');
  assert.equal(err.detail?.code, 'DEVICE_BUSY');
  assert.equal(err.detail?.message, `${device} is held by pid ${process.pid}`);
  release();
  release(); // idempotent
  assert.equal(existsSync(file), false);
});

test('another live process holding the lock → 1008 with its pid; once it died the lock is stale and taken over', async () => {
  // A real child process writes the lock file with its own pid and stays alive.
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('fs').writeFileSync(${JSON.stringify(file)}, String(process.pid), { flag: 'wx' }); console.log('held'); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d) => String(d).includes('held') && resolve());
      child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    const err = await acquireDeviceLock(device, 'en').then(
      () => assert.fail('expected 1008'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AVError);
    assert.equal(err.code, 1008);
    assert.match(err.detail!.message, new RegExp(`held by pid ${child.pid}$`));
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  assert.equal(readFileSync(file, 'utf8'), String(child.pid), 'a killed holder leaves its lock behind');
  const release = await acquireDeviceLock(device, 'en');
  assert.equal(readFileSync(file, 'utf8'), String(process.pid));
  release();
});

test('a leftover lock naming a dead pid or garbage is stale', async () => {
  writeFileSync(file, '999999999');
  (await acquireDeviceLock(device, 'en'))();
  writeFileSync(file, 'not a pid');
  (await acquireDeviceLock(device, 'en'))();
  assert.equal(existsSync(file), false);
});
