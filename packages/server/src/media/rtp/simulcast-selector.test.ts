import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulcastSelector, type SelectorDecision } from './simulcast-selector.js';

const Q = 1;
const H = 2;
const F = 3;
const decision = (forward: boolean, switched = false, needKeyframe = false): SelectorDecision => ({ forward, switched, needKeyframe });

/** Selector over rid layers q < h < f, with all three already bound and seen at `nowMs`. */
function started(nowMs = 0, wanted: 'big' | 'small' = 'big') {
  const s = new SimulcastSelector([{ rid: 'q' }, { rid: 'h' }, { rid: 'f' }], { wanted });
  s.onPacket(Q, false, nowMs, 'q');
  s.onPacket(H, false, nowMs, 'h');
  s.onPacket(F, false, nowMs, 'f');
  return s;
}

test('forwards nothing until a keyframe of the wanted layer, then only that layer', () => {
  const s = started();
  assert.equal(s.currentSsrc, undefined);
  assert.equal(s.targetSsrc, F);
  assert.deepEqual(s.onPacket(Q, true, 10), decision(false, false, true), 'keyframe of another layer');
  assert.deepEqual(s.onPacket(F, false, 10), decision(false, false, true));
  assert.deepEqual(s.onPacket(F, true, 20), decision(true, true, false));
  assert.equal(s.currentSsrc, F);
  assert.deepEqual(s.onPacket(F, false, 30), decision(true));
  assert.deepEqual(s.onPacket(H, true, 30), decision(false));
  assert.deepEqual(s.onPacket(Q, false, 30), decision(false));
});

test('a change of wanted layer keeps the old layer flowing until the new one has a keyframe', () => {
  const s = started();
  s.onPacket(F, true, 10);
  s.wanted = 'small';
  assert.deepEqual(s.onPacket(F, false, 20), decision(true, false, true));
  assert.equal(s.targetSsrc, Q);
  assert.deepEqual(s.onPacket(Q, false, 20), decision(false, false, true));
  assert.deepEqual(s.onPacket(Q, true, 30), decision(true, true, false));
  assert.deepEqual(s.onPacket(F, false, 40), decision(false));
  assert.equal(s.wanted, 'small');
});

test('a layer that stops arriving is no longer a target', () => {
  const s = started();
  s.onPacket(F, true, 0);
  // f stops; q and h keep coming. After 1 s the highest active layer is h.
  for (let t = 100; t <= 1000; t += 100) {
    s.onPacket(Q, false, t);
    assert.equal(s.onPacket(H, false, t).needKeyframe, false, `f still counts as active at ${t} ms`);
  }
  assert.deepEqual(s.onPacket(H, false, 1001), decision(false, false, true));
  assert.equal(s.targetSsrc, H);
  assert.deepEqual(s.onPacket(H, true, 1050), decision(true, true, false));
  // f comes back: the target moves up again.
  assert.deepEqual(s.onPacket(F, false, 1100), decision(false, false, true));
  assert.deepEqual(s.onPacket(F, true, 1110), decision(true, true, false));
});

test('layers may be given by SSRC alone', () => {
  const s = new SimulcastSelector([{ ssrc: 10 }, { ssrc: 20 }], { wanted: 'small' });
  s.onPacket(20, true, 0);
  assert.equal(s.targetSsrc, 20, 'only the high layer has been seen yet');
  assert.equal(s.currentSsrc, 20);
  s.onPacket(10, false, 5);
  assert.equal(s.targetSsrc, 10);
  assert.deepEqual(s.onPacket(10, true, 10), decision(true, true, false));
});

test('unknown SSRCs, and SSRCs whose rid has not been seen, are not forwarded', () => {
  const s = new SimulcastSelector([{ rid: 'l' }, { rid: 'h' }]);
  assert.deepEqual(s.onPacket(99, true, 0), decision(false));
  assert.deepEqual(s.onPacket(99, true, 0, 'x'), decision(false));
  assert.deepEqual(s.onPacket(7, true, 0, 'h'), decision(true, true, false));
  assert.deepEqual(s.onPacket(7, false, 1), decision(true), 'bound: no rid needed any more');
});

test('a new SSRC for the current rid waits for its keyframe', () => {
  const s = new SimulcastSelector([{ rid: 'f' }]);
  s.onPacket(5, true, 0, 'f');
  assert.deepEqual(s.onPacket(6, false, 10, 'f'), decision(false, false, true));
  assert.deepEqual(s.onPacket(5, false, 11), decision(false, false, true), 'the old SSRC is gone');
  assert.deepEqual(s.onPacket(6, true, 20, 'f'), decision(true, true, false));
});

test('needs at least one layer', () => {
  assert.throws(() => new SimulcastSelector([]), RangeError);
});

test('every call returns the same decision object, rewritten: the per-packet path allocates nothing', () => {
  const s = started();
  const waiting = s.onPacket(F, false, 10);
  assert.deepEqual(waiting, decision(false, false, true));
  const switching = s.onPacket(F, true, 20);
  assert.equal(switching, waiting);
  assert.deepEqual(waiting, decision(true, true, false), 'a decision held across calls shows the latest packet');
  assert.equal(s.onPacket(H, false, 30), waiting);
  assert.deepEqual(waiting, decision(false));
});
