import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './demo-dir.js';

/**
 * Where the browser SDK bundle (`hudong.js` + source map, built by scripts/build-browser-sdk.mjs)
 * lies, or null when it was not built.
 */
export function findSdkBundleDir(): string | null {
  const dir = join(REPO_ROOT, 'packages/sdk/dist-browser');
  return existsSync(join(dir, 'hudong.js')) ? dir : null;
}
