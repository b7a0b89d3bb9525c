// Builds the media plane's native fan-out (`build/hudong_media.node`) with the system's C++ compiler
// against the running Node's own headers: N-API, libuv and OpenSSL all come from the node binary,
// so nothing else needs installing. Without a compiler or headers it says so and the server keeps
// sending through node-datachannel (docs/media.md "Native fan-out").
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const include = join(dirname(process.execPath), '..', 'include', 'node');
const sources = readdirSync(join(here, 'src'))
  .filter((f) => f.endsWith('.cc') || f.endsWith('.h'))
  .map((f) => join(here, 'src', f));
const output = join(here, 'build', 'hudong_media.node');
const compiler = process.env.CXX ?? 'g++';

function skip(why) {
  console.warn(`hudong: native fan-out not built (${why}); media is sent through node-datachannel`);
  process.exit(0);
}

if (!existsSync(join(include, 'node_api.h')) || !existsSync(join(include, 'openssl', 'ssl.h'))) skip(`no Node headers in ${include}`);
try {
  execFileSync(compiler, ['--version'], { stdio: 'ignore' });
} catch {
  skip(`no C++ compiler (${compiler}); apt-get install -y g++`);
}
const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs), statSync(fileURLToPath(import.meta.url)).mtimeMs);
if (existsSync(output) && statSync(output).mtimeMs > newest) process.exit(0);

mkdirSync(join(here, 'build'), { recursive: true });
const args = [
  '-std=c++17',
  '-O2',
  '-fPIC',
  '-shared',
  '-fvisibility=hidden',
  '-Wall',
  '-Wextra',
  '-Wno-unused-parameter',
  '-Wno-deprecated-declarations',
  `-I${include}`,
  ...sources.filter((f) => f.endsWith('.cc')),
  '-o',
  output,
];
try {
  execFileSync(compiler, args, { stdio: 'inherit' });
} catch {
  // A compiler that is there but fails is a bug of ours: the build says so loudly.
  console.error('hudong: building the native fan-out failed (see above)');
  process.exit(1);
}
