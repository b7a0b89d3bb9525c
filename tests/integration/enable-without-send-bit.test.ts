// Turning a camera, microphone or screen on in a room whose auth bits lack that source's SEND bit:
// 10003 with the server's own sub-code (AUTH_SEND_CAMERA_VIDEO_MISSING / AUTH_SEND_AUDIO_MISSING /
// AUTH_SEND_SCREEN_VIDEO_MISSING), and nothing is opened (seed: using a function without permission
// → 10003). "In a room" starts with enterRoom: while entering, the bits asked for decide. Outside a
// room the devices open as before. Node virtual devices (@roamhq/wrtc) against a real server
// process, inside the loopback namespace like every media test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AuthBits, EndpointEvent, type AVContext } from '@hudong/sdk';
import { ServerProcess } from '../helpers/server.js';
import { dispose, rejectsWithServer, sleep, startedContext, uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { endpointEvent } from '../helpers/media.js';

let server: ServerProcess;
before(async () => {
  server = await new ServerProcess().start();
});
after(async () => {
  await server.stop();
});

const NO_PERMISSION = [10003, 'AV_ERR_SERVER_NO_PERMISSION'] as const;
const SOURCES = [
  {
    kind: 'camera',
    enable: (ctx: AVContext, on: boolean) => ctx.devices.enableCamera(on),
    sub: 'AUTH_SEND_CAMERA_VIDEO_MISSING',
    has: EndpointEvent.HAS_CAMERA_VIDEO,
    bit: AuthBits.SEND_CAMERA_VIDEO,
  },
  {
    kind: 'microphone',
    enable: (ctx: AVContext, on: boolean) => ctx.devices.enableMic(on),
    sub: 'AUTH_SEND_AUDIO_MISSING',
    has: EndpointEvent.HAS_AUDIO,
    bit: AuthBits.SEND_AUDIO,
  },
  {
    kind: 'screen',
    enable: (ctx: AVContext, on: boolean) => ctx.devices.enableScreen(on),
    sub: 'AUTH_SEND_SCREEN_VIDEO_MISSING',
    has: EndpointEvent.HAS_SCREEN_VIDEO,
    bit: AuthBits.SEND_SCREEN_VIDEO,
  },
] as const;

test('10003 AUTH_SEND_…_MISSING for camera, microphone and screen without their SEND bits, nothing opened; granted by changeAuthority they publish', async () => {
  const roomId = uniqueRoomId();
  const guestId = uniqueId('guest');
  const host = await startedContext(server.wsUrl, uniqueId('host'));
  const guest = await startedContext(server.wsUrl, guestId);
  try {
    const hostRoom = await host.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    const entering = guest.enterRoom({ roomId, roomType: 'multi', createRoom: false, authBits: AuthBits.AUDIENCE });
    // Already while entering: the bits asked for lack the SEND bits, the server can only narrow them.
    await rejectsWithServer(guest.devices.enableCamera(true), ...NO_PERMISSION, 'AUTH_SEND_CAMERA_VIDEO_MISSING');
    const room = await entering;
    assert.equal(room.authBits, AuthBits.AUDIENCE);

    for (const s of SOURCES) {
      const err = await rejectsWithServer(s.enable(guest, true), ...NO_PERMISSION, s.sub);
      assert.match(err.detail!.message, new RegExp(`room ${roomId} does not grant`));
      assert.equal(guest.devices.localTracks[s.kind], undefined, `no ${s.kind} track`);
      assert.equal(s.kind in guest.devices.enabledDevices, false, `${s.kind} is not on`);
    }
    await guest.devices.enableSpeaker(true); // the speaker needs no auth bit
    assert.deepEqual(guest.devices.enabledDevices, { speaker: 'null-speaker' });
    // No lock was taken: another context opens the very same virtual devices.
    for (const s of SOURCES) {
      const other = await startedContext(server.wsUrl, uniqueId('other'));
      try {
        await s.enable(other, true);
        assert.ok(other.devices.localTracks[s.kind]);
      } finally {
        await dispose(other);
      }
    }
    assert.equal(hostRoom.endpoints.get(guestId)?.hasCameraVideo, false);

    await room.changeAuthority(AuthBits.DEFAULT);
    for (const s of SOURCES) {
      const published = endpointEvent(hostRoom, guestId, s.has);
      await s.enable(guest, true);
      assert.ok(guest.devices.localTracks[s.kind], `${s.kind} is on`);
      await published;
    }
    const ep = hostRoom.endpoints.get(guestId)!;
    assert.deepEqual([ep.hasCameraVideo, ep.hasAudio, ep.hasScreenVideo], [true, true, true]);
  } finally {
    await dispose(guest, host);
  }
});

test('outside a room the devices open; in a room without the bit one already on stays on, unpublished, and is published once the bit is granted', async () => {
  const roomId = uniqueRoomId();
  const guestId = uniqueId('guest');
  const host = await startedContext(server.wsUrl, uniqueId('host'));
  const guest = await startedContext(server.wsUrl, guestId);
  try {
    await guest.devices.enableCamera(true);
    assert.ok(guest.devices.localTracks.camera);
    assert.equal(guest.devices.enabledDevices.camera, 'virtual-camera');

    const hostRoom = await host.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    const room = await guest.enterRoom({ roomId, roomType: 'multi', createRoom: false, authBits: AuthBits.DEFAULT & ~AuthBits.SEND_CAMERA_VIDEO });
    await sleep(1500); // a publication would announce itself with its first packet
    assert.equal(hostRoom.endpoints.get(guestId)?.hasCameraVideo, false, 'not published without the bit');
    assert.ok(guest.devices.localTracks.camera, 'still on');

    const published = endpointEvent(hostRoom, guestId, EndpointEvent.HAS_CAMERA_VIDEO);
    await room.changeAuthority(AuthBits.DEFAULT);
    await published;
    assert.ok(await guest.devices.publisherStats('camera'));
  } finally {
    await dispose(guest, host);
  }
});
