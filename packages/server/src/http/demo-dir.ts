import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repo root, seen from src/http or dist/http of packages/server. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * The demo to serve at `/` when none is configured: the built demo, else its sources, else null
 * (the built-in page). A directory counts only with an index.html, so a bare package folder is not served.
 */
export function findDemoDir(): string | null {
  for (const dir of [join(REPO_ROOT, 'apps/demo/dist'), join(REPO_ROOT, 'apps/demo')]) {
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return null;
}
