// Webhooks (API.md section 6) from a real `hudong serve` process to a real HTTP receiver: every
// event signed with the app's key, per room in order, retried after failures (same id), each
// exit after its entry even under churn, and a receiver that is down costing the rooms nothing
// (bounded queue: what is dropped is counted in /metrics).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertPaired, assertRoomLife, churnTold, enterAs, story, WebhookReceiver } from '../helpers/api.js';
import { dispose, startedContext, uniqueId, uniqueRoomId } from '../helpers/clients.js';
import { metric } from '../helpers/media.js';
import { loggedIn, RawClient } from '../helpers/raw-client.js';
import { ServerProcess, TEST_APP_ID } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait-until.js';

let receiver: WebhookReceiver;
let server: ServerProcess;

before(async () => {
  receiver = await new WebhookReceiver().start();
  server = await new ServerProcess({ nodeId: 'hooks', config: { webhooks: [receiver.url], webhookRetryMs: 200, sessionGraceMs: 300 } }).start();
});
after(async () => {
  await server?.stop();
  await receiver?.stop();
});

test("a room's life, in order and signed: created, entries, publish, exits with their reasons, destroyed", async () => {
  const roomId = uniqueRoomId();
  const hostId = uniqueId('host');
  const host = await startedContext(server.wsUrl, hostId);
  const [kicked, replaced, dropped] = [uniqueId('kicked'), uniqueId('replaced'), uniqueId('dropped')];
  const clients: RawClient[] = [];
  try {
    await host.enterRoom({ roomId });
    for (const id of [kicked, replaced, dropped]) {
      const { client } = await loggedIn(server.wsUrl, id);
      await enterAs(client, roomId, false);
      clients.push(client);
    }
    await host.devices.enableCamera(true);
    await waitUntil('publish.started', () => receiver.ofRoom(roomId).some((e) => e.event === 'publish.started'), 15_000);
    assert.equal((await api(server.httpUrl, 'DELETE', `/rooms/${roomId}/members/${kicked}`)).status, 200);
    await loggedIn(server.wsUrl, replaced).then(({ client }) => clients.push(client)); // the same identifier logs in again
    clients[2]!.terminate(); // gone without a word: its session ends after sessionGraceMs
    await waitUntil(
      'the dropped member timed out',
      () => receiver.ofRoom(roomId).some((e) => e.identifier === dropped && e.event === 'member.exited'),
      10_000,
    );
    await host.devices.enableCamera(false);
    await host.exitRoom();
    await waitUntil('room.destroyed', () => receiver.ofRoom(roomId).some((e) => e.event === 'room.destroyed'));
    assert.deepEqual(story(receiver.ofRoom(roomId)), [
      'room.created',
      `member.entered ${hostId}`,
      `member.entered ${kicked}`,
      `member.entered ${replaced}`,
      `member.entered ${dropped}`,
      `publish.started ${hostId} camera`,
      `member.exited ${kicked} kicked`,
      `member.exited ${replaced} replaced`,
      `member.exited ${dropped} timeout`,
      `publish.stopped ${hostId} camera`,
      `member.exited ${hostId} left`,
      'room.destroyed',
    ]);
    for (const e of receiver.ofRoom(roomId)) {
      assert.equal(e.sdkAppId, TEST_APP_ID);
      assert.equal(e.node, 'hooks');
      assert.ok(Math.abs(e.timestamp - Date.now()) < 60_000);
      assert.match(e.id, /^[0-9a-f-]{36}$/);
    }
    assert.deepEqual(receiver.badSignatures, []);
  } finally {
    for (const c of clients) c.close();
    await dispose(host);
  }
});

test('dismiss: every member exits with reason dismissed, then the room is destroyed', async () => {
  const roomId = uniqueRoomId();
  const ids = [uniqueId('a'), uniqueId('b')];
  const clients: RawClient[] = [];
  try {
    for (const [i, id] of ids.entries()) {
      const { client } = await loggedIn(server.wsUrl, id);
      await enterAs(client, roomId, i === 0);
      clients.push(client);
    }
    assert.equal((await api(server.httpUrl, 'DELETE', `/rooms/${roomId}`)).status, 200);
    await waitUntil('room.destroyed', () => receiver.ofRoom(roomId).some((e) => e.event === 'room.destroyed'));
    assert.deepEqual(story(receiver.ofRoom(roomId)), [
      'room.created',
      `member.entered ${ids[0]}`,
      `member.entered ${ids[1]}`,
      `member.exited ${ids[0]} dismissed`,
      `member.exited ${ids[1]} dismissed`,
      'room.destroyed',
    ]);
  } finally {
    for (const c of clients) c.close();
  }
});

