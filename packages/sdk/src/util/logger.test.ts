import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noopLogger, withBindings, type Logger } from './logger.js';

describe('withBindings', () => {
  it('adds the bindings, read at each line, to the fields of a real logger', () => {
    const lines: [object, string][] = [];
    const sink: Logger = { debug: () => {}, info: (obj, msg) => lines.push([obj, msg]), warn: () => {}, error: () => {} };
    let roomId = 1;
    const log = withBindings(sink, () => ({ roomId }));
    log.info({ a: 1 }, 'one');
    roomId = 2;
    log.info({ roomId: 3 }, 'two');
    assert.deepEqual(lines, [
      [{ roomId: 1, a: 1 }, 'one'],
      [{ roomId: 3 }, 'two'],
    ]);
  });

  it('leaves the silent default as it is, without reading the bindings', () => {
    let read = 0;
    const log = withBindings(noopLogger, () => ({ read: ++read }));
    log.warn({}, 'nobody hears this');
    assert.equal(log, noopLogger);
    assert.equal(read, 0);
  });
});
