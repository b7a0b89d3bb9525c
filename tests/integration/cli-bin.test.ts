// `npx hudong …` from the repository root right after `npm install`, as the README tells users.
// The bin link must exist without a prior build (npm links workspace bins before the postinstall
// build runs), so it points at a committed file, never into dist/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('the hudong bin is a committed file outside dist/ and npm linked it', () => {
  const manifest = JSON.parse(readFileSync(new URL('packages/cli/package.json', `file://${ROOT}`), 'utf8')) as { bin: Record<string, string> };
  assert.doesNotMatch(manifest.bin.hudong ?? '', /dist\//);
  const linked = realpathSync(new URL('node_modules/.bin/hudong', `file://${ROOT}`));
  assert.equal(linked, realpathSync(new URL(`packages/cli/${manifest.bin.hudong}`, `file://${ROOT}`)));
});

test('npx hudong errors prints the table from the repository root', () => {
  const out = execFileSync('npx', ['--no-install', 'hudong', 'errors', '1005'], { cwd: ROOT, encoding: 'utf8' });
  assert.match(out, /1005 AV_ERR_TIMEOUT/);
});
