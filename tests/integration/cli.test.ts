// The `hudong` verbs, run as a user would run them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyPrivilegeKey, verifyUserSig } from '@hudong/protocol/auth';
import { HUDONG_BIN, ServerProcess, TEST_APP_ID, userSigFor } from '../helpers/server.js';

const hudong = (...args: string[]) => execFileSync(process.execPath, [HUDONG_BIN, ...args], { encoding: 'utf8' });

test('usersig and privkey print sigs the server side verifies', () => {
  const sig = hudong('usersig', '--sdk-app-id', '1400000001', '--secret', 'k', '--identifier', 'alice', '--expire', '600').trim();
  assert.equal(verifyUserSig(sig, { sdkAppId: 1400000001, secret: 'k', identifier: 'alice' }).expireSeconds, 600);
  const key = hudong('privkey', '--sdk-app-id', '1400000001', '--secret', 'k', '--identifier', 'alice', '--room', '1234', '--bits', '0x2a').trim();
  assert.equal(verifyPrivilegeKey(key, { sdkAppId: 1400000001, secret: 'k', identifier: 'alice', roomId: 1234 }).privilegeMap, 0x2a);
});

test('errors --json prints all 34 entries in both languages', () => {
  const entries = JSON.parse(hudong('errors', '--json')) as { code: number; name: string; side: string; meaning: { zh: string; en: string } }[];
  assert.equal(entries.length, 34);
  assert.deepEqual(entries.find((e) => e.code === 10005)?.meaning, { zh: '资源不够', en: 'Out of resources' });
  assert.equal(entries.filter((e) => e.side === 'server').length, 11);
  assert.match(hudong('errors', '1005', '--lang', 'zh'), /AV_ERR_TIMEOUT[\s\S]*确认网络是否有问题/);
});

test('bad usage exits 2 with the verb usage', () => {
  const r = spawnSync(process.execPath, [HUDONG_BIN, 'usersig', '--identifier', 'x'], {
    encoding: 'utf8',
    env: { ...process.env, HUDONG_SECRET: '', HUDONG_SDK_APP_ID: '' },
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--sdk-app-id is required/);
  assert.match(r.stderr, /hudong usersig --sdk-app-id N/);
});

test('diagnose explains server and SDK log lines with the backend sub-code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hudong-log-'));
  const log = join(dir, 'mixed.log');
  writeFileSync(
    log,
    [
      JSON.stringify({
        level: 40,
        time: 1764100000000,
        msg: 'request failed',
        reqId: 7,
        method: 'login',
        identifier: 'alice',
        code: 10003,
        codeName: 'AV_ERR_SERVER_NO_PERMISSION',
        detail: { code: 'USERSIG_EXPIRED', message: 'UserSig expired at 2026-01-01T00:00:00.000Z' },
      }),
      JSON.stringify({ level: 30, time: 1764100000001, msg: 'connected' }),
      'not json at all',
      JSON.stringify({
        level: 40,
        time: 1764100000002,
        msg: 'operation failed',
        op: 'enterRoom',
        err: { code: 1005, detail: { code: 'TIMEOUT', message: 'enterRoom got no answer within 30000 ms' } },
      }),
    ].join('\n'),
  );
  const out = hudong('diagnose', log);
  assert.match(out, /10003 AV_ERR_SERVER_NO_PERMISSION/);
  assert.match(out, /backend sub-code: USERSIG_EXPIRED — UserSig expired/);
  assert.match(out, /identifier=alice/);
  assert.match(out, /1005 AV_ERR_TIMEOUT/);
  assert.match(out, /suggestion: Check the network and retry\./);
  assert.match(out, /2 error\(s\) found, 1 line\(s\) were not JSON/);
  const zh = hudong('diagnose', log, '--lang', 'zh');
  assert.match(zh, /确认网络是否有问题/);
});

test('diagnose explains a real SDK log and the real server log of the same failure', async () => {
  const { AVContext, createJsonLineLogger } = await import('@hudong/sdk');
  const server = await new ServerProcess().start();
  const dir = mkdtempSync(join(tmpdir(), 'hudong-diag-'));
  const sdkLines: string[] = [];
  try {
    const ctx = AVContext.create({ serverUrl: server.wsUrl, sdkAppId: TEST_APP_ID, logger: createJsonLineLogger((l) => sdkLines.push(l)) });
    await ctx.start({ identifier: 'diag', userSig: userSigFor('diag') });
    await ctx.enterRoom({ roomId: 4242, roomType: 'multi', createRoom: false }).catch(() => {});
    await ctx.stop();
    await server.waitForLog((r) => r.code === 10009);
    const sdkLog = join(dir, 'sdk.log');
    const serverLog = join(dir, 'server.log');
    writeFileSync(sdkLog, sdkLines.join('\n'));
    writeFileSync(serverLog, server.logs.map((l) => JSON.stringify(l)).join('\n'));
    for (const file of [sdkLog, serverLog]) {
      const out = hudong('diagnose', file);
      assert.match(out, /10009 AV_ERR_SERVER_ROOM_NOT_EXIST/, file);
      assert.match(out, /backend sub-code: ROOM_NOT_FOUND — .*4242/, file);
    }
  } finally {
    await server.stop();
  }
});
