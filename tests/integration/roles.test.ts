// Roles (API.md section 7): a Node publisher entering as LiveMaster / LiveGuest is received at its
// role's size, frame rate and bitrate (within 15 %, measured by a viewer that decodes it), and
// room.changeRole switches the size live within 2 s. Runs in the loopback namespace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AuthBits, EndpointEvent, type AVRoom } from '@hudong/sdk';
import { ServerProcess } from '../helpers/server.js';
import { dispose, rejectsWithServer, startedContext, uniqueId, uniqueRoomId, sleep } from '../helpers/clients.js';
import { FrameCounter, endpointEvent } from '../helpers/media.js';
import { waitUntil } from '../helpers/wait-until.js';

const ROLES = {
  LiveMaster: { width: 640, height: 480, fps: 30, maxBitrateKbps: 1200 },
  LiveGuest: { width: 480, height: 360, fps: 20, maxBitrateKbps: 600 },
} as const;
const TOLERANCE = 0.15;

let server: ServerProcess;
before(async () => {
  // Stage: the older number form of a role (auth bits alone) still configures one.
  // Talk: a role with an audio ceiling only.
  server = await new ServerProcess({ config: { roles: { Stage: AuthBits.DEFAULT, Talk: { audio: { maxBitrateKbps: 16 } } } } }).start();
});
after(async () => {
  await server.stop();
});

const within = (measured: number, target: number) => Math.abs(measured - target) <= target * TOLERANCE;

/** Frames decoded in the last `ms` (at the end of the counter): their rate and the size of the last. */
function recent(frames: FrameCounter, ms: number): { fps: number; width: number; height: number } {
  const end = frames.frames.at(-1)!.at;
  const n = frames.frames.filter((f) => f.at > end - ms).length;
  const last = frames.frames.at(-1)!;
  return { fps: (n * 1000) / ms, width: last.width, height: last.height };
}

/** Waits until the viewer receives `host`'s camera at the role's bitrate, then checks size and rate. */
async function expectRole(viewerRoom: AVRoom, hostId: string, frames: FrameCounter, role: keyof typeof ROLES): Promise<string> {
  const want = ROLES[role];
  const startedAt = Date.now();
  // libwebrtc ramps its send rate up under the SFU's REMB: wait for it, then measure over 3 s.
  const kbps = await waitUntil(
    `${role} bitrate within 15 % of ${want.maxBitrateKbps} kbps`,
    async () => {
      const q = await viewerRoom.getQualityStats();
      const k = q.recv[hostId]?.camera?.kbps ?? 0;
      return within(k, want.maxBitrateKbps) && k;
    },
    45_000,
    1000,
  );
  await sleep(3000);
  const q = await viewerRoom.getQualityStats();
  const cam = q.recv[hostId]?.camera;
  const seen = recent(frames, 3000);
  const line = `${role}: ${seen.width}x${seen.height} @ ${seen.fps.toFixed(1)} fps decoded, ${cam?.kbps} kbps (stats ${cam?.width}x${cam?.height} @ ${cam?.fps}), ramp ${Date.now() - startedAt} ms (first in range ${kbps} kbps)`;
  console.log(line);
  assert.equal(seen.width, want.width, line);
  assert.equal(seen.height, want.height, line);
  assert.ok(within(seen.fps, want.fps), `frame rate: ${line}`);
  assert.ok(cam && within(cam.kbps, want.maxBitrateKbps), `bitrate: ${line}`);
  return line;
}

async function hostAs(role: string) {
  const roomId = uniqueRoomId();
  const hostId = uniqueId('host');
  const host = await startedContext(server.wsUrl, hostId);
  const viewer = await startedContext(server.wsUrl, uniqueId('viewer'));
  await host.devices.enableCamera(true);
  const hostRoom = await host.enterRoom({ roomId, controlRole: role });
  const viewerRoom = await viewer.enterRoom({ roomId, createRoom: false, controlRole: 'Guest', authBits: AuthBits.AUDIENCE });
  await endpointEvent(viewerRoom, hostId, EndpointEvent.HAS_CAMERA_VIDEO, () => !!viewerRoom.endpoints.get(hostId)?.hasCameraVideo);
  const [view] = await viewerRoom.requestViewList([{ identifier: hostId, srcType: 'camera', size: 'big' }]);
  const frames = new FrameCounter(view!.track as MediaStreamTrack);
  await frames.waitFor(10, 10_000);
  return { host, viewer, hostId, hostRoom, viewerRoom, frames };
}

test('LiveMaster: the viewer receives 640x480 @ 30 fps at 1200 kbps', async () => {
  const { host, viewer, hostId, hostRoom, viewerRoom, frames } = await hostAs('LiveMaster');
  try {
    assert.deepEqual(hostRoom.roleSettings, { video: ROLES.LiveMaster });
    assert.equal(hostRoom.role, 'LiveMaster');
    await expectRole(viewerRoom, hostId, frames, 'LiveMaster');
  } finally {
    frames.stop();
    await dispose(viewer, host);
  }
});

