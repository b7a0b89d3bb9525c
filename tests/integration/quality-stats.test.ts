// room.getQualityStats() (API.md section 7) measured from the live connections: under the server's
// 5 % loss hook (testDropRate, first transmissions toward viewers) the viewer reports a down loss of
// 3–8 % although NACKs repair it; the publisher reports what it sends and no up loss. Runs in the
// loopback namespace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AuthBits, EndpointEvent } from '@hudong/sdk';
import { ServerProcess } from '../helpers/server.js';
import { dispose, startedContext, uniqueId, uniqueRoomId, sleep } from '../helpers/clients.js';
import { FrameCounter, endpointEvent, metric } from '../helpers/media.js';
import { waitUntil } from '../helpers/wait-until.js';

let server: ServerProcess;
before(async () => {
  server = await new ServerProcess({ config: { testDropRate: 0.05 } }).start();
});
after(async () => {
  await server.stop();
});

test('under 5 % loss toward the viewer: downLossPercent 3–8, the stream sizes and rates, rtt', async () => {
  const roomId = uniqueRoomId();
  const hostId = uniqueId('host');
  const host = await startedContext(server.wsUrl, hostId);
  const viewer = await startedContext(server.wsUrl, uniqueId('viewer'));
  let frames: FrameCounter | undefined;
  try {
    await host.devices.enableCamera(true);
    await host.devices.enableMic(true);
    const hostRoom = await host.enterRoom({ roomId, controlRole: 'LiveGuest' });
    const viewerRoom = await viewer.enterRoom({ roomId, createRoom: false, controlRole: 'Guest', authBits: AuthBits.AUDIENCE });
    await endpointEvent(viewerRoom, hostId, EndpointEvent.HAS_CAMERA_VIDEO, () => !!viewerRoom.endpoints.get(hostId)?.hasCameraVideo);
    const [view] = await viewerRoom.requestViewList([{ identifier: hostId, srcType: 'camera', size: 'big' }]);
    frames = new FrameCounter(view!.track as MediaStreamTrack);
    await frames.waitFor(20, 10_000);
    await waitUntil('the host audio at the viewer', () => viewerRoom.endpoints.get(hostId)?.audioTrack, 10_000);

    // A first call measures over a second of its own; the next ones since the call before.
    const counted = async () => ({
      dropped: await metric(server.httpUrl, 'hudong_rtp_dropped_by_test_total'),
      sent: await metric(server.httpUrl, 'hudong_rtp_forwarded_total'),
    });
    const c0 = await counted();
    await viewerRoom.getQualityStats();
    // Ten seconds since the call before: ~1,100 packets, so that 5 % is ~55 drops.
    await sleep(10_000);
    const down = await viewerRoom.getQualityStats();
    const c1 = await counted();
    const up = await hostRoom.getQualityStats();
    const dropped = c1.dropped - c0.dropped;
    const actual = (100 * dropped) / (dropped + c1.sent - c0.sent);
    console.log(`the hook dropped ${actual.toFixed(1)} % of first transmissions meanwhile`);
    console.log(`viewer: ${JSON.stringify(down)}`);
    console.log(`host: ${JSON.stringify(up)}`);

    const cam = down.recv[hostId]?.camera;
    assert.ok(cam, 'the viewed camera is reported');
    assert.equal(cam.width, 480);
    assert.equal(cam.height, 360);
    assert.ok(cam.fps! > 10 && cam.fps! <= 25, `camera fps ${cam.fps}`);
    assert.ok(cam.kbps > 100, `camera kbps ${cam.kbps}`);
    assert.ok(down.recv[hostId]?.audio && down.recv[hostId]!.audio!.kbps > 5, 'the received audio is reported');
    assert.ok(down.downLossPercent >= 3 && down.downLossPercent <= 8, `downLossPercent ${down.downLossPercent}`);
    // Not an estimate: the server's count of first sends and resends against what arrived.
    assert.ok(Math.abs(down.downLossPercent - actual) <= 1, `downLossPercent ${down.downLossPercent} against the hook's ${actual.toFixed(1)} %`);
    assert.deepEqual(down.send, {}, 'the viewer sends nothing');

    const sent = up.send.camera;
    assert.ok(sent, 'the sent camera is reported');
    assert.equal(sent.width, 480);
    assert.equal(sent.height, 360);
    assert.ok(sent.kbps > 100 && sent.fps! > 10, `sent camera ${JSON.stringify(sent)}`);
    assert.ok(up.send.audio && up.send.audio.kbps > 5, 'the sent audio is reported');
    assert.ok(up.upLossPercent < 2, `upLossPercent ${up.upLossPercent} (the hook drops only toward viewers)`);
    assert.ok(up.rttMs >= 0 && up.rttMs < 500, `rttMs ${up.rttMs}`);
    assert.deepEqual(Object.keys(up.recv), [], 'the host views nothing');
  } finally {
    frames?.stop();
    await dispose(viewer, host);
  }
});
