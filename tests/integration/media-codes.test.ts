// The codes of views, devices and the device test, each in the situation the table describes,
// through the Node SDK against a real server (inside the loopback namespace).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { AuthBits } from '@hudong/sdk';
import { hostAndViewer } from '../helpers/media.js';
import { ServerProcess } from '../helpers/server.js';
import { RawClient } from '../helpers/raw-client.js';
import { dispose, nextEvent, rejectsWith, rejectsWithServer, startedContext, uniqueId, uniqueRoomId, sleep } from '../helpers/clients.js';

let server: ServerProcess;
before(async () => {
  server = await new ServerProcess().start();
});
after(async () => {
  await server.stop();
});

test('1401 AV_ERR_ENDPOINT_NOT_EXIST and 1402 AV_ERR_ENDPOINT_HAS_NOT_VIDEO: viewing nobody, and a member without video', async () => {
  const roomId = uniqueRoomId();
  const quietId = uniqueId('quiet');
  const viewer = await startedContext(server.wsUrl, uniqueId('viewer'));
  const quiet = await startedContext(server.wsUrl, quietId);
  try {
    const room = await viewer.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    const entered = nextEvent(room, 'endpointsUpdate');
    await quiet.enterRoom({ roomId, roomType: 'multi', createRoom: false });
    await entered; // the viewer must know the quiet member, or viewing it is 1401
    await rejectsWith(room.requestViewList([{ identifier: 'not-in-this-room', srcType: 'camera', size: 'big' }]), 1401, 'AV_ERR_ENDPOINT_NOT_EXIST');
    await rejectsWith(room.requestViewList([{ identifier: quietId, srcType: 'camera', size: 'big' }]), 1402, 'AV_ERR_ENDPOINT_HAS_NOT_VIDEO');
    await rejectsWith(room.requestViewList([{ identifier: quietId, srcType: 'screen', size: 'small' }]), 1402, 'AV_ERR_ENDPOINT_HAS_NOT_VIDEO');
  } finally {
    await dispose(viewer, quiet);
  }
});

test('1001/1002/1003 for views: the same request twice, cancel during a request, cancel with nothing viewed', async () => {
  const { host, viewer, hostId, viewerRoom: room } = await hostAndViewer(server.wsUrl, { camera: true });
  try {
    const err = await rejectsWith(room.cancelAllView(), 1003, 'AV_ERR_HAS_IN_THE_STATE');
    assert.equal(err.isBenign, true);
    const list = [{ identifier: hostId, srcType: 'camera' as const, size: 'big' as const }];
    const first = room.requestViewList(list);
    await rejectsWith(room.requestViewList(list), 1001, 'AV_ERR_REPEATED_OPERATION');
    await rejectsWith(room.cancelAllView(), 1002, 'AV_ERR_EXCLUSIVE_OPERATION');
    const views = await first;
    assert.equal(views.length, 1);
    await room.cancelAllView();
  } finally {
    await dispose(viewer, host);
  }
});

test('1301 AV_ERR_DEVICE_NOT_EXIST, 1003 and 1001/1002 for a device', async () => {
  const ctx = await startedContext(server.wsUrl, uniqueId('devices'));
  try {
    const devices = await ctx.devices.list();
    assert.deepEqual([...new Set(devices.map((d) => d.kind))].sort(), ['camera', 'microphone', 'screen', 'speaker']);
    const err = await rejectsWith(ctx.devices.enableCamera(true, { deviceId: 'no-such-camera' }), 1301, 'AV_ERR_DEVICE_NOT_EXIST');
    assert.match(JSON.stringify(err.detail), /no-such-camera/);
    const opening = ctx.devices.enableMic(true);
    await rejectsWith(ctx.devices.enableMic(true), 1001, 'AV_ERR_REPEATED_OPERATION');
    await rejectsWith(ctx.devices.enableMic(false), 1002, 'AV_ERR_EXCLUSIVE_OPERATION');
    await opening;
    assert.ok(ctx.devices.localTracks.microphone);
    const again = await rejectsWith(ctx.devices.enableMic(true), 1003, 'AV_ERR_HAS_IN_THE_STATE');
    assert.equal(again.isBenign, true);
    await ctx.devices.enableMic(false);
    assert.equal(ctx.devices.localTracks.microphone, undefined);
  } finally {
    await ctx.devices.enableMic(false).catch(() => {});
    await dispose(ctx);
  }
});

