// Video and audio really flow: Node SDK publishers (virtual camera, screen, tone microphone)
// through the SFU to Node SDK viewers that decode them with libwebrtc. Runs in the loopback namespace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointEvent, readFrameNumber, type PublisherStats } from '@hudong/sdk';
import { ServerProcess } from '../helpers/server.js';
import { dispose, startedContext, uniqueId, uniqueRoomId, sleep } from '../helpers/clients.js';
import { FrameCounter, SampleCounter, endpointEvent, hostAndViewer, metric } from '../helpers/media.js';
import { RawClient } from '../helpers/raw-client.js';
import { RtpReceiver } from '../helpers/rtp-receiver.js';

let server: ServerProcess;
before(async () => {
  server = await new ServerProcess().start();
});
after(async () => {
  await server.stop();
  RtpReceiver.shutdown();
});

test('a viewer decodes the host camera: ≥ 30 frames of 640x480, first frame within 1 s, frame numbers advance', async () => {
  const { host, viewer, hostId, viewerRoom } = await hostAndViewer(server.wsUrl);
  let frames: FrameCounter | undefined;
  try {
    await host.devices.enableCamera(true);
    await endpointEvent(viewerRoom, hostId, EndpointEvent.HAS_CAMERA_VIDEO, () => !!viewerRoom.endpoints.get(hostId)?.hasCameraVideo);
    assert.equal(viewerRoom.endpoints.get(hostId)?.hasCameraVideo, true);
    const [view] = await viewerRoom.requestViewList([{ identifier: hostId, srcType: 'camera', size: 'big' }]);
    const resolvedAt = Date.now();
    frames = new FrameCounter(view!.track as MediaStreamTrack, true);
    await frames.waitFor(30, 10_000);
    const firstFrameMs = frames.frames[0]!.at - resolvedAt;
    assert.ok(firstFrameMs <= 1000, `first frame ${firstFrameMs} ms after requestViewList resolved`);
    const last = frames.frames[frames.frames.length - 1]!;
    assert.equal(last.width, 640);
    assert.equal(last.height, 480);
    const n1 = readFrameNumber(frames.frames[5]!.data, 640);
    const n2 = readFrameNumber(last.data, 640);
    assert.ok(n2 > n1, `frame numbers advance (${n1} → ${n2})`);
    console.log(`camera: first frame ${firstFrameMs} ms after requestViewList, frames ${n1}→${n2}`);
  } finally {
    frames?.stop();
    await dispose(viewer, host);
  }
});

test('screen share and microphone: the viewer decodes 1280x720 screen frames and receives tone samples', async () => {
  const { host, viewer, hostId, viewerRoom } = await hostAndViewer(server.wsUrl);
  let frames: FrameCounter | undefined;
  let audio: SampleCounter | undefined;
  try {
    await host.devices.enableScreen(true);
    await host.devices.enableMic(true);
    await endpointEvent(viewerRoom, hostId, EndpointEvent.HAS_SCREEN_VIDEO, () => !!viewerRoom.endpoints.get(hostId)?.hasScreenVideo);
    await endpointEvent(viewerRoom, hostId, EndpointEvent.HAS_AUDIO, () => !!viewerRoom.endpoints.get(hostId)?.hasAudio);
    const [view] = await viewerRoom.requestViewList([{ identifier: hostId, srcType: 'screen', size: 'big' }]);
    frames = new FrameCounter(view!.track as MediaStreamTrack);
    await frames.waitFor(30, 10_000);
    assert.equal(frames.frames.at(-1)!.width, 1280);
    assert.equal(frames.frames.at(-1)!.height, 720);

    const deadline = Date.now() + 10_000;
    while (!viewerRoom.endpoints.get(hostId)?.audioTrack && Date.now() < deadline) await sleep(50);
    const track = viewerRoom.endpoints.get(hostId)?.audioTrack;
    assert.ok(track, 'audio is received automatically');
    audio = new SampleCounter(track as MediaStreamTrack);
    await sleep(1500);
    assert.ok(audio.samples > 24_000, `audio samples arrived: ${audio.samples}`);
    assert.ok(audio.peak > 1000, `the tone is audible (peak ${audio.peak})`);

    const stopped = endpointEvent(viewerRoom, hostId, EndpointEvent.NO_SCREEN_VIDEO, () => false);
    await host.devices.enableScreen(false);
    await stopped;
    assert.equal(viewerRoom.endpoints.get(hostId)?.hasScreenVideo, false);
  } finally {
    frames?.stop();
    audio?.stop();
    await dispose(viewer, host);
  }
});

