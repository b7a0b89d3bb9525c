// The native callbacks of node-datachannel end the process on a throw: NdcTransport must turn one
// into a failure of that transport alone. Fakes stand in for the PeerConnection and its track.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import type { PeerConnection, Track } from 'node-datachannel';
import type { TransportListener, TransportState } from '../MediaEngine.js';
import { NdcTransport } from './NdcTransport.js';

const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);
process.on('warning', onWarning);
after(() => process.off('warning', onWarning));

function fakes(trackThrows = false) {
  const native: { state?: (state: string) => void; message?: (buf: Buffer) => void; closed: boolean } = { closed: false };
  const pc = {
    onStateChange: (cb: (state: string) => void) => (native.state = cb),
    close: () => (native.closed = true),
  } as unknown as PeerConnection;
  const track = {
    onOpen: () => {
      if (trackThrows) throw new Error('onOpen() called on destroyed track');
    },
    onClosed: () => {},
    onMessage: (cb: (buf: Buffer) => void) => (native.message = cb),
  } as unknown as Track;
  return { pc, track, native };
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

it('a listener that throws on a packet fails its transport instead of the process', async () => {
  const { pc, track, native } = fakes();
  const transport = new NdcTransport(pc, 'p7');
  const listener = throwingListener('packet');
  transport.setListener(listener);
  transport.attach(track);
  assert.doesNotThrow(() => native.message!(Buffer.alloc(12)));
  assert.deepEqual(listener.states, ['failed']);
  assert.equal(native.closed, true);
  assert.equal(transport.state, 'closed');
  assert.doesNotThrow(() => native.message!(Buffer.alloc(12)), 'later packets go nowhere');
  assert.deepEqual(listener.states, ['failed'], 'told once');
  await flushWarnings();
  assert.match(String(warnings.at(-1)?.message), /media transport p7 failed during a packet: Error: listener broke/);
});

it('a listener that throws on a state change fails its transport', () => {
  const { pc, native } = fakes();
  const transport = new NdcTransport(pc, 's3');
  const listener = throwingListener('state');
  transport.setListener(listener);
  assert.doesNotThrow(() => native.state!('connected'));
  assert.deepEqual(listener.states, ['connected', 'failed']);
  assert.equal(transport.state, 'closed');
});

it('a track the native side refuses (its connection closed meanwhile) fails the transport', () => {
  const { pc, track } = fakes(true);
  const transport = new NdcTransport(pc, 'p8');
  const listener = throwingListener('packet');
  transport.setListener(listener);
  assert.doesNotThrow(() => transport.attach(track));
  assert.deepEqual(listener.states, ['failed']);
});

it('a listener that does not throw is left alone', () => {
  const { pc, track, native } = fakes();
  const transport = new NdcTransport(pc, 'p9');
  const seen: number[] = [];
  transport.setListener({ onPacket: (buf) => seen.push(buf.length), onState: () => {} });
  transport.attach(track);
  native.message!(Buffer.alloc(20));
  assert.deepEqual(seen, [20]);
  assert.notEqual(transport.state, 'closed');
});
