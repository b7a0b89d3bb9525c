// The Node media path end to end against the FakeServer acting as a relay SFU (libwebrtc on both
// sides): virtual camera and tone microphone published, viewed, decoded, unpublished. libwebrtc
// gathers no loopback candidates, so this needs ../shared/tools/netns-run (127.0.0.2); skipped elsewhere.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import wrtc from '@roamhq/wrtc';
import { EndpointEvent } from '@hudong/protocol';
import { AVContext } from './AVContext.js';
import { FakeServer, fail } from './testing/FakeServer.js';
import { readFrameNumber } from './devices/frame-number.js';
import { gatheringComplete } from './engine/media/peer.js';

const inNetns = Object.values(networkInterfaces())
  .flat()
  .some((i) => i?.address === '127.0.0.2');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let fake: FakeServer | null = null;
const contexts: AVContext[] = [];
const pcs: RTCPeerConnection[] = [];
after(async () => {
  for (const c of contexts) {
    if (c.room && c.room.state !== 'exited') await c.exitRoom().catch(() => {});
    if (c.state === 'started') await c.stop().catch(() => {});
  }
  for (const pc of pcs) pc.close();
  await fake?.close();
  await sleep(200); // libwebrtc tears its threads down asynchronously; exiting at once can crash it
});

async function relay(): Promise<FakeServer> {
  const f = await FakeServer.start();
  const pubs = new Map<string, MediaStreamTrack>();
  const subs = new Map<string, RTCPeerConnection>();
  const HAS = { audio: EndpointEvent.HAS_AUDIO, camera: EndpointEvent.HAS_CAMERA_VIDEO, screen: EndpointEvent.HAS_SCREEN_VIDEO };
  const NO = { audio: EndpointEvent.NO_AUDIO, camera: EndpointEvent.NO_CAMERA_VIDEO, screen: EndpointEvent.NO_SCREEN_VIDEO };
  // One send connection per publisher, as the real server keeps it: renegotiated when a source is added.
  const uplinks = new Map<unknown, RTCPeerConnection>();
  f.handle('media.publish', async (p, conn) => {
    let pc = uplinks.get(conn);
    if (!pc || p.sdp) {
      if (!pc) {
        pc = new wrtc.RTCPeerConnection();
        pcs.push(pc);
        uplinks.set(conn, pc);
      }
      await pc.setRemoteDescription({ type: 'offer', sdp: p.sdp! });
      await pc.setLocalDescription(await pc.createAnswer());
      await gatheringComplete(pc);
    }
    const transceiver = pc.getTransceivers().find((t) => t.mid === p.mid);
    if (!transceiver) return fail(10002, 'BAD_SDP');
    pubs.set(`${conn.identifier}/${p.source}`, transceiver.receiver.track);
    setTimeout(() => {
      for (const c of f.live)
        if (c !== conn) c.event('room.endpoints', { event: HAS[p.source], members: [{ identifier: conn.identifier!, tinyId: '2' }] });
    }, 300);
    const answer = p.sdp ? { sdp: pc.localDescription!.sdp } : {};
    return { publicationId: `${conn.identifier}/${p.source}`, ...answer, codec: p.source === 'audio' ? 'opus' : 'VP8' };
  });
  f.handle('media.unpublish', (p, conn) => {
    pubs.delete(`${conn.identifier}/${p.source}`);
    for (const c of f.live)
      if (c !== conn) c.event('room.endpoints', { event: NO[p.source], members: [{ identifier: conn.identifier!, tinyId: '2' }] });
    return {};
  });
  // One receive connection per viewer, offered by the relay as the real server does; one offer at a time.
  const downlinks = new Map<unknown, { pc: RTCPeerConnection; revision: number; queue: Promise<unknown>; answered: (() => void) | null }>();
  f.handle('media.subscribe', async (p, conn) => {
    const track = pubs.get(`${p.identifier}/${p.source}`);
    if (!track) return fail(10010, 'NOT_PUBLISHING');
    let down = downlinks.get(conn);
    if (!down) {
      down = { pc: new wrtc.RTCPeerConnection(), revision: 0, queue: Promise.resolve(), answered: null };
      pcs.push(down.pc);
      downlinks.set(conn, down);
    }
    const d = down;
    const negotiated = d.queue.then(async () => {
      const transceiver = d.pc.addTransceiver(track, { direction: 'sendonly' });
      await d.pc.setLocalDescription(await d.pc.createOffer());
      await gatheringComplete(d.pc);
      const answered = new Promise<void>((resolve) => (d.answered = resolve));
      conn.event('media.subscriberOffer', { connectionId: 'c1', revision: ++d.revision, sdp: d.pc.localDescription!.sdp });
      await answered;
      return transceiver.mid!;
    });
    d.queue = negotiated;
    const mid = await negotiated;
    const id = `sub-${subs.size + 1}`;
    subs.set(id, d.pc);
    return { subscriptionId: id, connectionId: 'c1', mid, codec: p.source === 'audio' ? 'opus' : 'VP8' };
  });
  f.handle('media.subscriberAnswer', async (p, conn) => {
    const down = downlinks.get(conn);
    if (!down) return fail(10002, 'BAD_SDP');
    await down.pc.setRemoteDescription({ type: 'answer', sdp: p.sdp });
    down.answered?.();
    return {};
  });
  f.handle('media.setLayer', () => ({}));
  f.handle('media.unsubscribe', (p) => {
    return subs.delete(p.subscriptionId) ? {} : fail(10010, 'SUBSCRIPTION_NOT_FOUND');
  });
  return f;
}