test("a receiver answering 500 twice gets the same event a third time, and the room's later events wait for it", async () => {
  const roomId = uniqueRoomId();
  const id = uniqueId('retry');
  const { client } = await loggedIn(server.wsUrl, id);
  try {
    receiver.failNext = 2;
    const since = receiver.attempts.length;
    await enterAs(client, roomId);
    await client.call('room.exit', {});
    await waitUntil('room.destroyed', () => receiver.ofRoom(roomId).some((e) => e.event === 'room.destroyed'), 10_000);
    const attempts = receiver.attempts.slice(since);
    const created = receiver.ofRoom(roomId)[0]!;
    assert.equal(created.event, 'room.created');
    assert.deepEqual(
      attempts.filter((a) => a.id === created.id).map((a) => a.status),
      [500, 500, 200],
    );
    const [first, , third] = attempts.filter((a) => a.id === created.id);
    assert.ok(third!.at - first!.at >= 200 + 400 - 50, `backoff: ${third!.at - first!.at} ms`);
    assert.deepEqual(story(receiver.ofRoom(roomId)), ['room.created', `member.entered ${id}`, `member.exited ${id} left`, 'room.destroyed']);
    // Each event taken once: a retry is only sent for an event the receiver refused.
    const taken = receiver.ofRoom(roomId).map((e) => e.id);
    assert.equal(new Set(taken).size, taken.length);
  } finally {
    client.close();
  }
});

test('churn: 100 members joining and leaving twice, racing over 5 rooms: every exit after its entry, each event once', async () => {
  const rooms = Array.from({ length: 5 }, () => uniqueRoomId());
  const ids = Array.from({ length: 100 }, (_, i) => uniqueId(`churn${i}`));
  const clients: RawClient[] = [];
  const round = async (id: string, i: number) => {
    const { client } = await loggedIn(server.wsUrl, id);
    clients.push(client);
    await enterAs(client, rooms[i % rooms.length]!);
    // Three ways out: exit, logout, and a dropped connection (its session ends after the grace, or is replaced by the next round's login).
    if (i % 3 === 0) await client.call('room.exit', {});
    else if (i % 3 === 1) await client.call('logout', {});
    else client.terminate();
  };
  try {
    await Promise.all(ids.map((id, i) => round(id, i).then(() => round(id, i))));
    const events = await churnTold(receiver, rooms, 200, 20_000);
    assert.equal(events.filter((e) => e.event === 'member.entered').length, 200);
    for (const roomId of rooms)
      assertRoomLife(
        roomId,
        events.filter((e) => e.roomId === roomId),
      );
    const reasons = new Set(events.filter((e) => e.event === 'member.exited').map((e) => e.reason));
    for (const reason of reasons) assert.ok(['left', 'timeout', 'replaced'].includes(reason!), `reason ${reason}`);
    const taken = events.map((e) => e.id);
    assert.equal(new Set(taken).size, taken.length, 'each event once');
    assert.deepEqual(receiver.badSignatures, []);
  } finally {
    for (const c of clients) c.close();
  }
});

test('a receiver that is down costs the rooms nothing: a bounded queue, drops counted, never an exit without its entry', async () => {
  const down = await new WebhookReceiver().start();
  down.failNext = Infinity;
  const node = await new ServerProcess({ config: { webhooks: [down.url], webhookQueueLimit: 5, webhookRetryMs: 100 } }).start();
  const clients: RawClient[] = [];
  try {
    const roomId = uniqueRoomId();
    const started = Date.now();
    for (let i = 0; i < 10; i++) {
      const { client } = await loggedIn(node.wsUrl, uniqueId('busy'));
      await enterAs(client, roomId);
      clients.push(client);
    }
    for (const client of clients) await client.call('room.exit', {});
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 5000, `10 enters and exits took ${elapsed} ms with the receiver down`);
    // 22 events (created, 10 entered, 10 exited, destroyed), of which the queue holds 5.
    await waitUntil('drops counted', async () => (await metric(node.httpUrl, 'hudong_webhook_dropped_queue_full_total')) === 11);
    const full = await metric(node.httpUrl, 'hudong_webhook_dropped_queue_full_total');
    const unpaired = await metric(node.httpUrl, 'hudong_webhook_dropped_unpaired_total');
    assert.ok(unpaired >= 1, 'the exits of dropped entries are dropped too');
    assert.equal(await metric(node.httpUrl, 'hudong_webhook_queued'), 5);
    assert.ok((await metric(node.httpUrl, 'hudong_webhook_failed_attempts_total')) >= 1);
    // The receiver comes back: what was queued arrives, with no exit whose entry was dropped.
    down.failNext = 0;
    await waitUntil('the queue drained', async () => (await metric(node.httpUrl, 'hudong_webhook_queued')) === 0, 20_000);
    assertPaired(down.events);
    // Queued: room.created and 4 entries. Dropped: 6 entries, the 4 exits of the queued entries and
    // room.destroyed for a full queue (an entry can arrive without its exit, never the other way round),
    // the 6 exits of the dropped entries with them.
    assert.deepEqual([full, unpaired], [11, 6]);
    assert.deepEqual(
      down.events.map((e) => e.event),
      ['room.created', 'member.entered', 'member.entered', 'member.entered', 'member.entered'],
    );
  } finally {
    for (const c of clients) c.close();
    await node.stop();
    await down.stop();
  }
});
