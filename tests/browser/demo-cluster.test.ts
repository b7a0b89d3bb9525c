// The demo across a cluster, in real Chromium (issue 11): three `hudong serve --dev --redis` nodes on
// one redis-server; the host page on node 1 and the audience page on node 3 meet in one room, and the
// audience stage plays the host's camera, relayed from node 1 to node 3.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import type { ServerProcess } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait-until.js';
import { Browser, closeAll, screenshot, waitForPlayingVideo } from './helpers/browser.js';
import { byTestId, DEMO_INDEX, demoPage, enter, stageVideo } from './helpers/demo.js';
import { existsSync } from 'node:fs';

let cluster: TestCluster | undefined;
before(async () => {
  if (!existsSync(DEMO_INDEX)) throw new Error(`the demo is not built: ${DEMO_INDEX} is missing`);
  cluster = await startCluster(3, { extraArgs: ['--dev'] });
});
after(() => cluster?.stop());

test("a host page on node 1 and an audience page on node 3: the audience stage plays the host's camera", async () => {
  const [n1, , n3] = cluster!.nodes as [ServerProcess, ServerProcess, ServerProcess];
  const roomId = uniqueRoomId();
  const hostId = uniqueId('cl-host');
  const audienceId = uniqueId('cl-aud');
  const browsers = [await Browser.launch('cluster-host'), await Browser.launch('cluster-audience')];
  try {
    const host = await demoPage(browsers[0]!, { id: hostId, room: roomId, role: 'host' }, n1);
    await enter(host);
    await waitUntil('the host camera to be on', () => host.isVisible(byTestId('local-video')).catch(() => false), 10_000);
    const audience = await demoPage(browsers[1]!, { id: audienceId, room: roomId, role: 'audience' }, n3);
    await enter(audience);
    const stats = await waitForPlayingVideo(audience, stageVideo(hostId), { width: 640, timeoutMs: 20_000 });
    console.log(`audience on node 3: ${stats.videoWidth}x${stats.videoHeight}, ${stats.presentedFrames} frames presented`);
    console.log(`screenshot: ${await screenshot(audience, 'demo-cluster-audience')}`);
    await waitUntil('node 3 relays from node 1', () => n3.logsWith((l) => l.msg === 'relay leg opened' && l.from === 'n1').length >= 1);
    assert.ok(n1.logsWith((l) => l.msg === 'logged in' && l.identifier === hostId).length === 1, 'the host is on node 1');
    await waitUntil('the audience is on node 3', () => n3.logsWith((l) => l.msg === 'logged in' && l.identifier === audienceId).length === 1);
    for (const b of browsers) assert.deepEqual(b.errors, []);
  } finally {
    await closeAll(...browsers);
  }
});
