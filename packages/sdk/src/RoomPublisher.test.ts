// The room's publisher on its own: which devices it publishes, the 3-in-a-row republish rule, an
// ending that overtakes its publish, reconnects and exits. WebRTC is a fake peer connection (the
// real one is exercised by media-loopback.test.ts and tests/integration); the server is a
// scripted `media.*` request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthBits, AVError, ErrorCode, type MediaSource } from '@hudong/protocol';
import { RoomPublisher } from './RoomPublisher.js';
import { LocalMedia } from './devices/LocalMedia.js';
import type { DeviceKind, OpenedDevice } from './devices/types.js';
import type { MediaRequest } from './engine/media/peer.js';
import type { WebRtc } from './engine/media/webrtc.js';
import { noopLogger } from './util/logger.js';
import { deferred, type Deferred } from './util/timers.js';

/** Enough of a transceiver: its mid comes with the next local description. */
class FakeTransceiver {
  mid: string | null = null;
  sender = { track: null as MediaStreamTrack | null, replaceTrack: async (t: MediaStreamTrack | null) => void (this.sender.track = t) };
  constructor(track: MediaStreamTrack) {
    this.sender.track = track;
  }
  stop(): void {}
}

/** Enough of RTCPeerConnection for the send connections: an offer at once, gathering already complete. */
class FakePeerConnection extends EventTarget {
  static made: FakePeerConnection[] = [];
  connectionState = 'new';
  iceConnectionState = 'new';
  iceGatheringState = 'complete';
  localDescription: { type: string; sdp: string } | null = null;
  closed = false;
  transceivers: FakeTransceiver[] = [];
  signalingState = 'stable';
  constructor() {
    super();
    FakePeerConnection.made.push(this);
  }
  addTransceiver(track: MediaStreamTrack): FakeTransceiver {
    const transceiver = new FakeTransceiver(track);
    this.transceivers.push(transceiver);
    return transceiver;
  }
  async createOffer() {
    return { type: 'offer', sdp: 'v=0 fake offer' };
  }
  async setLocalDescription(d: { type: string; sdp: string }) {
    this.localDescription = d;
    this.signalingState = d.type === 'offer' ? 'have-local-offer' : 'stable';
    this.transceivers.forEach((t, i) => (t.mid ??= String(i)));
  }
  async setRemoteDescription() {
    this.signalingState = 'stable';
  }
  async getStats() {
    return new Map([['o', { type: 'outbound-rtp', packetsSent: 7 }]]);
  }
  close(): void {
    this.closed = true;
  }
}
const rtc: WebRtc = { RTCPeerConnection: FakePeerConnection as unknown as typeof RTCPeerConnection, browser: false };

/** The server side of `media.publish` / `media.unpublish`: answers at once unless a test holds or refuses the next one. */
class FakeMediaServer {
  publishes: MediaSource[] = [];
  unpublishes: MediaSource[] = [];
  held: Deferred<void>[] = [];
  hold = false;
  refuse: AVError | null = null;
  #n = 0;
  request: MediaRequest = (async (method: string, params: { source: MediaSource }) => {
    if (method === 'media.unpublish') {
      this.unpublishes.push(params.source);
      return {};
    }
    assert.equal(method, 'media.publish');
    this.publishes.push(params.source);
    const publicationId = `pub-${++this.#n}`;
    if (this.hold) {
      const gate = deferred<void>();
      this.held.push(gate);
      await gate.promise;
    }
    if (this.refuse) throw this.refuse;
    return { publicationId, sdp: 'v=0 fake answer', codec: params.source === 'audio' ? 'opus' : 'VP8' };
  }) as MediaRequest;
}

function fakeDevice(kind: DeviceKind): OpenedDevice & { closed: boolean } {
  const dev = {
    info: { id: `fake-${kind}`, kind, label: kind },
    track: { kind } as unknown as MediaStreamTrack,
    closed: false,
    close: () => {
      dev.closed = true;
    },
  };
  return dev;
}

