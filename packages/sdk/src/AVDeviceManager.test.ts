import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { AuthBits, AVError } from '@hudong/protocol';
import { AVContext } from './AVContext.js';
import { FakeServer, fail } from './testing/FakeServer.js';

const ctx = AVContext.create({ serverUrl: 'ws://127.0.0.1:1/ws', sdkAppId: 1400000001 }); // never started: devices work anyway
let fake: FakeServer | null = null;
after(async () => {
  await ctx.deviceTest.stop().catch(() => {});
  await ctx.destroy();
  await fake?.close();
});

async function rejectsWith(p: Promise<unknown>, code: number, sub?: string): Promise<AVError> {
  const err = await p.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AVError, String(err));
  assert.equal(err.code, code, err.message);
  if (sub !== undefined) assert.equal(err.detail?.code, sub, JSON.stringify(err.detail));
  return err;
}

/** A context started against the FakeServer (its room.enter grants the bits asked for). */
async function inRoomCtx(identifier: string): Promise<AVContext> {
  fake ??= await FakeServer.start();
  const c = AVContext.create({ serverUrl: fake.url, sdkAppId: 1400000001 });
  await c.start({ identifier, userSig: 'sig' });
  return c;
}

test('list: the four virtual devices', async () => {
  const list = await ctx.devices.list();
  assert.deepEqual(
    list.map((d) => [d.id, d.kind]),
    [
      ['virtual-camera', 'camera'],
      ['virtual-microphone', 'microphone'],
      ['null-speaker', 'speaker'],
      ['virtual-screen', 'screen'],
    ],
  );
});

test('per-device guard: 1001 same op, 1002 the other op, 1003 already on/off; other devices are independent', async () => {
  const opening = ctx.devices.enableMic(true);
  await rejectsWith(ctx.devices.enableMic(true), 1001);
  await rejectsWith(ctx.devices.enableMic(false), 1002);
  await ctx.devices.enableSpeaker(true); // another device: not blocked
  await opening;
  assert.ok(ctx.devices.localTracks.microphone);
  const again = await rejectsWith(ctx.devices.enableMic(true), 1003);
  assert.equal(again.isBenign, true);
  await ctx.devices.enableMic(false);
  assert.equal(ctx.devices.localTracks.microphone, undefined);
  assert.equal((await rejectsWith(ctx.devices.enableMic(false), 1003)).isBenign, true);
  await ctx.devices.enableSpeaker(false);
});

test('1301 names the unknown device; 1004 for bad arguments; 1008 when another context holds it', async () => {
  const err = await rejectsWith(ctx.devices.enableCamera(true, { deviceId: 'no-such-camera' }), 1301);
  assert.match(JSON.stringify(err.detail), /no-such-camera/);
  await rejectsWith(ctx.devices.enableCamera(true, { deviceId: 'virtual-microphone' }), 1301);
  await rejectsWith(ctx.devices.enableCamera('yes' as unknown as boolean), 1004);
  const other = AVContext.create({ serverUrl: 'ws://127.0.0.1:1/ws', sdkAppId: 1400000001 });
  await ctx.devices.enableCamera(true, { deviceId: 'virtual-camera' });
  const busy = await rejectsWith(other.devices.enableCamera(true), 1008);
  assert.equal(busy.detail?.message, `virtual-camera is held by pid ${process.pid}`);
  await ctx.devices.enableCamera(false);
  await other.devices.enableCamera(true);
  await other.destroy(); // closes its devices
  await ctx.devices.enableCamera(true);
  await ctx.devices.enableCamera(false);
});

