import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { LatestPacer } from './LatestPacer.js';

describe('LatestPacer', () => {
  let now = 0;
  let out: [at: number, value: number][];
  const pacer = (soon?: (run: () => void) => void) => new LatestPacer<number>(1000, (v) => out.push([now, v]), { now: () => now, soon });
  const advance = (ms: number) => {
    now += ms;
    mock.timers.tick(ms);
  };

  beforeEach(() => {
    now = 5000;
    out = [];
    mock.timers.enable({ apis: ['setTimeout'] });
  });
  afterEach(() => mock.timers.reset());

  it('hands on the first value at once, then the latest at most once per interval', () => {
    const p = pacer();
    p.set(1);
    assert.deepEqual(out, [[5000, 1]]);
    p.set(2);
    advance(300);
    p.set(3);
    p.set(4);
    assert.equal(out.length, 1, 'held back within the interval');
    advance(699);
    assert.equal(out.length, 1);
    advance(1);
    assert.deepEqual(out, [
      [5000, 1],
      [6000, 4],
    ]);
    advance(5000);
    p.set(5);
    assert.deepEqual(out.at(-1), [11000, 5], 'quiet for longer than the interval: at once again');
  });

  it('skips a value equal to the last one handed on, or to one the receiver already knows', () => {
    const p = pacer();
    p.known(3);
    p.set(3);
    assert.deepEqual(out, []);
    p.set(4);
    p.set(5);
    advance(400);
    p.set(4);
    advance(600);
    assert.deepEqual(out, [[5000, 4]], 'back to 4 within the interval: nothing new to say');
  });

  it('`soon` defers the leading value; close() drops what is pending', () => {
    const runs: (() => void)[] = [];
    const p = pacer((run) => runs.push(run));
    p.set(1);
    p.set(2);
    assert.deepEqual(out, []);
    runs.shift()!();
    assert.deepEqual(out, [[5000, 2]], 'the value of the end of the round');
    p.set(3);
    p.close();
    advance(2000);
    assert.deepEqual(out, [[5000, 2]]);
  });

  it('a function interval is asked each time a value waits', () => {
    let interval = 1000;
    const p = new LatestPacer<number>(
      () => interval,
      (v) => out.push([now, v]),
      { now: () => now },
    );
    p.set(1);
    interval = 5000;
    p.set(2);
    advance(4999);
    assert.equal(out.length, 1);
    advance(1);
    assert.deepEqual(out, [
      [5000, 1],
      [10000, 2],
    ]);
  });
});
