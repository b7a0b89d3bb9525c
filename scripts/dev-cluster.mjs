// npm run dev:cluster: a local cluster to try (issue 11) — a redis-server of its own on a free port,
// and three `hudong serve --dev --redis` nodes on 7001–7003 sharing one secret (so a UserSig from one
// node's /dev/usersig logs in on any). Ctrl-C (or SIGTERM) stops everything it started, by PID.
// Needs redis-server (apt-get install -y redis-server).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const PORTS = [7001, 7002, 7003];
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../packages/cli/bin/hudong.js', import.meta.url));

if (spawnSync('redis-server', ['--version']).error) {
  console.error('dev:cluster needs redis-server on the PATH (apt-get install -y redis-server)');
  process.exit(1);
}
const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });

const children = [];
let stopping = false;
const exited = (child) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r)));
/** The nodes first (a stopping node releases its sessions and registration in Redis), then Redis; SIGKILL after 3 s. */
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  setTimeout(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    process.exit(code);
  }, 3000).unref();
  const [redis, ...nodes] = children;
  for (const node of nodes) node.kill('SIGTERM');
  await Promise.all(nodes.map(exited));
  redis?.kill('SIGTERM');
  if (redis) await exited(redis);
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

function start(label, command, args) {
  // Own process group: a Ctrl-C reaches this script only, which then stops them in order.
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`dev:cluster: ${label} (pid ${child.pid}) exited (${signal ?? code}); stopping the rest`);
    void stopAll(1);
  });
  return child;
}

const redisPort = await freePort();
const redisUrl = `redis://127.0.0.1:${redisPort}`;
// No persistence: a throwaway Redis for trying things out.
const redis = start('redis-server', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
for (let i = 0; ; i++) {
  const pong = spawnSync('redis-cli', ['-p', String(redisPort), 'ping'], { encoding: 'utf8' }).stdout?.trim();
  if (pong === 'PONG') break;
  if (i === 50 || redis.exitCode !== null) {
    console.error(`dev:cluster: redis-server did not answer on port ${redisPort}`);
    await stopAll(1);
  }
  await new Promise((r) => setTimeout(r, 100));
}
const secret = randomBytes(24).toString('hex');
for (const [i, port] of PORTS.entries()) {
  start(`node n${i + 1}`, process.execPath, [
    bin,
    'serve',
    '--dev',
    '--port',
    String(port),
    '--secret',
    secret,
    '--redis',
    redisUrl,
    '--node-id',
    `n${i + 1}`,
  ]);
}
console.log(
  `dev:cluster: redis at ${redisUrl} (pid ${redis.pid}); nodes ${PORTS.map((p) => `http://127.0.0.1:${p}/`).join(' ')} — Ctrl-C stops them all`,
);
