import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SparePeer } from './SparePeer.js';
import type { WebRtc } from './webrtc.js';

/** Counts the peers made and closed, and the configuration they were made with. */
function fakeWebRtc(browser: boolean) {
  const made: { config: RTCConfiguration | undefined; closed: boolean }[] = [];
  class FakePeer {
    readonly entry: (typeof made)[number];
    constructor(config?: RTCConfiguration) {
      this.entry = { config, closed: false };
      made.push(this.entry);
    }
    close() {
      this.entry.closed = true;
    }
  }
  const rtc = { RTCPeerConnection: FakePeer as unknown as typeof RTCPeerConnection, browser } satisfies WebRtc;
  return { rtc, made };
}

describe('SparePeer', () => {
  it('makes one receive peer, however often asked, and hands it out once', () => {
    const { rtc, made } = fakeWebRtc(true);
    const spare = new SparePeer();
    spare.make(rtc);
    spare.make(rtc);
    assert.equal(made.length, 1, 'made once, however often asked');
    assert.deepEqual(made[0]!.config, { bundlePolicy: 'max-bundle' });
    assert.ok(spare.take());
    assert.equal(spare.take(), null, 'taken: the next caller makes its own');
    spare.close();
    assert.equal(made[0]!.closed, false, 'a taken peer belongs to its taker');
  });

  it('makes nothing outside a browser or without WebRTC', () => {
    const { rtc, made } = fakeWebRtc(false);
    const spare = new SparePeer();
    spare.make(rtc);
    spare.make(null);
    assert.equal(made.length, 0);
    assert.equal(spare.take(), null);
  });

  it('closes an untaken spare; a later login makes a new one', () => {
    const { rtc, made } = fakeWebRtc(true);
    const spare = new SparePeer();
    spare.make(rtc);
    spare.close();
    assert.equal(made[0]!.closed, true);
    assert.equal(spare.take(), null);
    spare.make(rtc);
    assert.equal(made.length, 2);
    assert.equal(made[1]!.closed, false);
  });
});
