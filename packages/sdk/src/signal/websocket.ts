import { ErrorCode, type AVError, type AVErrorDetail, type Lang } from '@hudong/protocol';
import { avError } from '../util/errors.js';

/** The part of the WHATWG WebSocket (browsers, Node ≥ 22, and the `ws` package) we use. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drop the TCP connection at once instead of a close handshake a dead peer never answers. */
  terminate?(): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
}

type WebSocketCtor = new (url: string) => WebSocketLike;
export const WS_OPEN = 1;

let ctor: Promise<WebSocketCtor> | undefined;

/**
 * `globalThis.WebSocket` when the platform has one, else the `ws` package (Node 20). The specifier
 * is a variable so browser bundlers leave the Node-only import alone.
 */
function webSocketCtor(lang: Lang): Promise<WebSocketCtor> {
  ctor ??= (async () => {
    const native = (globalThis as { WebSocket?: unknown }).WebSocket;
    if (typeof native === 'function') return native as WebSocketCtor;
    const spec = 'ws';
    const mod = (await import(/* @vite-ignore */ spec)) as { WebSocket?: WebSocketCtor; default?: WebSocketCtor };
    const found = mod.WebSocket ?? mod.default;
    if (!found) throw new Error('the ws package has no WebSocket export');
    return found;
  })();
  return ctor.catch((err) => {
    ctor = undefined;
    throw avError(ErrorCode.AV_ERR_FAILED, 'NO_WEBSOCKET', `no WebSocket implementation: ${(err as Error).message}`, lang);
  });
}

/**
 * Opens a socket. Rejects with AVError 1 and the socket's own error code (`ECONNREFUSED`, …) or
 * `CONNECT_FAILED` when it cannot be opened, with `onTimeout()` when it takes longer than
 * `timeoutMs`, or with the abort reason when `abort` fires first.
 */
export async function openWebSocket(
  url: string,
  timeoutMs: number,
  onTimeout: () => AVError,
  lang: Lang,
  abort?: AbortSignal,
): Promise<WebSocketLike> {
  const Ctor = await webSocketCtor(lang);
  if (abort?.aborted) throw abort.reason;
  let ws: WebSocketLike;
  try {
    ws = new Ctor(url);
  } catch (err) {
    // e.g. a syntactically bad URL: the constructor throws (SyntaxError in browsers).
    throw avError(ErrorCode.AV_ERR_FAILED, 'CONNECT_FAILED', `cannot open ${url}: ${(err as Error).message}`, lang);
  }
  return new Promise<WebSocketLike>((resolve, reject) => {
    let failed: AVErrorDetail | undefined;
    const onAbort = () => settle(abort!.reason as AVError);
    const settle = (err?: AVError) => {
      clearTimeout(timer);
      abort?.removeEventListener('abort', onAbort);
      ws.onopen = ws.onerror = ws.onclose = null;
      if (err) {
        ws.onerror = () => {}; // late error events of the aborted socket must not be unhandled
        try {
          ws.close();
        } catch {
          /* already closed */
        }
        reject(err);
      } else resolve(ws);
    };
    const timer = setTimeout(() => settle(onTimeout()), Math.max(0, timeoutMs));
    abort?.addEventListener('abort', onAbort, { once: true });
    ws.onopen = () => settle();
    ws.onerror = (ev) => {
      failed = socketErrorDetail(ev, url);
      settle(avError(ErrorCode.AV_ERR_FAILED, String(failed.code), failed.message, lang));
    };
    ws.onclose = (ev) => {
      settle(avError(ErrorCode.AV_ERR_FAILED, 'CONNECT_FAILED', `the socket to ${url} closed before opening (code ${ev.code})`, lang));
    };
  });
}

/** Digs the OS error code out of whatever error event the platform gives (ws, undici, browsers). */
function socketErrorDetail(ev: unknown, url: string): AVErrorDetail {
  type E = { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown }; errors?: { code?: unknown }[] };
  const e = ((ev as { error?: unknown })?.error ?? undefined) as E | undefined;
  const code = [e?.code, e?.cause?.code, e?.errors?.[0]?.code].find((c) => typeof c === 'string') as string | undefined;
  const message = [e?.message, e?.cause?.message, (ev as { message?: unknown })?.message].find((m) => typeof m === 'string' && m.length > 0) as
    string | undefined;
  return { code: code ?? 'CONNECT_FAILED', message: message ?? `${code ?? 'could not connect'}: ${url}` };
}
