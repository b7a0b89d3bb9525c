import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterHealth } from '../cluster/Cluster.js';
import { API_PREFIX, type ApiRouter } from '../api/ApiRouter.js';
import type { Logger } from '../logger.js';
import type { ServerMetrics } from '../metrics.js';
import { devUserSig, type SignUserSig } from './dev-usersig.js';
import { sendJson, sendText } from './respond.js';
import { StaticFiles } from './StaticFiles.js';
import { findSdkBundleDir } from './sdk-bundle-dir.js';

export interface HttpDeps {
  nodeId: string;
  sdkAppId: number;
  dev: boolean;
  demoDir: string | null;
  metrics: ServerMetrics;
  logger: Logger;
  counts(): { rooms: number; members: number };
  /** The node is draining (HudongServer.drain): /healthz answers 503. */
  draining: () => boolean;
  /** The cluster part of /healthz; absent on a single node. */
  cluster?: () => ClusterHealth;
  signUserSig: SignUserSig;
  /** The server API (`/api/v1/…`). */
  api: ApiRouter;
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** The plain-HTTP side of the port: health, metrics, the dev UserSig endpoint and the demo files. */
export function createHttpHandler(deps: HttpDeps): HttpHandler {
  const files = new StaticFiles(deps.demoDir);
  const sdkDir = findSdkBundleDir();
  const sdkFiles = sdkDir ? new StaticFiles(sdkDir) : null;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return sendText(res, 400, 'bad request target');
    }
    const { pathname } = url;
    const method = req.method ?? 'GET';
    if (pathname === API_PREFIX || pathname.startsWith(`${API_PREFIX}/`)) return deps.api.handle(req, res, url);
    if (pathname === '/dev/usersig' && deps.dev) {
      if (method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
      return devUserSig(req, res, deps.sdkAppId, deps.signUserSig);
    }
    if (method !== 'GET' && method !== 'HEAD') return sendText(res, 404, 'not found');
    switch (pathname) {
      case '/healthz':
        return sendJson(res, deps.draining() ? 503 : 200, {
          status: deps.draining() ? 'draining' : 'ok',
          node: deps.nodeId,
          ...deps.counts(),
          ...(deps.cluster && { cluster: deps.cluster() }),
        });
      case '/metrics':
        return sendText(res, 200, await deps.metrics.text(), deps.metrics.contentType);
      case '/ws':
        return sendText(res, 426, 'this is the signalling WebSocket endpoint; connect with a WebSocket client');
      case '/sdk/hudong.js':
      case '/sdk/hudong.js.map':
        if (!sdkFiles) return sendText(res, 404, 'the browser SDK bundle is not built: run `npm run build`');
        return sdkFiles.serve(req, res, pathname.slice('/sdk'.length));
      default:
        return files.serve(req, res, pathname);
    }
  }

  return (req, res) => {
    route(req, res).catch((err: unknown) => {
      deps.logger.error({ err, url: req.url }, 'http request failed');
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    });
  };
}
