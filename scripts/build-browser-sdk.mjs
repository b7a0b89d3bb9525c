// The browser SDK as one self-contained ES module with a source map: packages/sdk/dist-browser/hudong.js,
// served by `hudong serve` at /sdk/hudong.js. Same exports as @hudong/sdk.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  absWorkingDir: root,
  entryPoints: ['packages/sdk/dist/index.js'],
  outfile: 'packages/sdk/dist-browser/hudong.js',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  sourcemap: true,
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
