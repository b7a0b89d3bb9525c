import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { FanOut } from '../signal/FanOut.js';
import { contained, guarded } from './guard.js';

const nextWarning = () => once(process, 'warning') as Promise<[Error]>;

test('guarded: a throw goes to its unit’s failure handler, and a failing handler leaves a warning', async () => {
  const failed: unknown[] = [];
  guarded(
    () => {
      throw new Error('boom');
    },
    (err) => failed.push(err),
  )();
  assert.equal((failed[0] as Error).message, 'boom');
  const warned = nextWarning();
  guarded(
    () => {
      throw new Error('first');
    },
    () => {
      throw new Error('second');
    },
  )();
  const [warning] = await warned;
  assert.equal(warning.name, 'HudongFailure');
  assert.match(warning.message, /failure handling failed \(Error: second\) after: Error: first/);
});

test('contained: a timer whose callback throws leaves a warning naming it; the process carries on', async () => {
  const warned = nextWarning();
  setImmediate(
    contained("room 7's member count push", () => {
      throw new Error('bug');
    }),
  );
  const [warning] = await warned;
  assert.equal(warning.name, 'HudongFailure');
  assert.match(warning.message, /^room 7's member count push failed: Error: bug/);
});

test('a fan-out round writes every outbox though one of them throws; the thrower leaves the round', async () => {
  const fanOut = new FanOut({ sliceMs: Infinity }); // one round for all, however long the warning takes
  const flushed: string[] = [];
  const outbox = (name: string, throws = false) => ({
    flush() {
      if (throws) throw new Error(`${name} is broken`);
      flushed.push(name);
      fanOut.done(this);
    },
  });
  const broken = outbox('b', true);
  const warned = nextWarning();
  for (const o of [outbox('a'), broken, outbox('c')]) fanOut.waiting(o);
  const [warning] = await warned;
  assert.match(warning.message, /a fan-out flush failed: Error: b is broken/);
  assert.deepEqual(flushed, ['a', 'c']);
  fanOut.waiting(outbox('d'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(flushed, ['a', 'c', 'd'], 'the broken one is not flushed again');
});
