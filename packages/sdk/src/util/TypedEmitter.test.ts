import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypedEmitter } from './TypedEmitter.js';

type Events = { ping: [n: number]; other: [] };
class E extends TypedEmitter<Events> {
  fire<K extends keyof Events>(k: K, ...args: Events[K]) {
    return this.emit(k, ...args);
  }
}

test('a throwing listener is reported and the others still run', () => {
  const reported: unknown[] = [];
  const e = new E((err) => reported.push(err));
  const seen: number[] = [];
  e.on('ping', () => {
    throw new Error('app bug');
  });
  e.on('ping', (n) => seen.push(n));
  assert.equal(e.fire('ping', 1), true);
  assert.deepEqual(seen, [1]);
  assert.equal((reported[0] as Error).message, 'app bug');
});

test('once fires once; off removes; a throwing reporter is contained', () => {
  const e = new E(() => {
    throw new Error('reporter broken');
  });
  const seen: number[] = [];
  const l = (n: number) => seen.push(n);
  e.once('ping', l);
  e.on('ping', (n) => seen.push(n * 10));
  e.on('other', () => {
    throw new Error('x');
  });
  e.fire('ping', 1);
  e.fire('ping', 2);
  assert.deepEqual(seen, [1, 10, 20]);
  assert.doesNotThrow(() => e.fire('other'));
  const m = (n: number) => seen.push(-n);
  e.on('ping', m).off('ping', m);
  e.fire('ping', 3);
  assert.deepEqual(seen, [1, 10, 20, 30]);
  assert.equal(e.listenerCount('ping'), 1);
  e.removeAllListeners();
  assert.equal(e.fire('ping', 4), false);
});

test('a listener removed by an earlier listener during emit still runs this time (snapshot), not the next', () => {
  const e = new E();
  const seen: string[] = [];
  const b = () => seen.push('b');
  e.on('other', () => {
    seen.push('a');
    e.off('other', b);
  });
  e.on('other', b);
  e.fire('other');
  e.fire('other');
  assert.deepEqual(seen, ['a', 'b', 'a']);
});
