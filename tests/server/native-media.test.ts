// The native media engine (docs/media.md "Native media engine") against what a hostile or broken
// client can do to it, through a real `hudong serve` process and real @roamhq/wrtc peers: a receive
// connection whose DTLS certificate is not the one its answer declared is refused, and junk on the
// media port — random bytes, STUN with a wrong password or an unknown ufrag, DTLS and SRTP from
// addresses that never checked — changes nothing for a live view. And ICE-lite follows the pair the
// client uses, not the one it checked last. Runs inside the namespace:
//   node scripts/run-tests.mjs tests/server/native-media.test.ts
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { after, describe, it } from 'node:test';
import wrtc from '@roamhq/wrtc';
import { EndpointEvent } from '@hudong/protocol';
import { ServerProcess } from '../helpers/server.js';
import { hostAndGuest, loggedIn, type RawClient } from '../helpers/raw-client.js';
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

const u16 = (n: number) => Buffer.from([n >> 8, n & 255]);
const u24 = (n: number) => Buffer.from([n >> 16, (n >> 8) & 255, n & 255]);

/** A DTLS 1.2 ClientHello record (RFC 6347) offering what a WebRTC client offers: ECDHE-ECDSA, P-256, DTLS-SRTP. */
function dtlsClientHello(): Buffer {
  const extension = (type: number, body: number[]) => Buffer.concat([u16(type), u16(body.length), Buffer.from(body)]);
  const extensions = Buffer.concat([
    extension(0x000a, [0, 2, 0, 0x17]), // supported_groups: secp256r1
    extension(0x000b, [1, 0]), // ec_point_formats: uncompressed
    extension(0x000d, [0, 2, 4, 3]), // signature_algorithms: ecdsa_secp256r1_sha256
    extension(0x000e, [0, 2, 0, 7, 0]), // use_srtp: SRTP_AEAD_AES_128_GCM, no MKI
  ]);
  const body = Buffer.concat([
    Buffer.from([0xfe, 0xfd]),
    randomBytes(32),
    Buffer.from([0, 0]), // no session id, no cookie
    u16(2),
    u16(0xc02b), // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    Buffer.from([1, 0]), // null compression
    u16(extensions.length),
    extensions,
  ]);
  const handshake = Buffer.concat([Buffer.from([1]), u24(body.length), u16(0), u24(0), u24(body.length), body]);
  return Buffer.concat([Buffer.from([22, 0xfe, 0xfd]), u16(0), Buffer.alloc(6), u16(handshake.length), handshake]);
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

  it("answers the client's DTLS on the pair it came from, though the client checked another pair after it (Chromium's DTLS is on its selected pair), and resends a flight left unanswered within a few hundred ms", async () => {
    const server = await new ServerProcess({}).start();
    closers.push(() => server.stop());
    const { client } = await loggedIn(server.wsUrl, 'two-pairs');
    closers.push(() => client.terminate());
    const entered = await client.request('room.enter', { roomId: 903, roomType: 'multi', authBits: 0xff, createRoom: true, receive: true });
    assert.equal(entered.ok, true, JSON.stringify(entered.error));
    const offer = await client.event('media.subscriberOffer', 10_000);
    const sdp = offer.data.sdp;
    const ufrag = /a=ice-ufrag:(\S+)/.exec(sdp)![1]!;
    const pwd = /a=ice-pwd:(\S+)/.exec(sdp)![1]!;
    const port = Number(/a=candidate:\S+ 1 udp \d+ \S+ (\d+) typ host/.exec(sdp)![1]);

    const pair = async (address: string) => {
      const socket = createSocket('udp4');
      closers.push(() => socket.close());
      await new Promise<void>((resolve) => socket.bind(0, address, resolve));
      const received: { msg: Buffer; at: number }[] = [];
      socket.on('message', (msg) => received.push({ msg, at: performance.now() }));
      const send = (buf: Buffer) => new Promise<void>((resolve) => socket.send(buf, port, '127.0.0.1', () => resolve()));
      return { received, send, dtls: () => received.filter(({ msg }) => msg[0]! >= 20 && msg[0]! <= 63) };
    };
    const selected = await pair('127.0.0.1');
    const other = await pair('127.0.0.2');
    await selected.send(stunRequest(`${ufrag}:client`, pwd));
    await waitUntil('the first pair checked', () => selected.received.length > 0, 5000);
    await other.send(stunRequest(`${ufrag}:client`, pwd));
    await waitUntil('the second pair checked', () => other.received.length > 0, 5000);
    await selected.send(dtlsClientHello());
    await waitUntil("the server's DTLS flight", () => selected.dtls().length > 0 || other.dtls().length > 0, 5000);
    // We never send the next flight: the server's timer resends its own (after 100 ms, then 200…).
    await waitUntil('the flight resent', () => selected.dtls().some(({ at }) => at - selected.dtls()[0]!.at > 50), 5000);
    const resentAfterMs = selected.dtls().find(({ at }) => at - selected.dtls()[0]!.at > 50)!.at - selected.dtls()[0]!.at;
    assert.ok(selected.dtls().length > 0, 'the flight went to the pair the ClientHello came from');
    assert.equal(other.dtls().length, 0, 'nothing of the handshake went to the pair checked last');
    assert.ok(resentAfterMs < 400, `the unanswered flight was resent after ${resentAfterMs.toFixed(0)} ms (OpenSSL's own first timeout is 1 s)`);
    console.log(`# the unanswered flight was resent after ${resentAfterMs.toFixed(0)} ms`);
  });
});
