// The per-member media limits over the real signalling (issue 12): views per member, no self-view,
// and an Opus offer without fmtp (viewable now, was 10001). Publications come from SDP fixtures
// and need not connect: a view is placed as soon as the publication exists.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sdpFixture } from '../fixtures/sdp.js';
import { uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { loggedIn, type Frame, type RawClient } from '../helpers/raw-client.js';
import { InProcessServer } from '../helpers/server.js';

const CAMERA = sdpFixture('wrtc-camera-offer');
const MICROPHONE = sdpFixture('wrtc-microphone-offer');
const codeOf = (f: Frame) => [f.error?.code, f.error?.detail?.code];

const srv = new InProcessServer({ config: { maxViewsPerMember: 2 } });
const clients: RawClient[] = [];
before(() => srv.start());
after(async () => {
  for (const client of clients) client.terminate();
  await srv.stop();
});

async function inRoom(roomId: number, create: boolean): Promise<{ client: RawClient; identifier: string }> {
  const identifier = uniqueId('limits');
  const { client } = await loggedIn(srv.wsUrl, identifier);
  clients.push(client);
  const entered = await client.request('room.enter', { roomId, roomType: 'multi', authBits: 0xff, createRoom: create });
  assert.equal(entered.ok, true, JSON.stringify(entered.error));
  return { client, identifier };
}

it('views per member are capped (10005 TOO_MANY_VIEWS naming the cap), a member cannot view itself (10002 VIEW_SELF)', async () => {
  const roomId = uniqueRoomId();
  const host = await inRoom(roomId, true);
  const viewer = await inRoom(roomId, false);
  for (const [source, sdp] of [
    ['camera', CAMERA],
    ['screen', CAMERA],
    ['audio', MICROPHONE],
  ] as const) {
    const published = await host.client.request('media.publish', { source, sdp }, 10_000);
    assert.equal(published.ok, true, JSON.stringify(published.error));
  }
  const self = await host.client.request('media.subscribe', { identifier: host.identifier, source: 'camera' });
  assert.deepEqual(codeOf(self), [10002, 'VIEW_SELF']);
  assert.equal(self.error.detail.message, `"${host.identifier}" cannot view its own camera: show the local preview`);

  const camera = await viewer.client.request('media.subscribe', { identifier: host.identifier, source: 'camera' }, 10_000);
  const screen = await viewer.client.request('media.subscribe', { identifier: host.identifier, source: 'screen' }, 10_000);
  assert.equal(camera.ok && screen.ok, true);
  const third = await viewer.client.request('media.subscribe', { identifier: host.identifier, source: 'audio' }, 10_000);
  assert.deepEqual(codeOf(third), [10005, 'TOO_MANY_VIEWS']);
  assert.equal(third.error.detail.message, `"${viewer.identifier}" holds 2 views; this server allows at most 2 (maxViewsPerMember)`);
  const logged = await srv.waitForLog((l) => l.msg === 'request failed' && l.detail?.code === 'TOO_MANY_VIEWS');
  assert.equal(logged.method, 'media.subscribe');

  // A view that ends frees its place.
  assert.equal((await viewer.client.request('media.unsubscribe', { subscriptionId: camera.result.subscriptionId })).ok, true);
  const audio = await viewer.client.request('media.subscribe', { identifier: host.identifier, source: 'audio' }, 10_000);
  assert.equal(audio.ok, true, JSON.stringify(audio.error));
});

it('an Opus publication whose offer has no fmtp is viewable (its viewers are offered the default fmtp)', async () => {
  const roomId = uniqueRoomId();
  const host = await inRoom(roomId, true);
  const viewer = await inRoom(roomId, false);
  const bare = MICROPHONE.replace(/a=fmtp:111 [^\r]*\r\n/, '');
  assert.doesNotMatch(bare, /a=fmtp:111/);
  const published = await host.client.request('media.publish', { source: 'audio', sdp: bare }, 10_000);
  assert.equal(published.ok, true, JSON.stringify(published.error));
  const offered = viewer.client.event('media.subscriberOffer', 10_000);
  const view = await viewer.client.request('media.subscribe', { identifier: host.identifier, source: 'audio' }, 10_000);
  assert.equal(view.ok, true, JSON.stringify(view.error));
  const { data } = await offered;
  assert.match(data.sdp, /a=fmtp:111 minptime=10;useinbandfec=1\r\n/);
});
