#!/usr/bin/env node
// npm links workspace bins during `npm install`, before the root postinstall builds dist/: a bin that
// pointed into dist/ did not exist yet, so no node_modules/.bin/hudong was made. This file is
// committed, so the link always exists; it loads the build (made by `npm install` / `npm run build`).
try {
  await import('../dist/bin.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/bin.js')) throw err;
  process.stderr.write('hudong: the CLI is not built yet; run `npm run build` (or `npm install`) at the repository root\n');
  process.exitCode = 1;
}