function setup(bits: number) {
  const server = new FakeMediaServer();
  const listenerErrors: unknown[] = [];
  const local = new LocalMedia({ lang: 'en', log: noopLogger, webrtc: async () => rtc, onListenerError: (err) => listenerErrors.push(err) });
  const reports: [string, string, string][] = [];
  local.on('publicationEnded', (kind, reason) => reports.push(['publicationEnded', kind, String(reason.detail?.code)]));
  local.on('publishFailed', (kind, reason) => reports.push(['publishFailed', kind, String(reason.detail?.code)]));
  const room = { bits };
  const publisher = new RoomPublisher({
    lang: 'en',
    log: noopLogger,
    roomId: 7,
    local,
    request: server.request,
    webrtc: async () => rtc,
    simulcast: false,
    authBits: () => room.bits,
  });
  /** Closes the publisher; nothing that followed the devices threw. */
  const finish = () => {
    publisher.close();
    assert.deepEqual(listenerErrors, []);
  };
  return { server, local, publisher, room, reports, finish };
}

const settle = () => new Promise((r) => setTimeout(r, 10));
const transportFailed = () => new AVError(ErrorCode.AV_ERR_SERVER_TIMEOUT, { code: 'TRANSPORT_FAILED', message: 'ICE failed' });

test('publishes from start what is on and allowed; follows the devices and the auth bits', async () => {
  const { server, local, publisher, room, finish } = setup(AuthBits.JOIN_ROOM | AuthBits.SEND_CAMERA_VIDEO);
  await local.turnOn('camera', fakeDevice('camera'));
  await local.turnOn('microphone', fakeDevice('microphone'));
  assert.deepEqual(server.publishes, [], 'entering: nothing published yet');
  publisher.start();
  await settle();
  assert.deepEqual(server.publishes, ['camera'], 'the microphone lacks SEND_AUDIO');
  assert.ok(await publisher.stats('camera'));
  assert.equal(publisher.stats('microphone'), null);

  room.bits |= AuthBits.SEND_AUDIO;
  publisher.authChanged();
  await settle();
  assert.deepEqual(server.publishes, ['camera', 'audio']);

  await local.turnOff('camera'); // awaits the unpublish
  assert.deepEqual(server.unpublishes, ['camera']);
  room.bits &= ~AuthBits.SEND_AUDIO;
  publisher.authChanged();
  await settle();
  assert.deepEqual(server.unpublishes, ['camera', 'audio']);
  assert.ok(local.tracks.microphone, 'the microphone stays on, unpublished');
  finish();
});

test("refusal: 10003 with the server's sub-code for each source the bits lack", () => {
  const { publisher, finish } = setup(AuthBits.AUDIENCE);
  const refused = (['camera', 'microphone', 'screen'] as const).map((k) => publisher.refusal(k));
  assert.deepEqual(
    refused.map((e) => [e?.code, e?.detail?.code]),
    [
      [ErrorCode.AV_ERR_SERVER_NO_PERMISSION, 'AUTH_SEND_CAMERA_VIDEO_MISSING'],
      [ErrorCode.AV_ERR_SERVER_NO_PERMISSION, 'AUTH_SEND_AUDIO_MISSING'],
      [ErrorCode.AV_ERR_SERVER_NO_PERMISSION, 'AUTH_SEND_SCREEN_VIDEO_MISSING'],
    ],
  );
  assert.match(refused[0]!.detail!.message, /room 7 does not grant SEND_CAMERA_VIDEO \(auth bits 0xaa\)/);
  const granted = setup(AuthBits.DEFAULT);
  assert.equal(granted.publisher.refusal('screen'), null);
  granted.finish();
  finish();
});

test('a refused publish is the error of whoever turned the device on, not publishFailed; a background one is publishFailed', async () => {
  const { server, local, publisher, room, reports, finish } = setup(AuthBits.DEFAULT);
  publisher.start();
  server.refuse = new AVError(ErrorCode.AV_ERR_SERVER_INVALID_ABILITY, { code: 'SCREEN_VIDEO_DISABLED', message: 'no screens here' });
  await assert.rejects(
    local.turnOn('screen', fakeDevice('screen')),
    (e: unknown) => e instanceof AVError && e.detail?.code === 'SCREEN_VIDEO_DISABLED',
  );
  await settle();
  assert.deepEqual(reports, []);

  room.bits = AuthBits.JOIN_ROOM;
  publisher.authChanged(); // the screen is still on in LocalMedia (the device manager would turn it off): nothing to publish without the bit
  room.bits = AuthBits.DEFAULT;
  publisher.authChanged(); // now a background publish, refused again
  await settle();
  assert.deepEqual(reports, [['publishFailed', 'screen', 'SCREEN_VIDEO_DISABLED']]);
  finish();
});

