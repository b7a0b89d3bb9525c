// The native media engine (docs/media.md "Native media engine") against what a hostile or broken
// client can do to it, through a real `hudong serve` process and real @roamhq/wrtc peers: a receive
// connection whose DTLS certificate is not the one its answer declared is refused, and junk on the
// media port — random bytes, STUN with a wrong password or an unknown ufrag, DTLS and SRTP from
// addresses that never checked — changes nothing for a live view. Runs inside the namespace:
//   node scripts/run-tests.mjs tests/server/native-media.test.ts
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { after, describe, it } from 'node:test';
import wrtc from '@roamhq/wrtc';
import { EndpointEvent } from '@hudong/protocol';
import { ServerProcess } from '../helpers/server.js';
import { hostAndGuest, type RawClient } from '../helpers/raw-client.js';
import { udpPorts } from '../helpers/udp-ports.js';
import { waitUntil } from '../helpers/wait-until.js';
import { WrtcPublisher, WrtcViewer } from '../helpers/wrtc-peers.js';

const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

async function liveRoom(roomId: number) {
  const server = await new ServerProcess({}).start();
  closers.push(() => server.stop());
  const { host, guest } = await hostAndGuest(server.wsUrl, roomId, closers);
  const { publisher, response } = await WrtcPublisher.publish(host, 'camera');
  closers.push(() => publisher.close());
  assert.equal(response.ok, true, JSON.stringify(response.error));
  await guest.waitFor((f) => f.type === 'event' && f.event === 'room.endpoints' && f.data.event === EndpointEvent.HAS_CAMERA_VIDEO, 10_000);
  return { server, host, guest };
}

/** Answers the receive connection's offers as a client would, but declares another certificate's fingerprint. */
function answerWithForgedFingerprint(client: RawClient): void {
  const pc = new wrtc.RTCPeerConnection();
  closers.push(() => pc.close());
  client.onEvent('media.subscriberOffer', (offer) => {
    void (async () => {
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      const forged = answer.sdp!.replace(
        /a=fingerprint:sha-256 ([0-9A-F]{2})/,
        (_, byte: string) => `a=fingerprint:sha-256 ${byte === '00' ? '01' : '00'}`,
      );
      assert.notEqual(forged, answer.sdp);
      await client.request('media.subscriberAnswer', { connectionId: offer.connectionId, revision: offer.revision, sdp: forged });
    })();
  });
}

/** A STUN binding request for `username`, its MESSAGE-INTEGRITY keyed with `pwd` (RFC 5389). */
function stunRequest(username: string, pwd: string): Buffer {
  const user = Buffer.from(username);
  const userAttr = Buffer.alloc(4 + Math.ceil(user.length / 4) * 4);
  userAttr.writeUInt16BE(0x0006, 0);
  userAttr.writeUInt16BE(user.length, 2);
  user.copy(userAttr, 4);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(0x0001, 0);
  header.writeUInt16BE(userAttr.length + 24, 2);
  header.writeUInt32BE(0x2112a442, 4);
  randomBytes(12).copy(header, 8);
  const mac = createHmac('sha1', pwd)
    .update(Buffer.concat([header, userAttr]))
    .digest();
  const integrity = Buffer.alloc(24);
  integrity.writeUInt16BE(0x0008, 0);
  integrity.writeUInt16BE(20, 2);
  mac.copy(integrity, 4);
  return Buffer.concat([header, userAttr, integrity]);
}

async function metricValue(httpUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

describe('the native media engine', () => {
  it('a receive connection whose DTLS certificate is not the one its answer declares is refused: the view ends with 10004 TRANSPORT_FAILED naming the fingerprint', async () => {
    const { guest } = await liveRoom(901);
    answerWithForgedFingerprint(guest);
    const view = await guest.request('media.subscribe', { identifier: 'host', source: 'camera' }, 10_000);
    assert.equal(view.ok, true, JSON.stringify(view.error));
    const ended = await guest.event('media.subscriptionEnded', 15_000);
    assert.equal(ended.data.subscriptionId, view.result.subscriptionId);
    assert.equal(ended.data.error.code, 10004);
    assert.equal(ended.data.error.detail.code, 'TRANSPORT_FAILED');
    assert.match(ended.data.error.detail.message, /certificate does not match the answer's a=fingerprint/);
  });

  it('junk on the media port leaves a live view decoding and the server answering; the refused datagrams are counted', async () => {
    const { server, guest } = await liveRoom(902);
    const view = await WrtcViewer.view(guest, 'host', 'camera');
    closers.push(
      () => view.close(),
      () => view.connection.close(),
    );
    await view.waitFrames(10, 10_000);
    // The engine's port as the offer announced it (the process may hold inherited sockets too).
    const offer = [...guest.frames].reverse().find((f) => f.type === 'event' && f.event === 'media.subscriberOffer');
    const port = Number(/a=candidate:\S+ 1 udp \d+ \S+ (\d+) typ host/.exec(JSON.stringify(offer))?.[1]);
    assert.ok(udpPorts(server.pid!).includes(port), `the engine socket (${port})`);

    const socket = createSocket('udp4');
    closers.push(() => socket.close());
    const send = (buf: Buffer) => new Promise<void>((resolve) => socket.send(buf, port!, '127.0.0.1', () => resolve()));
    const junk: (() => Buffer)[] = [
      () => randomBytes(1 + Math.floor(Math.random() * 1400)),
      () => stunRequest(`${randomBytes(6).toString('base64')}:x`, 'not-the-password'), // no such ufrag
      () => stunRequest('nope:x', 'nope'),
      () => Buffer.concat([Buffer.from([22, 0xfe, 0xfd]), randomBytes(100)]), // DTLS from an address that never checked
      () => Buffer.concat([Buffer.from([0x80, 96]), randomBytes(200)]), // SRTP likewise
      () => Buffer.concat([Buffer.from([0x80, 200]), randomBytes(60)]), // SRTCP likewise
      () => Buffer.from([0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42]), // a truncated STUN header
    ];
    const before = view.frames;
    const started = Date.now();
    let sent = 0;
    while (Date.now() - started < 2000) {
      for (let i = 0; i < 100; i++, sent++) await send(junk[sent % junk.length]!());
    }
    await waitUntil('the view decodes on', () => view.frames >= before + 30, 10_000);
    assert.equal((await fetch(`${server.httpUrl}/healthz`)).status, 200);
    const stun = await metricValue(server.httpUrl, 'hudong_media_stun_refused_total');
    const unmatched = await metricValue(server.httpUrl, 'hudong_media_datagrams_unmatched_total');
    assert.ok(stun >= (sent * 3) / junk.length - 3, `STUN refused: ${stun} of ~${(sent * 3) / junk.length}`);
    assert.ok(unmatched >= (sent * 3) / junk.length - 3, `unmatched: ${unmatched}`);
    console.log(
      `# ${sent} junk datagrams in 2 s: ${stun} STUN refused, ${unmatched} unmatched; the view decoded ${view.frames - before} frames meanwhile`,
    );
  });
});
