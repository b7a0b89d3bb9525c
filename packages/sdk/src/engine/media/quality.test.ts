import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qualityBetween, sample, type QualityInput } from './quality.js';

/** A stats report as getStats gives it (only forEach is read). */
const report = (...stats: Record<string, unknown>[]) => new Map(stats.map((s) => [s.id, s])) as unknown as RTCStatsReport;

const recvAt = (bytes: number, packets: number, lost: number, nacks: number, frames: number): QualityInput => ({
  direction: 'recv',
  report: report(
    {
      id: 'in-v',
      type: 'inbound-rtp',
      mid: '2',
      bytesReceived: bytes,
      packetsReceived: packets,
      packetsLost: lost,
      nackCount: nacks,
      frameWidth: 480,
      frameHeight: 360,
      framesDecoded: frames,
    },
    { id: 'in-other', type: 'inbound-rtp', mid: '3', bytesReceived: 1e9, packetsReceived: 1e6 },
  ),
  streams: [{ identifier: 'bob', source: 'camera', trackId: 'unrelated', mid: '2' }],
});

const sendAt = (bytes: number, packets: number, fractionLost: number): QualityInput => ({
  direction: 'send',
  report: report(
    { id: 'src', type: 'media-source', trackIdentifier: 'cam' },
    {
      id: 'out-l',
      type: 'outbound-rtp',
      mediaSourceId: 'src',
      bytesSent: bytes / 4,
      packetsSent: packets / 4,
      frameWidth: 320,
      frameHeight: 240,
      framesEncoded: 100,
    },
    {
      id: 'out-h',
      type: 'outbound-rtp',
      mediaSourceId: 'src',
      bytesSent: (bytes * 3) / 4,
      packetsSent: (packets * 3) / 4,
      frameWidth: 640,
      frameHeight: 480,
      framesEncoded: packets / 10,
    },
    { id: 'ri', type: 'remote-inbound-rtp', localId: 'out-h', fractionLost, roundTripTime: 0.012 },
  ),
  streams: [{ identifier: '', source: 'camera', trackId: 'cam' }],
});

describe('quality stats', () => {
  it('received: rates over the window, loss counting NACKed packets, found by m-section', () => {
    const q = qualityBetween(sample([recvAt(0, 0, 0, 0, 0)], 1000), sample([recvAt(150_000, 990, 10, 40, 40)], 3000));
    // 150 kB in 2 s = 600 kbps; 1000 expected by sequence number, 10 still lost + 40 NACKed = 5 %.
    assert.deepEqual(q.recv, { bob: { camera: { kbps: 600, lossPercent: 5, width: 480, height: 360, fps: 20 } } });
    assert.equal(q.downLossPercent, 5);
    assert.deepEqual(q.send, {});
  });

  it('sent: every simulcast layer summed, the largest layer sized, the SFU’s loss and round trip', () => {
    const q = qualityBetween(sample([sendAt(0, 0, 0)], 0), sample([sendAt(300_000, 2000, 0.02)], 2000));
    assert.deepEqual(q.send.camera, { kbps: 1200, lossPercent: 2, width: 640, height: 480, fps: 100 });
    assert.equal(q.upLossPercent, 2);
    assert.equal(q.rttMs, 12);
  });

  it("received with the server's counts: what never arrived the first time, resends taken out", () => {
    const withServer = (input: QualityInput, packets: number, resent: number, subscriptionId = 's1'): QualityInput => ({
      ...input,
      streams: input.streams.map((st) => ({ ...st, server: { subscriptionId, packets, resent } })),
    });
    // Sent 1000 and 50 again; 1000 received, the 50 resends included: 50 lost before repair (not the 3 NACKs).
    const q = qualityBetween(
      sample([withServer(recvAt(0, 0, 0, 0, 0), 0, 0)], 0),
      sample([withServer(recvAt(100_000, 1000, 0, 3, 40), 1000, 50)], 2000),
    );
    assert.equal(q.recv.bob?.camera?.lossPercent, 5);
    assert.equal(q.downLossPercent, 5);
    // Another view on the same m-section (a new subscription): no rate from the old one's counts.
    const other = qualityBetween(
      sample([withServer(recvAt(0, 0, 0, 0, 0), 900, 40)], 0),
      sample([withServer(recvAt(100_000, 1050, 0, 3, 40), 100, 0, 's2')], 2000),
    );
    assert.equal(other.recv.bob?.camera?.lossPercent, 0.3); // the NACK estimate instead: 3 of 1050
  });

  it('a stream without an earlier sample reports no rate rather than a made-up one', () => {
    const q = qualityBetween(sample([], 0), sample([recvAt(150_000, 950, 10, 40, 40)], 1000));
    assert.equal(q.recv.bob?.camera?.kbps, 0);
    assert.equal(q.recv.bob?.camera?.fps, undefined);
    assert.equal(q.downLossPercent, 0);
  });
});
