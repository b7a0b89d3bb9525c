import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AVError } from '@hudong/protocol';
import { OperationGuard } from './OperationGuard.js';
import { deferred } from './util/timers.js';

type Op = 'start' | 'stop' | 'destroy';

async function rejectsWith(p: Promise<unknown>, code: number, sub?: string): Promise<AVError> {
  const err = await p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AVError, `expected AVError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (sub) assert.equal(err.detail?.code, sub);
  return err;
}

test('the same operation while it runs → 1001', async () => {
  const g = new OperationGuard<Op>('context', 'en');
  const gate = deferred<void>();
  const first = g.run('start', () => gate.promise);
  await rejectsWith(
    g.run('start', async () => {}),
    1001,
    'IN_PROGRESS',
  );
  gate.resolve();
  await first;
  assert.equal(g.current, null);
});

test('another operation of the category while one runs → 1002', async () => {
  const g = new OperationGuard<Op>('context', 'en');
  const gate = deferred<void>();
  const first = g.run('start', () => gate.promise);
  const err = await rejectsWith(
    g.run('stop', async () => {}),
    1002,
    'EXCLUSIVE',
  );
  assert.match(err.detail!.message, /start is in progress; stop must wait/);
  gate.resolve();
  await first;
});

test('target state already holds → 1003 (benign), after the 1001/1002 checks', async () => {
  const g = new OperationGuard<Op>('context', 'en');
  const err = await rejectsWith(
    g.run('start', async () => 'x', { holds: 'already started' }),
    1003,
    'ALREADY_IN_STATE',
  );
  assert.equal(err.isBenign, true);
  assert.equal(err.detail!.message, 'already started');
  const gate = deferred<void>();
  const running = g.run('stop', () => gate.promise);
  // stop is running: a second stop is 1001 even though "stopped" would also hold
  await rejectsWith(
    g.run('stop', async () => {}, { holds: 'already stopped' }),
    1001,
  );
  gate.resolve();
  await running;
});

test('the guard is free again after a failure, and fn errors pass through unchanged', async () => {
  const g = new OperationGuard<Op>('context', 'en');
  await assert.rejects(
    g.run('start', async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(g.current, null);
  assert.equal(await g.run('start', async () => 42), 42);
  // a synchronous throw inside fn is a rejection too
  await assert.rejects(
    g.run('stop', () => {
      throw new Error('sync');
    }),
    /sync/,
  );
  assert.equal(g.current, null);
});

// The device test's stop preempts its start (the only preempting operation: room exits do not cancel enters).
type TestOp = 'start' | 'stop' | 'enableDevice';

test('preempting: the running op rejects 1002 at once, the new one runs, the old one cannot release the new', async () => {
  const g = new OperationGuard<TestOp>('device test', 'en');
  const startGate = deferred<void>();
  let startSignal: AbortSignal | undefined;
  const start = g.run('start', (signal) => {
    startSignal = signal;
    return startGate.promise;
  });
  const stopGate = deferred<void>();
  const stop = g.run('stop', () => stopGate.promise, { preempts: ['start'] });
  const err = await rejectsWith(start, 1002, 'CANCELLED');
  assert.match(err.detail!.message, /stop cancelled start/);
  assert.equal(startSignal!.aborted, true);
  assert.equal(g.current, 'stop');
  startGate.resolve(); // the cancelled start finishing late must not free the guard
  await new Promise((r) => setImmediate(r));
  assert.equal(g.current, 'stop');
  await rejectsWith(
    g.run('enableDevice', async () => {}),
    1002,
  );
  stopGate.resolve();
  await stop;
  assert.equal(g.current, null);
});

test('preempts only what it names', async () => {
  const g = new OperationGuard<TestOp>('device test', 'en');
  const gate = deferred<void>();
  const enabling = g.run('enableDevice', () => gate.promise);
  await rejectsWith(
    g.run('stop', async () => {}, { preempts: ['start'] }),
    1002,
  );
  gate.resolve();
  await enabling;
});

test('errors are in the guard language', async () => {
  const g = new OperationGuard<Op>('context', 'zh');
  const gate = deferred<void>();
  const first = g.run('start', () => gate.promise);
  const err = await rejectsWith(
    g.run('start', async () => {}),
    1001,
  );
  assert.equal(err.lang, 'zh');
  assert.equal(err.meaning, '重复操作');
  gate.resolve();
  await first;
});
