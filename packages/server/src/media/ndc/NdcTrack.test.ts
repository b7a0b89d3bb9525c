// The native callbacks of node-datachannel end the process on a throw: NdcTrack must turn one into
// a failure of that track alone. A fake stands in for the native track.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import type { Track } from 'node-datachannel';
import type { TransportListener, TransportState } from '../MediaEngine.js';
import { NdcTrack } from './NdcTrack.js';

const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);
process.on('warning', onWarning);
after(() => process.off('warning', onWarning));

function fakeTrack(refuses = false) {
  const native: { open?: () => void; message?: (buf: Buffer) => void; sent: number } = { sent: 0 };
  const track = {
    onOpen: (cb: () => void) => {
      if (refuses) throw new Error('onOpen() called on destroyed track');
      native.open = cb;
    },
    onClosed: () => {},
    onMessage: (cb: (buf: Buffer) => void) => (native.message = cb),
    isOpen: () => false,
    sendMessageBinary: () => {
      native.sent++;
      return true;
    },
  } as unknown as Track;
  return { track, native };
}

/** A listener that throws from `onPacket` (or `onState`) and records the states it is told. */
function throwingListener(on: 'packet' | 'state'): TransportListener & { states: TransportState[] } {
  const states: TransportState[] = [];
  return {
    states,
    onPacket() {
      if (on === 'packet') throw new Error('listener broke');
    },
    onState(state) {
      states.push(state);
      if (on === 'state' && state === 'connected') throw new Error('listener broke');
    },
  };
}

const flushWarnings = () => new Promise((resolve) => setImmediate(resolve));

it('a listener that throws on a packet fails its track instead of the process', async () => {
  const { track, native } = fakeTrack();
  const ndcTrack = new NdcTrack('p7', '0');
  const listener = throwingListener('packet');
  ndcTrack.setListener(listener);
  ndcTrack.attach(track);
  native.open!();
  assert.doesNotThrow(() => native.message!(Buffer.alloc(12)));
  assert.deepEqual(listener.states, ['connected', 'failed']);
  assert.equal(ndcTrack.open, false);
  assert.equal(ndcTrack.send(Buffer.alloc(12)), false, 'a failed track sends nothing');
  assert.doesNotThrow(() => native.message!(Buffer.alloc(12)), 'later packets go nowhere');
  assert.deepEqual(listener.states, ['connected', 'failed'], 'told once');
  await flushWarnings();
  assert.match(String(warnings.at(-1)?.message), /media transport p7\/0 failed during a packet: Error: listener broke/);
});

it('a listener that throws when the track opens fails the track', () => {
  const { track, native } = fakeTrack();
  const ndcTrack = new NdcTrack('c3', '2', track);
  const listener = throwingListener('state');
  ndcTrack.setListener(listener);
  assert.doesNotThrow(() => native.open!());
  assert.deepEqual(listener.states, ['connected', 'failed']);
  assert.equal(ndcTrack.open, false);
});

it('a track the native side refuses (its connection closed meanwhile) fails', () => {
  const { track } = fakeTrack(true);
  const ndcTrack = new NdcTrack('p8', '0');
  const listener = throwingListener('packet');
  ndcTrack.setListener(listener);
  assert.doesNotThrow(() => ndcTrack.attach(track));
  assert.deepEqual(listener.states, ['failed']);
});

it('sends nothing before its native track is attached and open; a listener that does not throw is left alone', () => {
  const { track, native } = fakeTrack();
  const ndcTrack = new NdcTrack('p9', '1');
  const seen: number[] = [];
  ndcTrack.setListener({ onPacket: (buf) => seen.push(buf.length), onState: () => {} });
  assert.equal(ndcTrack.send(Buffer.alloc(20)), false);
  ndcTrack.attach(track);
  native.open!();
  native.message!(Buffer.alloc(20));
  assert.deepEqual(seen, [20]);
  assert.equal(ndcTrack.send(Buffer.alloc(20)), true);
  assert.equal(native.sent, 1);
  ndcTrack.close();
  native.message!(Buffer.alloc(20));
  assert.deepEqual(seen, [20], 'closing detaches the listener');
});
