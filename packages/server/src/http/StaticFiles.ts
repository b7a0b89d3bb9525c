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
    // Revalidated on every use (a rebuilt file is taken at once), and answered 304 when unchanged:
    // the browser then keeps its cached copy, and with it the code V8 compiled from a script —
    // a fresh page that imports the SDK bundle (560 KB) skips compiling what it runs.
    const etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
    const lastModified = new Date(file.mtimeMs).toUTCString();
    const headers = { etag, 'last-modified': lastModified, 'cache-control': 'no-cache' };
    if (notModified(req, etag, file.mtimeMs)) {
      res.writeHead(304, headers);
      return void res.end();
    }
    res.writeHead(200, {
      ...headers,
      'content-type': CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
      'content-length': file.size,
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file.path)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  /** The regular file a decoded path names inside the root (a directory means its index.html), or null. */
  async #locate(decoded: string): Promise<{ path: string; size: number; mtimeMs: number } | null> {
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
      return inside(await this.#realRoot, real) ? { path: real, size: info.size, mtimeMs: info.mtimeMs } : null;
    } catch {
      return null;
    }
  }
}

/** A conditional GET the cached copy still answers (RFC 9110 §13.1: If-None-Match wins over If-Modified-Since). */
function notModified(req: IncomingMessage, etag: string, mtimeMs: number): boolean {
  const match = req.headers['if-none-match'];
  if (match !== undefined) return match.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*');
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  return Number.isFinite(since) && Math.floor(mtimeMs / 1000) * 1000 <= since;
}

function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}
