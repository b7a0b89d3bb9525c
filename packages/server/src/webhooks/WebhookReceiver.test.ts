import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { makeEvent, type WebhookEventInit } from './WebhookEvent.js';
import { emptyStats, WebhookReceiver, type WebhookLimits } from './WebhookReceiver.js';

// A real HTTP receiver on loopback: answers with the status `answer` gives the event, keeps what it took.
let server: Server;
let url: string;
let answer: (event: { event: string; roomId: number }) => number = () => 200;
const taken: { event: string; roomId: number; identifier?: string }[] = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += String(c)));
    req.on('end', () => {
      const event = JSON.parse(body) as { event: string; roomId: number };
      const status = answer(event);
      if (status < 300) taken.push(event);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
after(() => new Promise((resolve) => server.close(resolve)));

const LIMITS: WebhookLimits = { queueLimit: 100, retryMs: 20, retryForMs: 60_000, timeoutMs: 2000, concurrency: 4 };
const logger = pino({ level: 'silent' });

function receiverWith(limits: Partial<WebhookLimits> = {}) {
  const stats = emptyStats();
  const receiver = new WebhookReceiver(url, { ...LIMITS, ...limits }, stats, logger);
  const settled: string[] = [];
  const send = (init: WebhookEventInit) => {
    const event = makeEvent(init, { sdkAppId: 1, node: 'n' });
    receiver.enqueue(event, JSON.stringify(event), 'sha256=x', () => settled.push(event.id));
  };
  return { receiver, stats, send, settled };
}

const until = async (what: string, holds: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!holds()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

test('a room whose head fails waits for it; another room goes on meanwhile', async () => {
  taken.length = 0;
  let failures = 3;
  answer = (e) => (e.roomId === 1 && e.event === 'room.created' && failures-- > 0 ? 503 : 200);
  const { receiver, stats, send } = receiverWith();
  send({ event: 'room.created', roomId: 1 });
  send({ event: 'member.entered', roomId: 1, identifier: 'a' });
  send({ event: 'room.created', roomId: 2 });
  await until('all three', () => taken.length === 3);
  assert.deepEqual(
    taken.map((e) => `${e.roomId} ${e.event}`),
    ['2 room.created', '1 room.created', '1 member.entered'],
  );
  assert.equal(stats.failedAttempts, 3);
  assert.equal(stats.delivered, 3);
  assert.equal(stats.queued, 0);
  receiver.close();
});

test('an entry dropped after its retries takes its exit with it; everything settles', async () => {
  taken.length = 0;
  answer = (e) => (e.event === 'member.entered' ? 500 : 200);
  const { receiver, stats, send, settled } = receiverWith({ retryForMs: 100 });
  send({ event: 'member.entered', roomId: 3, identifier: 'a' });
  send({ event: 'member.exited', roomId: 3, identifier: 'a', reason: 'left' });
  send({ event: 'room.destroyed', roomId: 3 });
  await until('all settled', () => settled.length === 3);
  assert.deepEqual(
    taken.map((e) => e.event),
    ['room.destroyed'],
  );
  assert.equal(stats.droppedRetriesExhausted, 1);
  assert.equal(stats.droppedUnpaired, 1);
  receiver.close();
});

test('a full queue drops new events, and later the exits of the entries it dropped', async () => {
  taken.length = 0;
  answer = () => 200;
  const { receiver, stats, send } = receiverWith({ queueLimit: 2, concurrency: 1 });
  send({ event: 'member.entered', roomId: 4, identifier: 'a' });
  send({ event: 'member.entered', roomId: 4, identifier: 'b' });
  send({ event: 'member.entered', roomId: 4, identifier: 'c' }); // full: dropped
  await until('the queue drained', () => stats.queued === 0);
  send({ event: 'member.exited', roomId: 4, identifier: 'c', reason: 'left' }); // its entry was dropped
  send({ event: 'member.exited', roomId: 4, identifier: 'a', reason: 'left' });
  await until('a exited', () => taken.length === 3);
  assert.deepEqual(
    taken.map((e) => `${e.event} ${e.identifier}`),
    ['member.entered a', 'member.entered b', 'member.exited a'],
  );
  assert.equal(stats.droppedQueueFull, 1);
  assert.equal(stats.droppedUnpaired, 1);
  receiver.close();
});