test('with 5 % of forwarded packets dropped, NACK retransmissions keep the video decoding', async () => {
  const lossy = await new ServerProcess({ config: { testDropRate: 0.05 } }).start();
  const { host, viewer, hostId, viewerRoom } = await hostAndViewer(lossy.wsUrl, { camera: true });
  let frames: FrameCounter | undefined;
  try {
    const [view] = await viewerRoom.requestViewList([{ identifier: hostId, srcType: 'camera', size: 'big' }]);
    frames = new FrameCounter(view!.track as MediaStreamTrack);
    await frames.waitFor(10, 10_000);
    const before = frames.count;
    await sleep(4000);
    const fps = (frames.count - before) / 4;
    const dropped = await metric(lossy.httpUrl, 'hudong_rtp_dropped_by_test_total');
    const nacks = await metric(lossy.httpUrl, 'hudong_nack_received_total');
    const resent = await metric(lossy.httpUrl, 'hudong_rtp_retransmitted_total');
    console.log(`5 % loss: ${fps.toFixed(1)} fps decoded, dropped ${dropped}, NACKs ${nacks}, retransmitted ${resent}`);
    assert.ok(dropped > 0, 'the hook dropped packets');
    assert.ok(nacks > 0 && resent > 0, 'the viewer NACKed and the SFU retransmitted');
    assert.ok(fps >= 15, `video keeps decoding under loss (${fps} fps)`);
  } finally {
    frames?.stop();
    await dispose(viewer, host);
    await lossy.stop();
  }
});

test("a viewer's keyframe request reaches the publisher", async () => {
  const { host, viewer, hostId, viewerRoom } = await hostAndViewer(server.wsUrl);
  let frames: FrameCounter | undefined;
  try {
    await host.devices.enableCamera(true);
    await endpointEvent(viewerRoom, hostId, EndpointEvent.HAS_CAMERA_VIDEO, () => !!viewerRoom.endpoints.get(hostId)?.hasCameraVideo);
    // Past the age a stored keyframe is replayed to a new view: the first view has to ask for one.
    await sleep(1100);
    const received0 = await metric(server.httpUrl, 'hudong_keyframe_requests_received_total');
    const sent0 = await metric(server.httpUrl, 'hudong_keyframe_requests_sent_total');
    const replayed0 = await metric(server.httpUrl, 'hudong_keyframes_replayed_total');
    const [view] = await viewerRoom.requestViewList([{ identifier: hostId, srcType: 'camera', size: 'big' }]);
    frames = new FrameCounter(view!.track as MediaStreamTrack);
    await frames.waitFor(5, 10_000);
    // Switching the view off and on makes the viewer's decoder ask for a keyframe again.
    await viewerRoom.cancelAllView();
    const [again] = await viewerRoom.requestViewList([{ identifier: hostId, srcType: 'camera', size: 'big' }]);
    frames.stop();
    frames = new FrameCounter(again!.track as MediaStreamTrack);
    await frames.waitFor(5, 10_000);
    const sent = (await metric(server.httpUrl, 'hudong_keyframe_requests_sent_total')) - sent0;
    const received = (await metric(server.httpUrl, 'hudong_keyframe_requests_received_total')) - received0;
    const replayed = (await metric(server.httpUrl, 'hudong_keyframes_replayed_total')) - replayed0;
    const publisherPlis = await host.devices.publisherStats('camera').then((s) => s.pliCount);
    console.log(
      `keyframe requests: received from viewers ${received}, sent to publisher ${sent}, publisher counted ${publisherPlis} PLIs; ${replayed} views started from the stored keyframe`,
    );
    // Each new view starts from a keyframe: requested from the publisher, or the newest one replayed
    // from the store when it is recent (the second view here, a moment after the first one's).
    assert.ok(sent >= 1, 'a keyframe was requested from the publisher');
    assert.ok(sent + replayed >= 2, 'each new view started from a keyframe');
    assert.ok(publisherPlis >= 1, 'the publisher saw the PLI');
  } finally {
    frames?.stop();
    await dispose(viewer, host);
  }
});

