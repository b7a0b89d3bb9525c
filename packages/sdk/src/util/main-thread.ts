import { ErrorCode, type Lang } from '@hudong/protocol';
import { avError } from './errors.js';

/**
 * AVSDK's rule: the API is called from the main thread only (1007). In Node that is
 * `worker_threads.isMainThread`; in browsers, "not inside a WorkerGlobalScope".
 *
 * The Node module is loaded with a top-level await behind a runtime check, and through a variable
 * specifier, so that browser bundlers neither follow nor choke on it.
 */
const isNode = typeof process !== 'undefined' && !!process.versions?.node;
const WORKER_THREADS = 'node:worker_threads';
const nodeMainThread: boolean = isNode ? ((await import(/* @vite-ignore */ WORKER_THREADS)) as { isMainThread: boolean }).isMainThread : true;

function inBrowserWorker(): boolean {
  const g = globalThis as { WorkerGlobalScope?: unknown; self?: unknown };
  return typeof g.WorkerGlobalScope === 'function' && g.self instanceof (g.WorkerGlobalScope as new () => unknown);
}

/** True on the thread the SDK may be used from. */
export function onMainThread(): boolean {
  return nodeMainThread && !inBrowserWorker();
}

/** Throws 1007 off the main thread. */
export function assertMainThread(op: string, lang: Lang): void {
  if (!onMainThread()) {
    throw avError(
      ErrorCode.AV_ERR_NOT_IN_MAIN_THREAD,
      'NOT_MAIN_THREAD',
      `${op} was called from a worker thread; call the SDK from the main thread`,
      lang,
    );
  }
}
