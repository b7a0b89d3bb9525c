import assert from 'node:assert/strict';
import { setImmediate as nextRound } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { FanOut } from './FanOut.js';
import { Outbox, type Frame } from './Outbox.js';

/** One outbox writing into `written`, as `${name}:${frame}`. */
function outbox(fanOut: FanOut, written: string[], name: string): Outbox {
  return new Outbox((frame: Frame) => written.push(`${name}:${String(frame)}`), fanOut);
}

/** Waits for `n` event-loop rounds. */
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

  it('counts the UTF-8 bytes waiting, until written or dropped', () => {
    const box = outbox(new FanOut(), [], 'a');
    box.push('ab');
    box.push('é');
    box.push(Buffer.from('xyz'));
    assert.equal(box.bytes, 7);
    box.flush();
    assert.equal(box.bytes, 0);
    box.push('abc');
    box.drop();
    assert.equal(box.bytes, 0);
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
  it('writes every waiting outbox in the next round, the longest-waiting first', async () => {
    const fanOut = new FanOut({ sliceMs: Infinity }); // one round for all, however slow the machine
    const written: string[] = [];
    const [a, b, c] = ['a', 'b', 'c'].map((name) => outbox(fanOut, written, name));
    b!.push('1');
    a!.push('1');
    c!.push('1');
    b!.push('2');
    assert.equal(fanOut.backlog, 3);
    await rounds(1);
    assert.deepEqual(written, ['b:1', 'b:2', 'a:1', 'c:1']);
    assert.equal(fanOut.backlog, 0);
  });

  it('skips an outbox flushed meanwhile (before a response) and keeps the others in order', async () => {
    const fanOut = new FanOut();
    const written: string[] = [];
    const [a, b] = ['a', 'b'].map((name) => outbox(fanOut, written, name));
    a!.push('1');
    b!.push('1');
    a!.flush();
    written.push('a:response');
    await rounds(1);
    assert.deepEqual(written, ['a:1', 'a:response', 'b:1']);
  });

  it('writes for one slice per round and leaves the rest, in order, to the next round', async () => {
    let clock = 0;
    const fanOut = new FanOut({ sliceMs: 1, now: () => clock });
    const written: string[] = [];
    // Each write takes 0.4 ms of the clock: a 1 ms slice ends after the third.
    const boxes = ['a', 'b', 'c', 'd', 'e'].map(
      (name) =>
        new Outbox((frame) => {
          written.push(`${name}:${String(frame)}`);
          clock += 0.4;
        }, fanOut),
    );
    for (const box of boxes) box.push('1');
    await rounds(1);
    assert.deepEqual(written, ['a:1', 'b:1', 'c:1']);
    assert.equal(fanOut.backlog, 2);
    // A response between the rounds goes out ahead of the fan-out still waiting (its own events first).
    boxes[4]!.flush();
    written.push('e:response');
    boxes[0]!.push('2');
    await rounds(1);
    assert.deepEqual(written, ['a:1', 'b:1', 'c:1', 'e:1', 'e:response', 'd:1', 'a:2']);
    assert.equal(fanOut.backlog, 0);
  });

  it('writes at least one outbox per round, however slow', async () => {
    let clock = 0;
    const fanOut = new FanOut({ sliceMs: 1, now: () => clock });
    const written: string[] = [];
    for (const name of ['a', 'b']) {
      new Outbox((frame) => {
        written.push(`${name}:${String(frame)}`);
        clock += 50;
      }, fanOut).push('1');
    }
    await rounds(1);
    assert.deepEqual(written, ['a:1']);
    await rounds(1);
    assert.deepEqual(written, ['a:1', 'b:1']);
  });
});