test(
  'camera and microphone: published on entry, viewed and decoded (frame numbers advance), audio received automatically, unpublished',
  { skip: !inNetns && 'needs netns-run (no loopback ICE in libwebrtc)' },
  async () => {
    fake = await relay();
    const host = AVContext.create({ serverUrl: fake.url, sdkAppId: 1400000001, webrtc: wrtc });
    const viewer = AVContext.create({ serverUrl: fake.url, sdkAppId: 1400000001 }); // found automatically
    contexts.push(host, viewer);
    await host.start({ identifier: 'host', userSig: 'x' });
    await viewer.start({ identifier: 'viewer', userSig: 'x' });
    await host.devices.enableCamera(true);
    assert.ok(host.devices.localTracks.camera);
    await host.enterRoom({ roomId: 1 });
    fake.members = [
      { identifier: 'host', tinyId: '2', role: '', terminal: 'node', authBits: 0xff, hasAudio: false, hasCameraVideo: true, hasScreenVideo: false },
    ];
    await sleep(500);
    const room = await viewer.enterRoom({ roomId: 1 });
    const [view] = await room.requestViewList([{ identifier: 'host', srcType: 'camera', size: 'big' }]);
    assert.equal(view!.identifier, 'host');
    const frames: { width: number; height: number; n: number }[] = [];
    const sink = new wrtc.nonstandard.RTCVideoSink(view!.track);
    sink.onframe = ({ frame }: { frame: { width: number; height: number; data: Uint8Array } }) =>
      frames.push({ width: frame.width, height: frame.height, n: readFrameNumber(frame.data, frame.width) });
    const deadline = Date.now() + 10_000;
    while (frames.length < 30 && Date.now() < deadline) await sleep(100);
    sink.stop();
    assert.ok(frames.length >= 30, `decoded ${frames.length} frames`);
    assert.equal(frames.at(-1)!.width, 640);
    assert.equal(frames.at(-1)!.height, 480);
    assert.ok(frames.at(-1)!.n > frames[5]!.n, `frame numbers advance ${frames[5]!.n} → ${frames.at(-1)!.n}`);

    await host.devices.enableMic(true);
    const audioDeadline = Date.now() + 10_000;
    while (!room.endpoints.get('host')?.audioTrack && Date.now() < audioDeadline) await sleep(50);
    const audio = room.endpoints.get('host')?.audioTrack;
    assert.ok(audio, 'audio is received automatically');
    let peak = 0;
    const aSink = new wrtc.nonstandard.RTCAudioSink(audio);
    aSink.ondata = ({ samples }: { samples: Int16Array }) => {
      for (const s of samples) peak = Math.max(peak, Math.abs(s));
    };
    await sleep(1500);
    aSink.stop();
    assert.ok(peak > 1000, `the tone is audible (peak ${peak})`);

    const ended = new Promise<unknown>((resolve) => room.once('viewEnded', (v, reason) => resolve([v, reason])));
    await host.devices.enableCamera(false);
    assert.deepEqual(fake.requestsOf('media.unpublish'), [{ source: 'camera' }]);
    assert.deepEqual(await ended, [view, null]);
    assert.deepEqual(room.views, []);
    assert.equal(host.devices.localTracks.camera, undefined);
  },
);
