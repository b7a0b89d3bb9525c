// One receive connection per member: a viewer of a grid holds one connection whatever the number of
// views, the server's file descriptors do not grow with views, and a view that replaces another
// reuses its m-section without renegotiating. Real server process, @roamhq/wrtc on both ends;
// inside the namespace (run-tests enters it).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, it } from 'node:test';
import { ServerProcess } from '../helpers/server.js';
import { loggedIn, type RawClient } from '../helpers/raw-client.js';
import { WrtcPublisher, WrtcReceiveConnection, WrtcViewer } from '../helpers/wrtc-peers.js';

const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const ROOM = 801;

/** A member in the room, and who already published a camera when it entered. */
async function member(wsUrl: string, identifier: string): Promise<{ client: RawClient; withCamera: Set<string> }> {
  const { client } = await loggedIn(wsUrl, identifier);
  closers.push(() => client.terminate());
  const entered = await client.request('room.enter', { roomId: ROOM, roomType: 'multi', authBits: 0xff, createRoom: true });
  assert.equal(entered.ok, true, JSON.stringify(entered.error));
  return { client, withCamera: new Set(entered.result.members.filter((m) => m.hasCameraVideo).map((m) => m.identifier)) };
}

it('a grid: one receive connection for every view, server fds constant in views, a replaced view reuses its m-section without an offer', async () => {
  const server = await new ServerProcess().start();
  closers.push(() => server.stop());
  const pid = server.pid!;
  const hosts = ['grid-a', 'grid-b', 'grid-c'];
  for (const id of hosts) {
    const { client } = await member(server.wsUrl, id);
    const { publisher, response } = await WrtcPublisher.publish(client, 'camera');
    closers.push(() => publisher.close());
    assert.equal(response.ok, true, JSON.stringify(response.error));
  }
  const { client: viewer, withCamera } = await member(server.wsUrl, 'grid-viewer');
  for (const id of hosts.filter((h) => !withCamera.has(h))) {
    await viewer.waitFor((f) => f.type === 'event' && f.event === 'room.endpoints' && f.data.event === 3 && f.data.members[0]?.identifier === id);
  }
  const connection = WrtcReceiveConnection.of(viewer);
  closers.push(() => connection.close());
  const before = fds(pid);

  const first = await WrtcViewer.view(viewer, 'grid-a', 'camera');
  await first.waitFrames(10);
  const oneView = fds(pid);
  const rest = await Promise.all(hosts.slice(1).map((id) => WrtcViewer.view(viewer, id, 'camera')));
  const views = [first, ...rest];
  for (const view of rest) await view.waitFrames(10);
  const threeViews = fds(pid);
  console.log(`# server fds: ${before} before any view, ${oneView} with 1 view, ${threeViews} with 3 views; ${connection.offersApplied} offers`);

  assert.deepEqual(
    views.map((v) => v.mid),
    ['0', '1', '2'],
  );
  assert.equal(new Set(views.map((v) => v.connection)).size, 1, 'every view on the one receive connection');
  assert.ok(connection.offersApplied <= views.length, `at most one offer per new m-section (${connection.offersApplied} offers)`);
  assert.equal(connection.pc!.getTransceivers().length, 3, 'three m-sections, no more');
  assert.equal(threeViews, oneView, 'no descriptor per view: the views ride the one connection');

  // Drop the view of grid-b and view it again: the freed slot carries the new view.
  const offers = connection.offersApplied;
  assert.equal((await viewer.request('media.unsubscribe', { subscriptionId: rest[0]!.subscriptionId })).ok, true);
  rest[0]!.close();
  const started = Date.now();
  const again = await WrtcViewer.view(viewer, 'grid-b', 'camera');
  const frames = again.frames;
  await again.waitFrames(frames + 5);
  const switchMs = Date.now() - started;
  console.log(`# a replacing view: m-section ${again.mid}, 5 frames after ${switchMs} ms, ${connection.offersApplied - offers} new offers`);
  assert.equal(again.mid, '1', 'the freed m-section carries the new view');
  assert.equal(connection.offersApplied, offers, 'no renegotiation for a reused m-section');
  assert.equal(fds(pid), threeViews);
  for (const view of [first, rest[1]!, again]) view.close();
});

it('an enter with `receive` opens the receive connection: its offer follows the answer, two views need no offer, the reserve is refilled', async () => {
  const server = await new ServerProcess().start();
  closers.push(() => server.stop());
  const hosts = ['eager-a', 'eager-b'];
  for (const id of hosts) {
    const { client } = await member(server.wsUrl, id);
    const { publisher, response } = await WrtcPublisher.publish(client, 'camera');
    closers.push(() => publisher.close());
    assert.equal(response.ok, true, JSON.stringify(response.error));
  }
  const { client: plain } = await loggedIn(server.wsUrl, 'plain-viewer');
  closers.push(() => plain.terminate());
  assert.equal((await plain.request('room.enter', { roomId: ROOM, roomType: 'multi', authBits: 0xff, createRoom: true })).ok, true);

  const { client: viewer } = await loggedIn(server.wsUrl, 'eager-viewer');
  closers.push(() => viewer.terminate());
  const connection = WrtcReceiveConnection.of(viewer);
  closers.push(() => connection.close());
  const entered = await viewer.request('room.enter', { roomId: ROOM, roomType: 'multi', authBits: 0xff, createRoom: true, receive: true });
  assert.equal(entered.ok, true, JSON.stringify(entered.error));
  const offer = await viewer.waitFor((f) => f.type === 'event' && f.event === 'media.subscriberOffer', 5000, 'the first offer');
  assert.ok(
    viewer.frames.indexOf(offer) < viewer.frames.indexOf(entered),
    'the offer comes just before the enter answer: the client applies it while it takes in the room',
  );
  const started = Date.now();
  while (connection.offersApplied < 1 && Date.now() - started < 5000) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(
    connection.pc!.getTransceivers().map((t) => t.receiver.track.kind),
    ['audio', 'video', 'video'],
    'an audio m-section, and two video ones: the first view and one in reserve',
  );

  const views = await Promise.all(hosts.map((id) => WrtcViewer.view(viewer, id, 'camera')));
  for (const view of views) await view.waitFrames(5);
  assert.deepEqual(views.map((v) => v.mid).sort(), ['1', '2'], 'the views took the m-sections of the first offer: no renegotiation for either');
  // Taking the last free video slot makes the server offer a new one in reserve, 250 ms later.
  while (connection.offersApplied < 2 && Date.now() - started < 10_000) await new Promise((resolve) => setTimeout(resolve, 10));
  await connection.settled;
  assert.deepEqual(
    connection.pc!.getTransceivers().map((t) => [t.mid, t.receiver.track.kind]),
    [
      ['0', 'audio'],
      ['1', 'video'],
      ['2', 'video'],
      ['3', 'video'],
    ],
    'one more video m-section, in reserve',
  );
  assert.equal(connection.offersApplied, 2);
  for (const view of views) view.close();
  assert.equal(
    plain.events.filter((e) => e.event === 'media.subscriberOffer').length,
    0,
    'an enter without `receive` opens nothing (its client asks with media.subscriberOpen when it wants)',
  );
});
