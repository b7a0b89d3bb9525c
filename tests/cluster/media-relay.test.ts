// Media across nodes (issue 11, cascade): a host publishing its camera on node 1 is viewed by members
// connected to node 2, through one relay leg node 1 → node 2 however many of them watch; the viewers
// decode real video (libwebrtc); when the host stops, their views end as on one node and the leg closes.
// Real `hudong serve --redis` processes, a real redis-server, @roamhq/wrtc clients, in the loopback namespace.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EndpointEvent, type AVError, type AVView } from '@hudong/sdk';
import { dispose, startedContext, uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { endpointEvent, FrameCounter, hostAndViewer, metric } from '../helpers/media.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import type { ServerProcess } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait-until.js';

describe('media relay between nodes', () => {
  let cluster: TestCluster;
  let n1: ServerProcess;
  let n2: ServerProcess;

  before(async () => {
    cluster = await startCluster(2);
    [n1, n2] = cluster.nodes as [ServerProcess, ServerProcess];
  });
  after(() => cluster.stop());

  it('two viewers on node 2 decode the camera of a host on node 1 over one relay leg; its end reaches them', async () => {
    const roomId = uniqueRoomId();
    const hostId = uniqueId('host');
    const host = await startedContext(n1.wsUrl, hostId);
    const viewers = await Promise.all([startedContext(n2.wsUrl, uniqueId('v1')), startedContext(n2.wsUrl, uniqueId('v2'))]);
    const counters: FrameCounter[] = [];
    try {
      await host.devices.enableCamera(true);
      await host.enterRoom({ roomId, roomType: 'multi', createRoom: true });
      const rooms = await Promise.all(viewers.map((v) => v.enterRoom({ roomId, roomType: 'multi', createRoom: false })));
      for (const room of rooms) {
        await endpointEvent(room, hostId, EndpointEvent.HAS_CAMERA_VIDEO, () => !!room.endpoints.get(hostId)?.hasCameraVideo);
      }
      const ended: [AVView, AVError | null][] = [];
      const views: AVView[] = [];
      for (const room of rooms) {
        room.on('viewEnded', (view, reason) => ended.push([view, reason]));
        const [view] = await room.requestViewList([{ identifier: hostId, srcType: 'camera', size: 'big' }]);
        views.push(view!);
        counters.push(new FrameCounter(view!.track as MediaStreamTrack));
      }
      await Promise.all(counters.map((c) => c.waitFor(30, 15_000)));
      for (const c of counters) {
        assert.equal(c.frames.at(-1)!.width, 640);
        assert.equal(c.frames.at(-1)!.height, 480);
      }
      // One stream crossed: one leg sent by node 1, one copy received by node 2.
      await waitUntil('node 1 logged its leg', () => n1.logsWith((l) => l.msg === 'relaying').length === 1);
      assert.equal(n1.logsWith((l) => l.msg === 'relaying').length, 1, 'one leg for two viewers');
      assert.equal(n2.logsWith((l) => l.msg === 'relay leg opened').length, 1);

      await host.devices.enableCamera(false);
      await waitUntil('both views ended', () => ended.length === 2, 10_000);
      for (const [view] of ended) assert.ok(views.includes(view));
      await waitUntil('the leg closed on node 2', () => n2.logsWith((l) => l.msg === 'relay leg closed').length === 1, 10_000);
    } finally {
      for (const c of counters) c.stop();
      await dispose(host, ...viewers);
    }
  });
});

describe('media relay between nodes, with loss on the way', () => {
  let cluster: TestCluster;
  before(async () => {
    // Node 1 drops a fifth of first transmissions to its views, the relay leg's among them.
    cluster = await startCluster(2, { config: { testDropRate: 0.2 } });
  });
  after(() => cluster.stop());

  it('the copy on node 2 NACKs what the leg lost, node 1 resends it, and the viewer decodes', async () => {
    const [n1, n2] = cluster.nodes as [ServerProcess, ServerProcess];
    const { host, viewer, hostId, viewerRoom } = await hostAndViewer(n1.wsUrl, { camera: true, viewerUrl: n2.wsUrl });
    let frames: FrameCounter | undefined;
    try {
      const [view] = await viewerRoom.requestViewList([{ identifier: hostId, srcType: 'camera', size: 'big' }]);
      frames = new FrameCounter(view!.track as MediaStreamTrack);
      await frames.waitFor(90, 20_000);
      const dropped = await metric(n1.httpUrl, 'hudong_rtp_dropped_by_test_total');
      const nacked = await metric(n2.httpUrl, 'hudong_nack_sent_total');
      const resent = await metric(n1.httpUrl, 'hudong_rtp_retransmitted_total');
      console.log(`leg: ${dropped} dropped on node 1, ${nacked} NACKs from node 2's copy, ${resent} resent by node 1`);
      assert.ok(dropped > 0, 'node 1 dropped packets of the leg');
      assert.ok(nacked > 0, "node 2's copy asked for them");
      assert.ok(resent > 0, 'node 1 resent them');
    } finally {
      frames?.stop();
      await dispose(host, viewer);
    }
  });
});