test('1008 AV_ERR_RESOURCE_IS_OCCUPIED: the camera is held by another context, then by another process', async () => {
  const a = await startedContext(server.wsUrl, uniqueId('a'));
  const b = await startedContext(server.wsUrl, uniqueId('b'));
  try {
    await a.devices.enableCamera(true);
    const err = await rejectsWith(b.devices.enableCamera(true), 1008, 'AV_ERR_RESOURCE_IS_OCCUPIED');
    assert.ok(err.detail);
    await a.devices.enableCamera(false);
    await b.devices.enableCamera(true);
    await b.devices.enableCamera(false);

    // Another process opens the virtual screen and keeps it.
    const holder = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `
      const { AVContext } = await import('@hudong/sdk');
      const ctx = AVContext.create({ serverUrl: 'ws://127.0.0.1:1/ws', sdkAppId: 1400000001 });
      await ctx.devices.enableScreen(true);
      console.log('held');
      setInterval(() => {}, 1000);
    `,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout!.on('data', (d) => String(d).includes('held') && resolve()));
    try {
      const busy = await rejectsWith(a.devices.enableScreen(true), 1008, 'AV_ERR_RESOURCE_IS_OCCUPIED');
      assert.match(busy.detail!.message, new RegExp(String(holder.pid)));
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
    }
    await sleep(100);
    await a.devices.enableScreen(true); // a dead holder's lock is stale
    await a.devices.enableScreen(false);
  } finally {
    await dispose(a, b);
  }
});

test('1601 AV_ERR_DEVICE_TEST_NOT_EXIST and 1602 AV_ERR_DEVICE_TEST_NOT_STOPPED: the device test lifecycle', async () => {
  const ctx = await startedContext(server.wsUrl, uniqueId('tester'));
  try {
    await rejectsWith(ctx.deviceTest.enableDevice('virtual-microphone', true), 1601, 'AV_ERR_DEVICE_TEST_NOT_EXIST');
    await ctx.deviceTest.start();
    await ctx.deviceTest.enableDevice('virtual-microphone', true);
    await ctx.deviceTest.enableDevice('virtual-camera', true);
    assert.ok(ctx.deviceTest.localTracks.camera, 'a preview track');
    await sleep(600);
    assert.ok(ctx.deviceTest.micLevel > 0.05, `mic level ${ctx.deviceTest.micLevel}`);
    await rejectsWith(ctx.enterRoom({ roomId: uniqueRoomId(), roomType: 'multi', createRoom: true }), 1602, 'AV_ERR_DEVICE_TEST_NOT_STOPPED');
    await rejectsWith(ctx.stop(), 1602, 'AV_ERR_DEVICE_TEST_NOT_STOPPED');
    await ctx.deviceTest.stop();
    await ctx.enterRoom({ roomId: uniqueRoomId(), roomType: 'multi', createRoom: true });
  } finally {
    await ctx.deviceTest.stop().catch(() => {});
    await dispose(ctx);
  }
});

test('enableCamera before entering publishes on entry; semi-auto viewers get it without asking', async () => {
  const roomId = uniqueRoomId();
  const hostId = uniqueId('host');
  const host = await startedContext(server.wsUrl, hostId);
  const viewer = await startedContext(server.wsUrl, uniqueId('viewer'));
  try {
    await host.devices.enableCamera(true);
    const hostRoom = await host.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    assert.equal(hostRoom.state, 'entered');
    await sleep(1500); // the publication announces itself with its first packet
    const entering = viewer.enterRoom({ roomId, roomType: 'multi', createRoom: false, videoRecvMode: 'semi-auto' });
    // ctx.room exists while entering: listen before the entry can complete.
    const auto = new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no semiAutoRecvCameraVideo')), 10_000);
      viewer.room!.once('semiAutoRecvCameraVideo', (list: string[]) => {
        clearTimeout(timer);
        resolve(list);
      });
    });
    const room = await entering;
    const ids = await auto;
    assert.deepEqual(ids, [hostId]);
    assert.equal(room.endpoints.get(hostId)?.hasCameraVideo, true);
  } finally {
    await dispose(viewer, host);
  }
});

