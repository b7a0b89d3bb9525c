// Builds the demo into apps/demo/dist (index.html, app.js + source map, style.css).
// The SDK is not bundled: the page loads it at runtime from /sdk/hudong.js (served by `hudong serve`).
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
const out = join(here, 'dist');
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  absWorkingDir: here,
  entryPoints: ['src/main.ts'],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  external: ['/sdk/hudong.js'],
  sourcemap: true,
  minify: process.argv.includes('--minify'),
  legalComments: 'none',
  logLevel: 'warning',
});
await copyFile(join(here, 'index.html'), join(out, 'index.html'));
await copyFile(join(here, 'style.css'), join(out, 'style.css'));
console.log(`demo built into ${out}`);