test('transport failures: published again at once, 3 in a row then publishFailed; turning the device on starts afresh', async () => {
  const { server, local, publisher, reports, finish } = setup(AuthBits.DEFAULT);
  publisher.start();
  await local.turnOn('camera', fakeDevice('camera'));
  for (let i = 1; i <= 4; i++) {
    assert.equal(server.publishes.length, i);
    publisher.publicationEnded('camera', `pub-${i}`, transportFailed());
    await settle();
  }
  assert.equal(server.publishes.length, 4, 'the first and three republished ones; no fifth');
  assert.deepEqual(
    reports.map(([e]) => e),
    ['publicationEnded', 'publicationEnded', 'publicationEnded', 'publicationEnded', 'publishFailed'],
  );
  assert.ok(
    FakePeerConnection.made.slice(-4).every((pc) => pc.closed),
    'every ended transport is closed',
  );

  await local.turnOff('camera');
  assert.deepEqual(server.unpublishes, [], 'nothing was published to unpublish');
  await local.turnOn('camera', fakeDevice('camera'));
  assert.equal(server.publishes.length, 5);
  publisher.publicationEnded('camera', 'pub-5', transportFailed());
  await settle();
  assert.equal(server.publishes.length, 6, 'the count started over');
  finish();
});

test('an ending that overtakes its publish is applied once the publish completes; a SEND-bit ending waits for the bit', async () => {
  const { server, local, publisher, room, reports, finish } = setup(AuthBits.DEFAULT);
  publisher.start();
  server.hold = true;
  const on = local.turnOn('microphone', fakeDevice('microphone'));
  await settle();
  assert.equal(server.held.length, 1);
  publisher.publicationEnded(
    'audio',
    'pub-1',
    new AVError(ErrorCode.AV_ERR_SERVER_NO_PERMISSION, { code: 'AUTH_SEND_AUDIO_MISSING', message: 'bit removed' }),
  );
  room.bits = AuthBits.DEFAULT & ~AuthBits.SEND_AUDIO;
  server.hold = false;
  server.held[0]!.resolve();
  await on;
  await settle();
  assert.deepEqual(reports, [['publicationEnded', 'microphone', 'AUTH_SEND_AUDIO_MISSING']]);
  assert.equal(publisher.stats('microphone'), null);
  assert.equal(server.publishes.length, 1, 'not published again without the bit');
  room.bits = AuthBits.DEFAULT;
  publisher.authChanged();
  await settle();
  assert.equal(server.publishes.length, 2);
  finish();
});

test('restore publishes everything afresh without unpublishing; close sends nothing and drops a publish in flight', async () => {
  const { server, local, publisher, finish } = setup(AuthBits.DEFAULT);
  publisher.start();
  await local.turnOn('camera', fakeDevice('camera'));
  const first = FakePeerConnection.made.at(-1)!;
  publisher.restore();
  await settle();
  assert.equal(first.closed, true);
  assert.deepEqual(server.publishes, ['camera', 'camera']);
  assert.deepEqual(server.unpublishes, []);

  server.hold = true;
  const screen = local.turnOn('screen', fakeDevice('screen'));
  await settle();
  publisher.close();
  assert.equal(local.sender, null, 'detached from the devices');
  server.held[0]!.resolve();
  await screen;
  assert.equal(FakePeerConnection.made.at(-1)!.closed, true, 'the late transport is closed');
  assert.deepEqual(server.unpublishes, [], 'the room is gone: nothing to unpublish');
  assert.ok(FakePeerConnection.made.every((pc) => pc.closed));
  await local.turnOff('camera');
  assert.equal(server.publishes.length, 3, 'after close the devices are not followed');
  finish();
});
