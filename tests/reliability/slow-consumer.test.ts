// Clients that stop reading while their room talks: the server bounds what it holds for each
// (maxSendQueueBytes), closes them with 4009 and keeps their sessions for a resume, while a member
// that reads gets every message. Against a real `hudong serve` process, whose RSS is read from /proc.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { loggedIn, type RawClient } from '../helpers/raw-client.js';
import { ServerProcess } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait-until.js';

const ROOM = 4242;
const SLOW_READERS = 4;
/** 5,000 messages of 16 KB: 80 MB for each member, far past the loopback socket buffers (a few MB) plus the 4 MiB cap. */
const MESSAGES = 5000;
const MESSAGE_BYTES = 16 * 1024;
/** Requests the talker keeps in flight. */
const WINDOW = 32;
/**
 * What the server may grow by while it sends 80 MB to each of four readers that stopped: their capped
 * queues plus the garbage of the traffic itself (measured +31 MB). Without the cap it grew by 112 MB:
 * the whole backlog, which the stopped readers share (a room-wide message is one buffer for all).
 */
const RSS_GROWTH_LIMIT_MB = 64;

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  assert.ok(kb, `VmRSS of process ${pid}`);
  return Number(kb) / 1024;
}

describe('slow consumers', () => {
  const srv = new ServerProcess({
    // The talker's messages must not meet the per-connection rate limit: the send queue is what is tested.
    config: { ratePerSecond: 1_000_000, rateBurst: 1_000_000, sessionGraceMs: 60_000 },
  });
  const clients: RawClient[] = [];
  const join = async (identifier: string) => {
    const { client, login } = await loggedIn(srv.wsUrl, identifier, {}, { keepAliveMs: 1000, waitMs: 30_000 });
    clients.push(client);
    const entered = await client.request('room.enter', {
      roomId: ROOM,
      roomType: 'multi',
      authBits: 0xff,
      controlRole: 'LiveMaster',
      createRoom: true,
    });
    assert.equal(entered.ok, true, JSON.stringify(entered.error));
    return { client, sessionToken: login.sessionToken };
  };

  before(() => srv.start());
  after(async () => {
    for (const c of clients) c.terminate();
    await srv.stop();
  });

  it('closes readers that stopped with 4009 at a bounded cost, keeps their sessions, and a reading member gets everything', async () => {
    const pid = srv.pid!;
    const talker = (await join('talker')).client;
    const reader = (await join('reader')).client;
    let received = 0;
    reader.onEvent('room.message', () => received++);
    const slow = [];
    for (let i = 1; i <= SLOW_READERS; i++) slow.push({ identifier: `slow-${i}`, ...(await join(`slow-${i}`)) });
    for (const s of slow) s.client.pauseReading();

    const baseline = rssMb(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
    const data = 'm'.repeat(MESSAGE_BYTES);
    const started = Date.now();
    try {
      let inFlight: Promise<unknown>[] = [];
      for (let n = 0; n < MESSAGES; n++) {
        inFlight.push(talker.request('room.message', { data, binary: false }).then((res) => assert.equal(res.ok, true, JSON.stringify(res.error))));
        if (inFlight.length === WINDOW) {
          await Promise.all(inFlight);
          inFlight = [];
        }
      }
      await Promise.all(inFlight);
      await waitUntil(`the reader's ${MESSAGES} messages`, () => received === MESSAGES, 30_000, 50);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, rssMb(pid));
    const growth = peak - baseline;
    console.log(
      `slow-consumer: ${MESSAGES} x ${MESSAGE_BYTES} B to ${SLOW_READERS + 1} members in ${Date.now() - started} ms; server RSS ${baseline.toFixed(1)} -> peak ${peak.toFixed(1)} MB (+${growth.toFixed(1)})`,
    );
    assert.ok(growth < RSS_GROWTH_LIMIT_MB, `server RSS grew by ${growth.toFixed(1)} MB (limit ${RSS_GROWTH_LIMIT_MB})`);

    const closes = srv.logsWith((l) => l.msg === 'slow consumer closed');
    assert.equal(closes.length, SLOW_READERS, 'each stopped reader is closed once, the reading ones never');
    for (const line of closes) assert.ok((line.queuedBytes as number) > 4 * 1024 * 1024);
    const metrics = await (await fetch(`${srv.httpUrl}/metrics`)).text();
    assert.match(metrics, new RegExp(`^hudong_slow_consumers_total ${SLOW_READERS}$`, 'm'));

    // Reading again, each finds the close frame behind what was buffered: 4009.
    for (const s of slow) s.client.resumeReading();
    for (const s of slow) assert.equal((await s.client.closed).code, 4009);
    assert.equal(reader.isOpen, true);
    assert.equal(talker.isOpen, true);
    assert.equal(
      reader.events.filter((e) => e.event === 'room.endpoints' && e.data.event === 2).length,
      0,
      'a dropped connection keeps its membership through the grace: no EXIT',
    );

    // The normal dropped-connection path: the session resumes with its room.
    const back = await loggedIn(srv.wsUrl, slow[0]!.identifier, { resumeToken: slow[0]!.sessionToken });
    clients.push(back.client);
    assert.equal(back.login.resumed, true);
    assert.equal(back.login.room?.roomId, ROOM);
  });
});
