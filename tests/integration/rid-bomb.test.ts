// Issue 8 hotfix: a publisher offering 32 simulcast rids used to take the whole node down (the
// receiver-report timer threw "at most 31 report blocks", uncaught). Now the offer is refused with
// 10011 TOO_MANY_LAYERS, and a throw inside a publication's own work ends that publication with
// 10001 INTERNAL while the node goes on. Inside the namespace, like every media test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AVError, EndpointEvent, ErrorCode } from '@hudong/sdk';
import { NdcEngine, type MediaEngine, type PublisherTransport } from '@hudong/server';
import { InProcessServer, ServerProcess } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { dispose, nextEvent, uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { endpointEvent, hostAndViewer } from '../helpers/media.js';

/** A hand-written VP8 publisher offer with simulcast rids `r0`…`r(n-1)`. */
function simulcastOffer(n: number): string {
  const rids = Array.from({ length: n }, (_, i) => `r${i}`);
  return (
    [
      'v=0',
      'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
      's=-',
      't=0 0',
      'a=group:BUNDLE 0',
      'a=msid-semantic: WMS',
      'm=video 9 UDP/TLS/RTP/SAVPF 96',
      'c=IN IP4 0.0.0.0',
      'a=rtcp:9 IN IP4 0.0.0.0',
      'a=ice-ufrag:Kx8f',
      'a=ice-pwd:0mQ6xv0D4Lq3Zr0y1M1hbQ3u',
      'a=ice-options:trickle',
      'a=fingerprint:sha-256 3B:1F:8E:5E:0A:6C:29:7A:90:4B:2E:9C:21:DF:0D:3C:58:AB:67:95:1E:88:CB:4A:0E:6D:9F:71:14:C2:3A:5D',
      'a=setup:actpass',
      'a=mid:0',
      'a=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid',
      'a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
      'a=sendonly',
      'a=rtcp-mux',
      'a=rtpmap:96 VP8/90000',
      'a=rtcp-fb:96 nack',
      'a=rtcp-fb:96 nack pli',
      'a=rtcp-fb:96 goog-remb',
      ...rids.map((rid) => `a=rid:${rid} send`),
      `a=simulcast:send ${rids.join(';')}`,
    ].join('\r\n') + '\r\n'
  );
}

test('a real server process refuses 32 rids with 10011 TOO_MANY_LAYERS and keeps serving; 3 rids are accepted', async () => {
  const server = await new ServerProcess().start();
  const clients: RawClient[] = [];
  try {
    const publisher = await RawClient.connect(server.wsUrl);
    clients.push(publisher);
    await publisher.login(uniqueId('rid-bomb'));
    const entered = await publisher.request('room.enter', { roomId: uniqueRoomId(), roomType: 'multi', authBits: 0xff, createRoom: true });
    assert.equal(entered.ok, true, JSON.stringify(entered.error));

    const refused = await publisher.request('media.publish', { source: 'camera', sdp: simulcastOffer(32) });
    assert.equal(refused.ok, false);
    assert.deepEqual([refused.error.code, refused.error.detail.code], [10011, 'TOO_MANY_LAYERS']);
    assert.equal(refused.error.detail.message, 'the offer has 32 simulcast layers (rids); this server accepts at most 3');
    const logged = await server.waitForLog((l) => l.msg === 'request failed' && (l.detail as { code?: string })?.code === 'TOO_MANY_LAYERS');
    assert.equal(logged.method, 'media.publish');

    const accepted = await publisher.request('media.publish', { source: 'camera', sdp: simulcastOffer(3) });
    assert.equal(accepted.ok, true, JSON.stringify(accepted.error));
    assert.match(accepted.result.sdp ?? '', /a=simulcast:recv r0;r1;r2/);
    assert.equal(server.alive, true);
    const health = await fetch(`${server.httpUrl}/healthz`);
    assert.equal(health.status, 200);
    const another = await RawClient.connect(server.wsUrl);
    clients.push(another);
    assert.ok(await another.login(uniqueId('after-bomb')), 'a new login is answered');
  } finally {
    for (const client of clients) client.close();
    await server.stop();
  }
});

/** node-datachannel, except that `breakReports` makes a publisher transport throw when sent a receiver report (RTCP 201). */
class ReportBreakingEngine implements MediaEngine {
  readonly #inner = new NdcEngine({});
  breakReports = false;

  createPublisherTransport(id: string): PublisherTransport {
    const transport = this.#inner.createPublisherTransport(id);
    return {
      id,
      negotiate: (offer) => transport.negotiate(offer),
      track: (mid) => {
        const track = transport.track(mid);
        return {
          mid,
          get open() {
            return track.open;
          },
          send: (buf) => {
            if (this.breakReports && buf[1] === 201) throw new RangeError('at most 31 report blocks fit one packet');
            return track.send(buf);
          },
          setListener: (listener) => track.setListener(listener),
          close: () => track.close(),
        };
      },
      onState: (listener) => transport.onState(listener),
      close: () => transport.close(),
    };
  }

  createSubscriberTransport(id: string) {
    return this.#inner.createSubscriberTransport(id);
  }

  close(): void {
    this.#inner.close();
  }
}

const engine = new ReportBreakingEngine();
const inProcess = new InProcessServer({ config: { mediaEngine: engine } });
let wsUrl: string;
let httpUrl: string;
before(async () => {
  ({ wsUrl, httpUrl } = await inProcess.start());
});
after(async () => {
  await inProcess.stop();
});

test('the receiver-report timer throwing (the crash) ends that publication with 10001 INTERNAL; the node goes on', async () => {
  const { host, viewer, hostId, viewerRoom } = await hostAndViewer(wsUrl, { camera: true });
  try {
    const [view] = await viewerRoom.requestViewList([{ identifier: hostId, srcType: 'camera', size: 'big' }]);
    assert.ok(view);
    const told = nextEvent(host.devices, 'publicationEnded');
    const viewEnded = nextEvent(viewerRoom, 'viewEnded');
    const gone = endpointEvent(viewerRoom, hostId, EndpointEvent.NO_CAMERA_VIDEO);
    engine.breakReports = true; // the next receiver report (within a second) throws
    const [kind, reason] = await told;
    assert.equal(kind, 'camera');
    assert.ok(reason instanceof AVError);
    assert.deepEqual([reason.code, reason.detail?.code], [ErrorCode.AV_ERR_SERVER_FAILED, 'INTERNAL']);
    assert.equal(reason.detail?.message, "the publication's receiver report failed: at most 31 report blocks fit one packet");
    const [, viewReason] = await viewEnded;
    assert.equal(viewReason?.detail?.code, 'NOT_PUBLISHING');
    await gone;

    // The node is fine: the same member publishes again once reports work, and the viewer sees it.
    engine.breakReports = false;
    const back = endpointEvent(viewerRoom, hostId, EndpointEvent.HAS_CAMERA_VIDEO);
    await host.devices.enableCamera(false);
    await host.devices.enableCamera(true);
    await back;
    assert.equal((await fetch(`${httpUrl}/healthz`)).status, 200);
  } finally {
    engine.breakReports = false;
    await dispose(viewer, host);
  }
});
