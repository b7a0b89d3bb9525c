import assert from 'node:assert/strict';
import { setImmediate as nextRound } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { FanOut } from './FanOut.js';
import { Outbox, type Frame } from './Outbox.js';

/** One outbox writing into `written`, as `${name}:${frame}`. */
function outbox(fanOut: FanOut, written: string[], name: string, onWrite?: () => void): Outbox {
  return new Outbox((frame: Frame) => {
    written.push(`${name}:${String(frame)}`);
    onWrite?.();
  }, fanOut);
}

/** Waits for `rounds` event-loop rounds (each runs at most one slice). */
async function rounds(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await nextRound();
}

describe('Outbox', () => {
  it('holds events until the end of the round, then writes them in order', async () => {
    const written: string[] = [];
    const box = outbox(new FanOut(), written, 'a');
    box.push('e1');
    box.push(Buffer.from('e2'));
    assert.deepEqual(written, []);
    assert.equal(box.size, 2);
    await rounds(1);
    assert.deepEqual(written, ['a:e1', 'a:e2']);
    assert.equal(box.size, 0);
  });

  it('flush writes what is queued now (before a response) and the fan-out has nothing left for it', async () => {
    const fanOut = new FanOut();
    const written: string[] = [];
    const box = outbox(fanOut, written, 'a');
    box.push('e1');
    box.flush();
    written.push('a:response');
    assert.equal(fanOut.backlog, 0);
    await rounds(2);
    assert.deepEqual(written, ['a:e1', 'a:response']);
  });

  it('drop forgets the queued frames for good', async () => {
    const fanOut = new FanOut();
    const written: string[] = [];
    const box = outbox(fanOut, written, 'a');
    box.push('e1');
    box.drop();
    assert.equal(fanOut.backlog, 0);
    await rounds(2);
    assert.deepEqual(written, []);
  });
});

describe('FanOut', () => {
  /** A fan-out on a fake clock that every write advances by `writeMs`. */
  function slowWrites(writeMs: number, options: { sliceMs?: number; minShare?: number } = {}) {
    let now = 0;
    const fanOut = new FanOut({ ...options, now: () => now });
    const written: string[] = [];
    const boxes = (n: number) =>
      [...Array(n).keys()].map((i) =>
        outbox(fanOut, written, `c${i}`, () => {
          now += writeMs;
        }),
      );
    return { fanOut, written, boxes };
  }

  it('writes about one slice of time per round, the longest-waiting outboxes first', async () => {
    const { fanOut, written, boxes } = slowWrites(0.4, { sliceMs: 1, minShare: 0 });
    const all = boxes(8);
    for (const box of all) box.push('x');
    await rounds(1);
    // 0.4 + 0.4 < 1 ms, the third write reaches it: three outboxes per slice.
    assert.deepEqual(written, ['c0:x', 'c1:x', 'c2:x']);
    assert.equal(fanOut.backlog, 5);
    await rounds(1);
    assert.deepEqual(written.slice(3), ['c3:x', 'c4:x', 'c5:x']);
    await rounds(1);
    assert.deepEqual(written.slice(6), ['c6:x', 'c7:x']);
    assert.equal(fanOut.backlog, 0);
  });

  it('lets an outbox that got new frames meanwhile wait behind the older ones', async () => {
    const { written, boxes } = slowWrites(1, { sliceMs: 1, minShare: 0 });
    const [a, b, c] = boxes(3);
    a!.push('1');
    b!.push('1');
    await rounds(1);
    assert.deepEqual(written, ['c0:1']);
    a!.push('2');
    c!.push('1');
    await rounds(3);
    assert.deepEqual(written, ['c0:1', 'c1:1', 'c0:2', 'c2:1']);
  });

  it('flushes at least its share of the backlog per slice, however slow the writes', async () => {
    const { fanOut, written, boxes } = slowWrites(50, { sliceMs: 1, minShare: 1 / 4 });
    for (const box of boxes(10)) box.push('x');
    await rounds(1);
    assert.equal(written.length, 3, 'ceil(10 / 4)');
    await rounds(1);
    assert.equal(written.length, 5, 'then ceil(7 / 4)');
    await rounds(4);
    assert.equal(fanOut.backlog, 0);
    assert.equal(written.length, 10);
  });
});
