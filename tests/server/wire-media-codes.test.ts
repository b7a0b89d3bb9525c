// The media codes of docs/media.md over the real signalling. The timeout case uses a real wrtc
// publisher, so run this file inside the namespace like the other media tests.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthBits } from '@hudong/protocol';
import { sdpFixture } from '../fixtures/sdp.js';
import { InProcessServer } from '../helpers/server.js';
import { loggedIn, type Frame, type RawClient } from '../helpers/raw-client.js';
import { WrtcPublisher } from '../helpers/wrtc-peers.js';

const WRTC_VIDEO_OFFER = sdpFixture('wrtc-camera-offer');
const WRTC_AUDIO_OFFER = sdpFixture('wrtc-microphone-offer');
const CHROME_SIMULCAST_OFFER = sdpFixture('chromium-style-simulcast-3-offer');

const codeOf = (f: Frame) => [f.error?.code, f.error?.detail?.code];
const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

describe('media codes', () => {
  const srv = new InProcessServer();
  let roomId = 700;
  before(async () => {
    await srv.start();
    closers.push(() => srv.stop());
  });

  async function member(identifier: string, authBits: number, id: number, create = false): Promise<RawClient> {
    const { client } = await loggedIn(srv.wsUrl, identifier);
    closers.push(() => client.terminate());
    const res = await client.request('room.enter', { roomId: id, roomType: 'multi', authBits, createRoom: create });
    assert.equal(res.ok, true, JSON.stringify(res.error));
    return client;
  }

  it('10006 NOT_IN_ROOM for every media method outside a room', async () => {
    const { client } = await loggedIn(srv.wsUrl, 'outsider');
    closers.push(() => client.terminate());
    for (const [method, params] of [
      ['media.publish', { source: 'camera', sdp: WRTC_VIDEO_OFFER }],
      ['media.unpublish', { source: 'camera' }],
      ['media.subscribe', { identifier: 'x', source: 'camera' }],
      ['media.subscriberAnswer', { connectionId: 'c1', revision: 1, sdp: 'v=0' }],
      ['media.subscriberReset', {}],
      ['media.setLayer', { subscriptionId: 's1', size: 'small' }],
      ['media.unsubscribe', { subscriptionId: 's1' }],
    ] as const) {
      assert.deepEqual(codeOf(await client.request(method, params)), [10006, 'NOT_IN_ROOM'], method);
    }
  });

  it('10003 for missing SEND_/RECV_ bits (checked before the SDP), 10002 BAD_SDP, 10011 NO_COMMON_CODEC', async () => {
    const id = ++roomId;
    const host = await member('codes-host', 0xff, id, true);
    const audience = await member('codes-audience', AuthBits.AUDIENCE, id);
    const deaf = await member('codes-deaf', AuthBits.JOIN_ROOM | AuthBits.RECV_CAMERA_VIDEO, id);
    assert.deepEqual(codeOf(await audience.request('media.publish', { source: 'camera', sdp: 'v=0\r\n' })), [
      10003,
      'AUTH_SEND_CAMERA_VIDEO_MISSING',
    ]);
    assert.deepEqual(codeOf(await audience.request('media.publish', { source: 'audio', sdp: 'v=0\r\n' })), [10003, 'AUTH_SEND_AUDIO_MISSING']);
    assert.deepEqual(codeOf(await audience.request('media.publish', { source: 'screen', sdp: 'v=0\r\n' })), [
      10003,
      'AUTH_SEND_SCREEN_VIDEO_MISSING',
    ]);
    assert.deepEqual(codeOf(await host.request('media.publish', { source: 'camera', sdp: 'v=0\r\n' })), [10002, 'BAD_SDP']);
    assert.deepEqual(codeOf(await host.request('media.publish', { source: 'camera', sdp: WRTC_AUDIO_OFFER })), [10002, 'BAD_SDP']);
    const vp9Only = WRTC_VIDEO_OFFER.replace(/VP8\/90000/g, 'VP7/90000');
    assert.deepEqual(codeOf(await host.request('media.publish', { source: 'camera', sdp: vp9Only })), [10011, 'NO_COMMON_CODEC']);

    const published = await host.request('media.publish', { source: 'camera', sdp: WRTC_VIDEO_OFFER }, 10_000);
    assert.equal(published.ok, true, JSON.stringify(published.error));
    assert.equal(published.result.codec, 'VP8');
    assert.match(published.result.sdp ?? '', /^v=0/);
    const audio = await host.request('media.publish', { source: 'audio', sdp: WRTC_AUDIO_OFFER }, 10_000);
    assert.equal(audio.result.codec, 'opus');
    assert.deepEqual(codeOf(await deaf.request('media.subscribe', { identifier: 'codes-host', source: 'audio' })), [
      10003,
      'AUTH_RECV_AUDIO_MISSING',
    ]);
    assert.deepEqual(codeOf(await audience.request('media.subscribe', { identifier: 'codes-host', source: 'camera', codecs: ['H264'] })), [
      10011,
      'NO_COMMON_CODEC',
    ]);
    const first = await audience.request('media.subscribe', { identifier: 'codes-host', source: 'camera', codecs: ['vp8'] }, 10_000);
    assert.equal(first.ok, true, JSON.stringify(first.error));
    assert.equal(first.result.codec, 'VP8');
    assert.equal(first.result.mid, '0', 'the first view opens the receive connection on m-section 0');
    const offer = await audience.event('media.subscriberOffer', 5000);
    assert.equal(offer.data.revision, 1);
    assert.match(offer.data.sdp, /a=sendonly/);
    assert.match(offer.data.sdp, /VP8\/90000/);
    // An unusable answer ends the receive connection, and the view on it says why.
    const { connectionId } = offer.data;
    assert.deepEqual(codeOf(await audience.request('media.subscriberAnswer', { connectionId, revision: 1, sdp: 'garbage' })), [10002, 'BAD_SDP']);
    const badAnswer = await audience.event('media.subscriptionEnded', 5000);
    assert.deepEqual(
      [badAnswer.data.subscriptionId, badAnswer.data.error.code, badAnswer.data.error.detail.code],
      [first.result.subscriptionId, 10002, 'BAD_SDP'],
    );
    assert.deepEqual(
      codeOf(await audience.request('media.subscriberAnswer', { connectionId, revision: 1, sdp: 'v=0' })),
      [10002, 'BAD_SDP'],
      'nothing waits',
    );
    // The next view opens a new connection.
    const view = await audience.request('media.subscribe', { identifier: 'codes-host', source: 'camera', codecs: ['vp8'] }, 10_000);
    assert.equal(view.ok, true, JSON.stringify(view.error));
    const second = await audience.event('media.subscriberOffer', 5000);
    assert.notEqual(second.data.connectionId, connectionId);
    assert.equal((await audience.request('media.setLayer', { subscriptionId: view.result.subscriptionId, size: 'small' })).ok, true);
    // Another member's view is not yours.
    assert.deepEqual(codeOf(await deaf.request('media.unsubscribe', { subscriptionId: view.result.subscriptionId })), [
      10010,
      'SUBSCRIPTION_NOT_FOUND',
    ]);
    assert.equal((await audience.request('media.unsubscribe', { subscriptionId: view.result.subscriptionId })).ok, true);
    for (const [method, params] of [
      ['media.setLayer', { subscriptionId: 'nope', size: 'big' }],
      ['media.unsubscribe', { subscriptionId: view.result.subscriptionId }],
    ] as const) {
      assert.deepEqual(codeOf(await audience.request(method, params)), [10010, 'SUBSCRIPTION_NOT_FOUND'], method);
    }
  });

  it('10010 MEMBER_NOT_FOUND / NOT_PUBLISHING; changeAuthority without SEND_ ends the publication, without RECV_ the views', async () => {
    const id = ++roomId;
    const host = await member('auth-host', 0xff, id, true);
    const viewer = await member('auth-viewer', 0xff, id);
    assert.deepEqual(codeOf(await viewer.request('media.subscribe', { identifier: 'nobody', source: 'camera' })), [10010, 'MEMBER_NOT_FOUND']);
    assert.deepEqual(codeOf(await viewer.request('media.subscribe', { identifier: 'auth-host', source: 'camera' })), [10010, 'NOT_PUBLISHING']);
    const cameraPublished = await host.request('media.publish', { source: 'camera', sdp: CHROME_SIMULCAST_OFFER }, 10_000);
    assert.equal(cameraPublished.result.codec, 'VP8');
    assert.equal((await host.request('media.publish', { source: 'audio', sdp: WRTC_AUDIO_OFFER }, 10_000)).ok, true);
    const camera = await viewer.request('media.subscribe', { identifier: 'auth-host', source: 'camera', size: 'small' }, 10_000);
    const audio = await viewer.request('media.subscribe', { identifier: 'auth-host', source: 'audio' }, 10_000);
    assert.equal(camera.ok && audio.ok, true);

    assert.equal((await host.request('room.changeAuthority', { authBits: 0xff & ~AuthBits.SEND_CAMERA_VIDEO })).ok, true);
    const ended = await viewer.event('media.subscriptionEnded');
    assert.deepEqual(
      [ended.data.subscriptionId, ...codeOf({ error: ended.data.error } as Frame)],
      [camera.result.subscriptionId, 10010, 'NOT_PUBLISHING'],
    );
    const mine = await host.event('media.publicationEnded');
    assert.deepEqual(
      [mine.data.source, mine.data.publicationId, ...codeOf({ error: mine.data.error } as Frame)],
      ['camera', cameraPublished.result.publicationId, 10003, 'AUTH_SEND_CAMERA_VIDEO_MISSING'],
      'the publisher is told why its camera ended',
    );
    assert.deepEqual(codeOf(await viewer.request('media.subscribe', { identifier: 'auth-host', source: 'camera' })), [10010, 'NOT_PUBLISHING']);

    assert.equal((await viewer.request('room.changeAuthority', { authBits: 0xff & ~AuthBits.RECV_AUDIO })).ok, true);
    const deafened = await viewer.event('media.subscriptionEnded');
    assert.deepEqual(
      [deafened.data.subscriptionId, ...codeOf({ error: deafened.data.error } as Frame)],
      [audio.result.subscriptionId, 10003, 'AUTH_RECV_AUDIO_MISSING'],
    );
    assert.equal((await host.request('media.unpublish', { source: 'screen' })).ok, true, 'unpublishing what is not published is a no-op');
  });

  it('10011 SCREEN_VIDEO_DISABLED when the server disables screen video', async () => {
    const strict = await new InProcessServer({ config: { screenVideo: false } }).start();
    closers.push(() => strict.stop());
    const { client } = await loggedIn(strict.wsUrl, 'presenter');
    closers.push(() => client.terminate());
    await client.request('room.enter', { roomId: 1, roomType: 'multi', authBits: 0xff, createRoom: true });
    assert.deepEqual(codeOf(await client.request('media.publish', { source: 'screen', sdp: WRTC_VIDEO_OFFER })), [10011, 'SCREEN_VIDEO_DISABLED']);
    assert.deepEqual(codeOf(await client.request('media.subscribe', { identifier: 'presenter', source: 'screen' })), [
      10011,
      'SCREEN_VIDEO_DISABLED',
    ]);
  });

  it('10011 TOO_MANY_LAYERS past maxSimulcastLayers (checked after the codec, before the engine); the option is range-checked', async () => {
    const narrow = await new InProcessServer({ config: { maxSimulcastLayers: 2 } }).start();
    closers.push(() => narrow.stop());
    const { client } = await loggedIn(narrow.wsUrl, 'layered');
    closers.push(() => client.terminate());
    await client.request('room.enter', { roomId: 4, roomType: 'multi', authBits: 0xff, createRoom: true });
    const refused = await client.request('media.publish', { source: 'camera', sdp: CHROME_SIMULCAST_OFFER });
    assert.deepEqual(codeOf(refused), [10011, 'TOO_MANY_LAYERS']);
    assert.equal(refused.error.detail.message, 'the offer has 3 simulcast layers (rids); this server accepts at most 2');
    const vp7 = CHROME_SIMULCAST_OFFER.replace(/VP8\/90000/g, 'VP7/90000').replace(/H264\/90000/g, 'H263/90000');
    assert.deepEqual(codeOf(await client.request('media.publish', { source: 'camera', sdp: vp7 })), [10011, 'NO_COMMON_CODEC']);
    assert.equal((await client.request('media.publish', { source: 'camera', sdp: WRTC_VIDEO_OFFER }, 10_000)).ok, true, 'no simulcast is one layer');
    await assert.rejects(
      new InProcessServer({ config: { maxSimulcastLayers: 0 } }).start(),
      /option maxSimulcastLayers must be an integer in \[1, 16\]/,
    );
  });

  it('10004 TRANSPORT_TIMEOUT: a view never answered ends after mediaConnectTimeoutMs', async () => {
    const quick = await new InProcessServer({ config: { mediaConnectTimeoutMs: 1500 } }).start();
    closers.push(() => quick.stop());
    const { client: host } = await loggedIn(quick.wsUrl, 'timeout-host');
    const { client: viewer } = await loggedIn(quick.wsUrl, 'timeout-viewer');
    closers.push(
      () => host.terminate(),
      () => viewer.terminate(),
    );
    await host.request('room.enter', { roomId: 2, roomType: 'multi', authBits: 0xff, createRoom: true });
    await viewer.request('room.enter', { roomId: 2, roomType: 'multi', authBits: 0xff, createRoom: false });
    const { publisher, response } = await WrtcPublisher.publish(host, 'camera');
    closers.push(() => publisher.close());
    assert.equal(response.ok, true);
    await viewer.waitFor((f) => f.event === 'room.endpoints' && f.data.event === 3, 5000, 'HAS_CAMERA_VIDEO');
    const view = await viewer.request('media.subscribe', { identifier: 'timeout-host', source: 'camera' }, 10_000);
    const ended = await viewer.event('media.subscriptionEnded', 5000);
    assert.deepEqual(
      [ended.data.subscriptionId, ...codeOf({ error: ended.data.error } as Frame)],
      [view.result.subscriptionId, 10004, 'TRANSPORT_TIMEOUT'],
    );
  });

  it('10004 TRANSPORT_TIMEOUT: a publication never connected ends and its publisher is told; an unpublished one is not', async () => {
    const quick = await new InProcessServer({ config: { mediaConnectTimeoutMs: 1500 } }).start();
    closers.push(() => quick.stop());
    const { client } = await loggedIn(quick.wsUrl, 'stuck-publisher');
    closers.push(() => client.terminate());
    await client.request('room.enter', { roomId: 3, roomType: 'multi', authBits: 0xff, createRoom: true });
    // Offers whose ICE nobody answers: the server's side of them can never connect.
    const audio = await client.request('media.publish', { source: 'audio', sdp: WRTC_AUDIO_OFFER }, 10_000);
    assert.equal((await client.request('media.unpublish', { source: 'audio' })).ok, true);
    const camera = await client.request('media.publish', { source: 'camera', sdp: WRTC_VIDEO_OFFER }, 10_000);
    assert.equal(audio.ok && camera.ok, true);
    assert.notEqual(audio.result.publicationId, camera.result.publicationId);
    const ended = await client.event('media.publicationEnded', 5000);
    assert.deepEqual(
      [ended.data.source, ended.data.publicationId, ...codeOf({ error: ended.data.error } as Frame)],
      ['camera', camera.result.publicationId, 10004, 'TRANSPORT_TIMEOUT'],
    );
    assert.match(ended.data.error.detail.message, /did not connect within 1500 ms/);
    await assert.rejects(client.event('media.publicationEnded', 500), /event media.publicationEnded/, 'unpublishing is not an ending to report');
  });
});