test('device test: 1601 before start, preview tracks and mic level, 1602 for stop while it runs, 1003 start twice', async () => {
  await rejectsWith(ctx.deviceTest.enableDevice('virtual-microphone', true), 1601);
  await ctx.deviceTest.start();
  await rejectsWith(ctx.deviceTest.start(), 1003);
  await rejectsWith(ctx.deviceTest.enableDevice('nope', true), 1301);
  await ctx.deviceTest.enableDevice('virtual-microphone', true);
  await ctx.deviceTest.enableDevice('virtual-camera', true);
  assert.ok(ctx.deviceTest.localTracks.camera);
  assert.equal(ctx.devices.localTracks.camera, undefined, 'preview only: not a device of ctx.devices');
  await new Promise((r) => setTimeout(r, 600));
  assert.ok(ctx.deviceTest.micLevel > 0.05, `mic level ${ctx.deviceTest.micLevel}`);
  await rejectsWith(ctx.stop(), 1602);
  await ctx.deviceTest.stop();
  assert.equal(ctx.deviceTest.localTracks.camera, undefined);
  assert.equal(ctx.deviceTest.micLevel, 0);
  await rejectsWith(ctx.deviceTest.stop(), 1003);
});

test("in a room without the SEND bit (already while entering, by the bits asked for): 10003 with the server's sub-code, nothing opened", async () => {
  const c = await inRoomCtx('audience');
  try {
    let answer!: () => void;
    fake!.handle(
      'room.enter',
      (p) =>
        new Promise((r) => {
          answer = () => r({ roomId: p.roomId, roomType: p.roomType, authBits: p.authBits, role: '', members: [] });
        }),
    );
    const entering = c.enterRoom({ roomId: 3, authBits: AuthBits.AUDIENCE });
    const early = await rejectsWith(c.devices.enableCamera(true), 10003, 'AUTH_SEND_CAMERA_VIDEO_MISSING');
    assert.equal(early.meaning, 'No permission');
    for (let i = 0; !answer && i < 300; i++) await new Promise((r) => setTimeout(r, 10));
    answer();
    await entering;
    fake!.handle('room.enter', undefined as never);
    await rejectsWith(c.devices.enableCamera(true), 10003, 'AUTH_SEND_CAMERA_VIDEO_MISSING');
    await rejectsWith(c.devices.enableMic(true), 10003, 'AUTH_SEND_AUDIO_MISSING');
    await rejectsWith(c.devices.enableScreen(true, { deviceId: 'virtual-screen' }), 10003, 'AUTH_SEND_SCREEN_VIDEO_MISSING');
    assert.deepEqual(c.devices.localTracks, {});
    await c.devices.enableSpeaker(true); // no auth bit for a speaker
    assert.deepEqual(c.devices.enabledDevices, { speaker: 'null-speaker' });
    await ctx.devices.enableCamera(true); // nothing was held: another context opens the camera
    await ctx.devices.enableCamera(false);
    assert.deepEqual(fake!.requestsOf('media.publish'), []);

    await c.exitRoom();
    await c.devices.enableCamera(true); // outside a room it opens
    assert.ok(c.devices.localTracks.camera);
    const room = await c.enterRoom({ roomId: 4, authBits: AuthBits.AUDIENCE });
    assert.equal(room.state, 'entered');
    assert.ok(c.devices.localTracks.camera, 'a camera already on stays on, unpublished');
    assert.deepEqual(fake!.requestsOf('media.publish'), []);
    await rejectsWith(c.devices.enableCamera(true), 1003); // already on: the target state holds
  } finally {
    fake!.handle('room.enter', undefined as never);
    if (c.room) await c.exitRoom();
    await c.stop();
  }
});

test('a publish the server refuses rejects with its error and turns the device back off', async () => {
  const c = await inRoomCtx('presenter');
  fake!.handle('media.publish', () => fail(10011, 'SCREEN_VIDEO_DISABLED', 'screen video is disabled on this server'));
  try {
    await c.enterRoom({ roomId: 5 });
    const err = await rejectsWith(c.devices.enableScreen(true), 10011, 'SCREEN_VIDEO_DISABLED');
    assert.equal(err.detail!.message, 'screen video is disabled on this server');
    assert.equal(c.devices.localTracks.screen, undefined);
    assert.deepEqual(c.devices.enabledDevices, {});
    assert.deepEqual(
      fake!.requestsOf('media.publish').map((p) => (p as { source: string }).source),
      ['screen'],
    );
    await ctx.devices.enableScreen(true); // released
    await ctx.devices.enableScreen(false);
  } finally {
    fake!.handle('media.publish', undefined as never);
    await c.exitRoom();
    await c.stop();
  }
});
