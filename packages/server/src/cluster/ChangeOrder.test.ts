import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChangeOrder, parseRoomChange } from './RoomChannel.js';

type Item = { name: string; seq?: number };
const change = (seq: number): Item => ({ name: `c${seq}`, seq });
const message = (name: string): Item => ({ name });
const names = (items: Item[] | 'gap') => (items === 'gap' ? 'gap' : items.map((i) => i.name));

describe('ChangeOrder: a replica applies its channel in seq order', () => {
  it('keeps everything until the base, then drops what the base holds and the messages sent before it', () => {
    const order = new ChangeOrder<Item>();
    for (const item of [change(4), message('before'), change(5), message('after'), change(6)]) assert.deepEqual(order.receive(item), []);
    assert.deepEqual(names(order.start(5)), ['after', 'c6']);
    assert.equal(order.seq, 6);
    assert.deepEqual(names(order.receive(message('m'))), ['m']);
    assert.deepEqual(names(order.receive(change(7))), ['c7']);
  });

  it('the answer may come before its own echo: messages wait for the change that made the base', () => {
    const order = new ChangeOrder<Item>();
    assert.deepEqual(order.start(3), []);
    assert.deepEqual(names(order.receive(message('sent before the enter'))), []);
    assert.deepEqual(names(order.receive(change(3))), []);
    assert.deepEqual(names(order.receive(message('sent after'))), ['sent after']);
  });

  it('drops old and repeated changes, and reports a jump as a gap; reset takes a state read whole', () => {
    const order = new ChangeOrder<Item>();
    order.start(10);
    assert.deepEqual(names(order.receive(change(11))), ['c11']);
    assert.deepEqual(names(order.receive(change(11))), []);
    assert.deepEqual(names(order.receive(change(9))), []);
    assert.equal(order.receive(change(13)), 'gap');
    assert.equal(order.seq, 11, 'a gap applies nothing');
    order.reset(13);
    assert.deepEqual(names(order.receive(message('m'))), ['m']);
    assert.deepEqual(names(order.receive(change(14))), ['c14']);
    // After Redis lost its data, the room's seq starts again: reset accepts a lower one.
    order.reset(2);
    assert.deepEqual(names(order.receive(change(3))), ['c3']);
  });

  it('a gap among the kept changes is reported by start', () => {
    const order = new ChangeOrder<Item>();
    order.receive(change(5));
    order.receive(change(7));
    assert.equal(order.start(5), 'gap');
  });
});

describe('parseRoomChange', () => {
  it('reads what the scripts publish and refuses the rest with a reason', () => {
    const info = {
      identifier: 'a',
      tinyId: '1',
      role: 'user',
      terminal: 'web',
      authBits: 255,
      hasAudio: false,
      hasCameraVideo: true,
      hasScreenVideo: false,
    };
    const enter = { kind: 'enter', seq: 1, identifier: 'a', entry: { node: 'n1', entrySeq: 1, info } };
    assert.deepEqual(parseRoomChange(JSON.stringify(enter)), { ok: true, change: enter });
    const bad = parseRoomChange(JSON.stringify({ kind: 'exit', seq: 0, identifier: 'a', entrySeq: 1 }));
    assert.equal(bad.ok, false);
    assert.match((bad as { reason: string }).reason, /seq/);
    assert.equal(parseRoomChange('{').ok, false);
  });
});
