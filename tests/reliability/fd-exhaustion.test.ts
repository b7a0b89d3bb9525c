// Running out of file descriptors (issue 12, point 7): under `ulimit -n 200`, members keep opening
// media transports (a socket each: node-datachannel without iceUdpMux; the native engine spends no descriptor on a transport) until the node refuses one. The refusal is
// 10005 NODE_FD_RESERVE naming the reserve — never the misleading 10002 BAD_SDP "Failed to create
// pipe" — and /healthz, logins and the metrics go on answering (the reserve kept them descriptors).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { sdpFixture } from '../fixtures/sdp.js';
import { uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { metric } from '../helpers/media.js';
import { loggedIn, type RawClient, type ResponseFrame } from '../helpers/raw-client.js';
import { ServerProcess } from '../helpers/server.js';

const CAMERA = sdpFixture('wrtc-camera-offer');
const MICROPHONE = sdpFixture('wrtc-microphone-offer');
const LIMIT = 200;
const RESERVE = 64;

test(`under ulimit -n ${LIMIT}, new media transports are refused with 10005 NODE_FD_RESERVE and /healthz answers within 100 ms`, async () => {
  const server = await new ServerProcess({
    maxOpenFiles: LIMIT,
    config: { nativeMedia: false, iceUdpMux: false, mediaFdReserve: RESERVE, mediaConnectTimeoutMs: 120_000, maxMembersPerRoom: 1000 },
  }).start();
  const clients: RawClient[] = [];
  const openFds = () => readdirSync(`/proc/${server.pid}/fd`).length;
  try {
    const roomId = uniqueRoomId();
    let refused: ResponseFrame | undefined;
    const failures: ResponseFrame[] = [];
    // Each member: a WebSocket, three sources on connections of their own and a receive connection.
    for (let i = 0; i < 60 && !refused; i++) {
      const { client } = await loggedIn(server.wsUrl, uniqueId('fd'));
      clients.push(client);
      const entered = await client.request('room.enter', { roomId, roomType: 'multi', authBits: 0xff, createRoom: i === 0 });
      assert.equal(entered.ok, true, JSON.stringify(entered.error));
      for (const [method, params] of [
        ['media.publish', { source: 'camera', sdp: CAMERA }],
        ['media.publish', { source: 'screen', sdp: CAMERA }],
        ['media.publish', { source: 'audio', sdp: MICROPHONE }],
        ['media.subscriberOpen', {}],
      ] as const) {
        const res = await client.request(method, params, 15_000);
        if (res.ok) continue;
        if (res.error.detail?.code === 'NODE_FD_RESERVE') refused = res;
        else failures.push(res);
        break;
      }
    }
    assert.deepEqual(
      failures.map((f) => f.error),
      [],
      'nothing failed another way before the refusal',
    );
    assert.ok(refused, `no refusal after ${clients.length} members (${openFds()} descriptors open)`);
    assert.equal(refused.error.code, 10005);
    assert.match(
      refused.error.detail.message,
      new RegExp(
        `^this node has \\d+ of ${LIMIT} file descriptors free, fewer than the ${RESERVE} it keeps for signalling \\(mediaFdReserve\\): no new media transport$`,
      ),
    );
    const open = openFds();
    assert.ok(open > LIMIT - RESERVE - 10 && open <= LIMIT - RESERVE + 10, `refused at ${open} open descriptors`);

    // The node answers: /healthz within 100 ms (best of 3: the machine is shared), a new login, the metrics.
    const timings: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const health = await fetch(`${server.httpUrl}/healthz`);
      timings.push(performance.now() - started);
      assert.equal(health.status, 200);
      await health.arrayBuffer();
    }
    assert.ok(Math.min(...timings) < 100, `/healthz took ${timings.map((t) => t.toFixed(1)).join(', ')} ms`);
    const members = clients.length;
    const { client: late } = await loggedIn(server.wsUrl, uniqueId('fd-late'));
    clients.push(late);
    assert.equal(await metric(server.httpUrl, 'hudong_media_transports_refused_total'), 1);
    // Media work again once descriptors are free: members leaving close their transports.
    for (const client of clients.splice(0, clients.length - 1)) client.terminate();
    const entered = await late.request('room.enter', { roomId: uniqueRoomId(), roomType: 'multi', authBits: 0xff, createRoom: true });
    assert.equal(entered.ok, true);
    const again = await waitForOk(() => late.request('media.publish', { source: 'audio', sdp: MICROPHONE }, 15_000));
    assert.equal(again.ok, true, JSON.stringify(again.error));
    assert.equal(server.alive, true);
    console.log(
      `fd-exhaustion: refused after ${members} members at ${open} of ${LIMIT} descriptors; /healthz ${timings.map((t) => t.toFixed(1)).join(' / ')} ms`,
    );
  } finally {
    for (const client of clients) client.terminate();
    await server.stop();
  }
});

/** The server closes a left member's transports a moment after its WebSocket closes: retry a refused request briefly. */
async function waitForOk(request: () => Promise<ResponseFrame>): Promise<ResponseFrame> {
  let res = await request();
  for (let i = 0; i < 50 && !res.ok && res.error.detail?.code === 'NODE_FD_RESERVE'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    res = await request();
  }
  return res;
}