test('10003 AV_ERR_SERVER_NO_PERMISSION: viewing a camera without RECV_CAMERA_VIDEO; publishing without SEND_CAMERA_VIDEO', async () => {
  const {
    host,
    viewer: listener,
    hostId,
    hostRoom,
    viewerRoom: room,
  } = await hostAndViewer(server.wsUrl, { camera: true, viewerAuthBits: AuthBits.JOIN_ROOM | AuthBits.RECV_AUDIO });
  const roomId = hostRoom.roomId;
  try {
    await rejectsWithServer(
      room.requestViewList([{ identifier: hostId, srcType: 'camera', size: 'big' }]),
      10003,
      'AV_ERR_SERVER_NO_PERMISSION',
      'AUTH_RECV_CAMERA_VIDEO_MISSING',
    );

    const raw = await RawClient.connect(server.wsUrl);
    await raw.login(uniqueId('raw'));
    await raw.request('room.enter', { roomId, roomType: 'multi', authBits: AuthBits.AUDIENCE, createRoom: false });
    const res = await raw.request('media.publish', { source: 'camera', sdp: 'v=0\r\n' });
    raw.close();
    assert.equal(res.error.code, 10003);
    assert.equal(res.error.detail.code, 'AUTH_SEND_CAMERA_VIDEO_MISSING');
  } finally {
    await dispose(listener, host);
  }
});

test('10011 AV_ERR_SERVER_INVALID_ABILITY: screen video disabled by room policy', async () => {
  const strict = await new ServerProcess({ config: { screenVideo: false } }).start();
  const ctx = await startedContext(strict.wsUrl, uniqueId('presenter'));
  try {
    await ctx.enterRoom({ roomId: uniqueRoomId(), roomType: 'multi', createRoom: true });
    await rejectsWithServer(ctx.devices.enableScreen(true), 10011, 'AV_ERR_SERVER_INVALID_ABILITY', 'SCREEN_VIDEO_DISABLED');
    assert.equal(ctx.devices.localTracks.screen, undefined, 'a refused publish turns the device back off');
  } finally {
    await dispose(ctx);
    await strict.stop();
  }
});

test('10010 AV_ERR_SERVER_ENDPOINT_NOT_EXIST: subscribing to a member who already left (a race the client cannot see)', async () => {
  const roomId = uniqueRoomId();
  const raw = await RawClient.connect(server.wsUrl);
  const stay = await startedContext(server.wsUrl, uniqueId('stay'));
  try {
    await stay.enterRoom({ roomId, roomType: 'multi', createRoom: true });
    await raw.login(uniqueId('raw'));
    await raw.request('room.enter', { roomId, roomType: 'multi', authBits: 0xff, createRoom: false });
    const res = await raw.request('media.subscribe', { identifier: 'left-a-moment-ago', source: 'camera', size: 'big' });
    assert.equal(res.error.code, 10010);
    assert.equal(res.error.detail.code, 'MEMBER_NOT_FOUND');
    const notPublishing = await raw.request('media.subscribe', { identifier: stay.identifier, source: 'camera', size: 'big' });
    assert.equal(notPublishing.error.code, 10010);
    assert.equal(notPublishing.error.detail.code, 'NOT_PUBLISHING');
    await raw.request('room.exit', {});
    const out = await raw.request('media.subscribe', { identifier: stay.identifier, source: 'camera', size: 'big' });
    assert.equal(out.error.code, 10006);
    assert.equal(out.error.detail.code, 'NOT_IN_ROOM');
  } finally {
    raw.close();
    await dispose(stay);
  }
});