test('LiveGuest: 480x360 @ 20 fps at 600 kbps; changeRole(LiveMaster) switches to 640x480 within 2 s', async () => {
  const { host, viewer, hostId, hostRoom, viewerRoom, frames } = await hostAs('LiveGuest');
  try {
    assert.deepEqual(hostRoom.roleSettings, { video: ROLES.LiveGuest });
    await expectRole(viewerRoom, hostId, frames, 'LiveGuest');

    const asked = Date.now();
    await hostRoom.changeRole('LiveMaster');
    assert.equal(hostRoom.role, 'LiveMaster');
    assert.deepEqual(hostRoom.roleSettings, { video: ROLES.LiveMaster });
    await waitUntil('640x480 frames at the viewer', () => frames.frames.at(-1)!.width === 640, 2000, 20);
    const switchMs = frames.frames.find((f) => f.at >= asked && f.width === 640)!.at - asked;
    console.log(`changeRole LiveGuest → LiveMaster: the viewer decoded 640x480 ${switchMs} ms after the call`);
    assert.ok(switchMs <= 2000, `switched in ${switchMs} ms`);
    await expectRole(viewerRoom, hostId, frames, 'LiveMaster');
  } finally {
    frames.stop();
    await dispose(viewer, host);
  }
});

test('unknown roles are refused with 10002 UNKNOWN_ROLE; Guest sends nothing; a role given as bits alone is a role', async () => {
  const alice = await startedContext(server.wsUrl, uniqueId('alice'));
  try {
    const roomId = uniqueRoomId();
    await rejectsWithServer(alice.enterRoom({ roomId, controlRole: 'NoSuchRole' }), 10002, 'AV_ERR_SERVER_INVALID_ARGUMENT', 'UNKNOWN_ROLE');
    const room = await alice.enterRoom({ roomId, controlRole: 'Stage' });
    assert.equal(room.authBits, AuthBits.DEFAULT);
    assert.deepEqual(room.roleSettings, {});
    await rejectsWithServer(room.changeRole('NoSuchRole'), 10002, 'AV_ERR_SERVER_INVALID_ARGUMENT', 'UNKNOWN_ROLE');
    assert.equal(room.role, 'Stage');
    // Guest's bound cuts the bits at once; taking a role back never widens them (changeAuthority does).
    const cut = new Promise<number>((resolve) => room.once('privilegeChanged', resolve));
    await room.changeRole('Guest');
    assert.equal(await cut, AuthBits.AUDIENCE);
    assert.equal(room.authBits, AuthBits.AUDIENCE);
    await rejectsWithServer(alice.devices.enableCamera(true), 10003, 'AV_ERR_SERVER_NO_PERMISSION', 'AUTH_SEND_CAMERA_VIDEO_MISSING');
    await room.changeRole('LiveGuest');
    assert.equal(room.authBits, AuthBits.AUDIENCE);
    await room.changeAuthority(AuthBits.DEFAULT);
    assert.equal(room.authBits, AuthBits.DEFAULT);
    await alice.devices.enableCamera(true);
  } finally {
    await dispose(alice);
  }
});

test("an audio role: the microphone is sent under the role's audio ceiling, and back at its own rate without it", async () => {
  const roomId = uniqueRoomId();
  const hostId = uniqueId('talker');
  const host = await startedContext(server.wsUrl, hostId);
  const viewer = await startedContext(server.wsUrl, uniqueId('listener'));
  try {
    await host.devices.enableMic(true);
    const hostRoom = await host.enterRoom({ roomId, controlRole: 'Talk' });
    assert.deepEqual(hostRoom.roleSettings, { audio: { maxBitrateKbps: 16 } });
    const viewerRoom = await viewer.enterRoom({ roomId, createRoom: false, controlRole: 'Guest', authBits: AuthBits.AUDIENCE });
    await waitUntil('the talker audio at the listener', () => viewerRoom.endpoints.get(hostId)?.audioTrack, 10_000);
    const audioKbps = async () => {
      await viewerRoom.getQualityStats();
      await sleep(3000);
      return (await viewerRoom.getQualityStats()).recv[hostId]?.audio?.kbps ?? 0;
    };
    await sleep(2000);
    const capped = await audioKbps();
    await hostRoom.changeRole('LiveMaster');
    await sleep(2000);
    const free = await audioKbps();
    console.log(`audio: ${capped} kbps under Talk's 16 kbps ceiling, ${free} kbps without one`);
    assert.ok(capped > 4 && capped <= 16 * (1 + TOLERANCE), `under the ceiling: ${capped} kbps`);
    assert.ok(free > capped * 1.4, `without the ceiling the rate rises: ${capped} → ${free} kbps`);
  } finally {
    await dispose(viewer, host);
  }
});
