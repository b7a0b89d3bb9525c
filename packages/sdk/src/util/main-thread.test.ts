import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { test } from 'node:test';
import assert from 'node:assert/strict';

/**
 * 1007: the same file runs twice — as the test on the main thread, and inside a worker it starts,
 * where it calls the SDK and reports what it got.
 */
if (!isMainThread) {
  const { AVContext } = await import('../AVContext.js');
  const { AVError } = await import('@hudong/protocol');
  const { assertMainThread, onMainThread } = await import('./main-thread.js');
  const out: Record<string, unknown> = { onMainThread: onMainThread() };
  try {
    AVContext.create({ serverUrl: 'ws://127.0.0.1:1/ws', sdkAppId: 1400000001, lang: 'zh' });
    out.create = 'no error';
  } catch (err) {
    out.create = err instanceof AVError ? { code: err.code, codeName: err.codeName, detail: err.detail, lang: err.lang } : String(err);
  }
  try {
    assertMainThread('enterRoom', 'en');
  } catch (err) {
    out.assert = (err as { code: number }).code;
  }
  parentPort!.postMessage(out);
} else {
  test('off the main thread, AVContext.create and every API throw 1007', async () => {
    // Node 20 does not carry the tsx loader into workers: the worker registers it, then loads us.
    const bootstrap = `(async () => {
      const { register } = await import('tsx/esm/api');
      register();
      await import(${JSON.stringify(import.meta.url)});
    })().catch((err) => { throw err; });`;
    const worker = new Worker(bootstrap, { eval: true });
    const out = await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    assert.equal(out.onMainThread, false);
    assert.deepEqual(out.create, {
      code: 1007,
      codeName: 'AV_ERR_NOT_IN_MAIN_THREAD',
      lang: 'zh',
      detail: { code: 'NOT_MAIN_THREAD', message: 'AVContext.create was called from a worker thread; call the SDK from the main thread' },
    });
    assert.equal(out.assert, 1007);
  });

  test('on the main thread nothing is refused', async () => {
    const { onMainThread } = await import('./main-thread.js');
    assert.equal(onMainThread(), true);
  });
}
