// Runs every suite with node's test runner: unit tests beside the code, then tests/.
// One file at a time: virtual devices are exclusive per machine, and media tests need both cores.
// Node 20's --test takes no globs, so the files are listed here.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Media tests need an address libwebrtc will gather (it skips loopback interfaces): run the whole
// suite inside ../shared/tools/netns-run (a namespace with only 127.0.0.1 and 127.0.0.2) when we can.
const netnsRun = resolve(fileURLToPath(import.meta.url), '../../../shared/tools/netns-run');
if (!process.env.HUDONG_IN_NETNS && process.getuid?.() === 0 && existsSync(netnsRun)) {
  const inner = spawnSync('bash', [netnsRun, process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, HUDONG_IN_NETNS: '1' },
  });
  process.exit(inner.status ?? 1);
}
if (!process.env.HUDONG_IN_NETNS) {
  console.warn('run-tests: not root or no ../shared/tools/netns-run: media tests may fail to connect (no non-loopback address)');
}

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const only = process.argv.slice(2);
const roots = only.length > 0 ? only : ['packages', 'tests'];
const files = roots.flatMap((r) => (statSync(r).isDirectory() ? find(r) : [r])).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=120000', '--test-force-exit', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
