import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { AVError } from '@hudong/protocol';
import { AVContext } from './AVContext.js';

const ctx = AVContext.create({ serverUrl: 'ws://127.0.0.1:1/ws', sdkAppId: 1400000001 }); // never started: devices work anyway
after(async () => {
  await ctx.deviceTest.stop().catch(() => {});
  await ctx.destroy();
});

async function rejectsWith(p: Promise<unknown>, code: number): Promise<AVError> {
  const err = await p.then(() => assert.fail(`expected ${code}`), (e: unknown) => e);
  assert.ok(err instanceof AVError, String(err));
  assert.equal(err.code, code, err.message);
  return err;
}

test('list: the four virtual devices', async () => {
  const list = await ctx.devices.list();
  assert.deepEqual(list.map((d) => [d.id, d.kind]), [['virtual-camera', 'camera'], ['virtual-microphone', 'microphone'], ['null-speaker', 'speaker'], ['virtual-screen', 'screen']]);
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
