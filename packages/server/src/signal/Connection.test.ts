import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { setImmediate as nextRound, setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { encodeRequest } from '@hudong/protocol';
import { pino } from 'pino';
import type { WebSocket } from 'ws';
import { waitUntil } from '../../../../tests/helpers/wait-until.js';
import { Connection, type LinkedSession, type RequestSink } from './Connection.js';

/** The part of a `ws` socket a Connection uses; every write and the close go into one shared log. */
class FakeSocket extends EventEmitter {
  readyState = 1; // OPEN
  bufferedAmount = 0;
  constructor(
    readonly name: string,
    readonly log: string[],
  ) {
    super();
  }
  send(frame: string | Buffer): void {
    this.log.push(`${this.name}:${String(frame)}`);
  }
  close(code: number): void {
    this.log.push(`${this.name}:close ${code}`);
    this.readyState = 2; // CLOSING
  }
  terminate(): void {}
}

/** Answers every request at once, as a handler that needs no I/O does. */
const answering: RequestSink<LinkedSession> = {
  handle: async (connection, request) => connection.respond(`response ${request.id}`),
  reject: () => {},
};

function connect(name: string, log: string[], loginTimeoutMs = 60_000): { connection: Connection; socket: FakeSocket } {
  const socket = new FakeSocket(name, log);
  const connection = new Connection(socket as unknown as WebSocket, {
    sink: answering,
    logger: pino({ level: 'silent' }),
    limits: { ratePerSecond: 100, rateBurst: 100, maxBadFrames: 10, heartbeatIntervalMs: 60_000, maxSendQueueBytes: 1024, loginTimeoutMs },
  });
  return { connection, socket };
}

describe('Connection writes', () => {
  it('holds events until the end of the round; a response goes at once, after the events queued before it', async () => {
    const log: string[] = [];
    const { connection } = connect('a', log);
    connection.send('event 1');
    assert.deepEqual(log, [], 'an event waits for the end of the round');
    connection.respond('response 1');
    connection.send('event 2');
    assert.deepEqual(log, ['a:event 1', 'a:response 1']);
    await nextRound();
    assert.deepEqual(log, ['a:event 1', 'a:response 1', 'a:event 2']);
    connection.close(1000, 'bye');
  });

  it('answers a request before the fan-out queued for other connections', async () => {
    const log: string[] = [];
    const a = connect('a', log);
    const b = connect('b', log);
    const c = connect('c', log);
    b.connection.send('event for b');
    c.connection.send('event for c');
    // A ping needs no login; its answer must not wait behind b's and c's events.
    a.socket.emit('message', Buffer.from(encodeRequest(7, 'ping', {})), false);
    await Promise.resolve();
    assert.deepEqual(log, ['a:response 7']);
    await nextRound();
    assert.deepEqual(log, ['a:response 7', 'b:event for b', 'c:event for c']);
    for (const x of [a, b, c]) x.connection.close(1000, 'bye');
  });

  it('writes the queued events before the close frame, and nothing once closed', async () => {
    const log: string[] = [];
    const { connection } = connect('a', log);
    connection.send('session.replaced');
    connection.close(4008, 'replaced');
    connection.send('too late');
    await nextRound();
    assert.deepEqual(log, ['a:session.replaced', 'a:close 4008']);
  });

  it('drops the queued events when the peer closed first', async () => {
    const log: string[] = [];
    const { connection, socket } = connect('a', log);
    connection.send('event');
    socket.readyState = 3; // CLOSED
    socket.emit('close', 1006, Buffer.from(''));
    await nextRound();
    assert.deepEqual(log, []);
    assert.equal(connection.closed, true);
  });

  it('closes a slow consumer with 4009 once its outbox and socket buffer pass maxSendQueueBytes, dropping what waits', async () => {
    const log: string[] = [];
    const { connection, socket } = connect('a', log);
    const slow: number[] = [];
    const closed: number[] = [];
    connection.on('slowConsumer', (bytes) => slow.push(bytes));
    connection.on('close', (code) => closed.push(code));
    socket.bufferedAmount = 900; // the client stopped reading: the socket holds what was written
    connection.send('x'.repeat(100));
    assert.deepEqual(slow, [], '1000 bytes are within the cap of 1024');
    connection.send('é'.repeat(20)); // 40 UTF-8 bytes (20 UTF-16 units): the cap counts bytes
    assert.deepEqual(slow, [1040]);
    assert.deepEqual(closed, [4009]);
    connection.send('too late');
    await nextRound();
    assert.deepEqual(log, ['a:close 4009'], 'the queued events are dropped, not written behind the backlog');
  });

  it('counts a response written into a full socket buffer', () => {
    const log: string[] = [];
    const { connection, socket } = connect('a', log);
    socket.bufferedAmount = 2000;
    connection.respond('response 1');
    assert.deepEqual(log, ['a:response 1', 'a:close 4009']);
    assert.equal(connection.closed, true);
  });
});

describe('Connection login deadline', () => {
  const session: LinkedSession = { ended: false, acknowledge: () => {}, transportLost: () => {} };

  it('closes a connection that has not logged in with 4003, pings or not', async () => {
    const log: string[] = [];
    const { connection, socket } = connect('a', log, 50);
    socket.emit('message', Buffer.from(encodeRequest(1, 'ping', {})), false);
    await waitUntil('the deadline', () => connection.closed, 5000, 10);
    assert.deepEqual(log, ['a:response 1', 'a:close 4003']);
  });

  it('leaves a logged-in connection open, and starts again at its logout', async () => {
    const log: string[] = [];
    const { connection } = connect('a', log, 50);
    connection.session = session;
    await sleep(200);
    assert.deepEqual(log, [], 'logged in: no deadline');
    connection.session = null;
    await waitUntil('the deadline', () => connection.closed, 5000, 10);
    assert.deepEqual(log, ['a:close 4003']);
  });
});