test('receiver reports: the SFU reports every second, so the publisher knows its round trip and loss', async () => {
  const host = await startedContext(server.wsUrl, uniqueId('host'));
  try {
    await host.devices.enableCamera(true);
    const reports0 = await metric(server.httpUrl, 'hudong_receiver_reports_sent_total');
    await host.enterRoom({ roomId: uniqueRoomId(), roomType: 'multi', createRoom: true });
    const deadline = Date.now() + 10_000;
    let stats: PublisherStats | null = null;
    while (!stats?.roundTripTime && Date.now() < deadline) {
      await sleep(250);
      stats = await host.devices.publisherStats('camera').catch(() => null); // published in the background after entry
    }
    assert.ok(stats, 'the camera was published');
    const reports = (await metric(server.httpUrl, 'hudong_receiver_reports_sent_total')) - reports0;
    console.log(`receiver reports: ${reports} sent; publisher RTT ${stats.roundTripTime} s, fraction lost ${stats.fractionLost}`);
    assert.ok(reports >= 1, 'the server sent receiver reports');
    assert.ok(stats.roundTripTime !== null && stats.roundTripTime >= 0 && stats.roundTripTime < 0.5, `RTT from the reports (${stats.roundTripTime})`);
    assert.equal(stats.fractionLost, 0, 'no loss on loopback');
  } finally {
    await dispose(host);
  }
});

test("a subscriber's own PLI is relayed to the publisher (throttled)", async () => {
  const roomId = uniqueRoomId();
  const hostId = uniqueId('host');
  const host = await startedContext(server.wsUrl, hostId);
  const raw = await RawClient.connect(server.wsUrl);
  let receiver: RtpReceiver | undefined;
  try {
    await host.devices.enableCamera(true);
    await host.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    await raw.login(uniqueId('rtp-only'));
    const entered = await raw.request('room.enter', { roomId, roomType: 'multi', authBits: 0xff, createRoom: false });
    assert.equal(entered.ok, true);
    const deadline = Date.now() + 10_000;
    while (
      !raw.events.some((e) => e.event === 'room.endpoints' && e.data.event === EndpointEvent.HAS_CAMERA_VIDEO) &&
      !entered.result.members.some((m: { hasCameraVideo: boolean }) => m.hasCameraVideo) &&
      Date.now() < deadline
    )
      await sleep(50);
    receiver = await RtpReceiver.subscribe(raw, hostId, 'camera');
    while (receiver.packets < 20 && Date.now() < deadline) await sleep(50);
    assert.ok(receiver.packets >= 20, `RTP arrives (${receiver.packets})`);
    await sleep(600); // past the keyframe throttle of the view's own start request
    const plis0 = (await host.devices.publisherStats('camera')).pliCount;
    const received0 = await metric(server.httpUrl, 'hudong_keyframe_requests_received_total');
    for (let i = 0; i < 3; i++) {
      assert.ok(receiver.sendPli());
      await sleep(700);
    }
    const received = (await metric(server.httpUrl, 'hudong_keyframe_requests_received_total')) - received0;
    const plis = (await host.devices.publisherStats('camera')).pliCount - plis0;
    console.log(`subscriber PLIs: server received ${received}, publisher counted ${plis}`);
    assert.equal(received, 3);
    assert.ok(plis >= 3, `the publisher saw each relayed PLI (${plis})`);
  } finally {
    receiver?.close();
    raw.close();
    await dispose(host);
  }
});
