// `npm run dev:cluster` (scripts/dev-cluster.mjs): a redis-server and three nodes on 7001–7003 that
// list each other; SIGINT (Ctrl-C) stops every process it started.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '../helpers/wait-until.js';

const script = fileURLToPath(new URL('../../scripts/dev-cluster.mjs', import.meta.url));
const PORTS = [7001, 7002, 7003];

async function nodesListed(port: number): Promise<string[] | null> {
  try {
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { cluster?: { nodes: string[] } };
    return health.cluster?.nodes ?? null;
  } catch {
    return null;
  }
}

test('dev:cluster starts three nodes on one Redis, and Ctrl-C stops them all', async () => {
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  try {
    for (const port of PORTS) {
      await waitUntil(`node on ${port} lists n1–n3`, async () => ((await nodesListed(port))?.length === 3 ? true : null), 20_000);
    }
    const redisPid = Number(/\(pid (\d+)\)/.exec(output)?.[1]);
    assert.ok(redisPid > 0, `the script names its redis-server's pid: ${output.slice(-500)}`);
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0);
    for (const port of PORTS) assert.equal(await nodesListed(port), null, `nothing answers on ${port} any more`);
    assert.throws(() => process.kill(redisPid, 0), /ESRCH/, 'its redis-server is gone');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
