import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { sendText } from './respond.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};

const BUILT_IN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hudong server</title></head>
<body><h1>Hudong server</h1>
<p>Signalling is at <code>/ws</code>; health at <a href="/healthz">/healthz</a>; metrics at <a href="/metrics">/metrics</a>.</p>
<p>The demo app is not built: run the demo build, or start the server with a demo directory.</p>
</body></html>
`;

/** GET/HEAD of files under one directory, never outside it (no `..`, no symlink escapes). */
export class StaticFiles {
  readonly #root: string | null;
  #realRoot: Promise<string> | undefined;

  /** `root` null serves only a built-in page at `/`. */
  constructor(root: string | null) {
    this.#root = root === null ? null : resolve(root);
  }

  async serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (this.#root === null) {
      if (pathname === '/' || pathname === '/index.html') return sendText(res, 200, BUILT_IN_PAGE, CONTENT_TYPES['.html']);
      return sendText(res, 404, 'not found');
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return sendText(res, 400, 'bad path encoding');
    }
    if (decoded.includes('\0')) return sendText(res, 400, 'bad path');
    const file = await this.#locate(decoded);
    if (!file) return sendText(res, 404, 'not found');
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
      'content-length': file.size,
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file.path)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  /** The regular file a decoded path names inside the root (a directory means its index.html), or null. */
  async #locate(decoded: string): Promise<{ path: string; size: number } | null> {
    const root = this.#root!;
    let target = resolve(root, '.' + decoded);
    if (!inside(root, target)) return null;
    try {
      let info = await stat(target);
      if (info.isDirectory()) {
        target = join(target, 'index.html');
        info = await stat(target);
      }
      if (!info.isFile()) return null;
      this.#realRoot ??= realpath(root);
      const real = await realpath(target);
      return inside(await this.#realRoot, real) ? { path: real, size: info.size } : null;
    } catch {
      return null;
    }
  }
}

function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}
