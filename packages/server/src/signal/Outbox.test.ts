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
    const fanOut = new FanOut();
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
});
