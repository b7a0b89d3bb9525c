// Abuse before login against a real `hudong serve` process (issue 12, points 2, 6, 8): UserSig bombs
// (oversized, and deflate bombs that inflated to megabytes), a flood of forged logins, sockets that
// never log in or only ping, and a logged-in client looking up identities as fast as the rate limit
// lets it — while a healthy client measures its request round trip.
import assert from 'node:assert/strict';
import { availableParallelism, loadavg } from 'node:os';
import { deflateSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { escapeBase64 } from '@hudong/protocol/auth';
import { cpuSeconds } from '../../bench/lib/cpu.js';
import { summarize, type Summary } from '../../bench/lib/stats.js';
import { ServerProcess, TEST_APP_ID, userSigFor } from '../helpers/server.js';
import { loggedIn, loginParams, RawClient } from '../helpers/raw-client.js';
import { waitUntil } from '../helpers/wait-until.js';

/** Just under the rate limit (50 frames/s), as the review's flood was. */
const FLOOD_PER_SECOND = 45;
const ABUSE_MS = 6000;
/** What the healthy client's round trip must stay under while the abuse runs (measured, then asserted). */
const P99_LIMIT_MS = 50;
/** Server CPU per frame answered during the abuse: a ping costs 0.1–0.3 ms here, a deflate bomb cost 39 ms before the caps. */
const MAX_CPU_MS_PER_FRAME = 2;

/** A sig of about 4 KB that inflates to 3 MB of valid JSON: what cost 39 ms per login before the caps. */
function deflateBomb(): string {
  const doc = `{"TLS.ver":"2.0","TLS.identifier":"mallory","TLS.sdkappid":${TEST_APP_ID}${' '.repeat(3_000_000)},"TLS.time":0,"TLS.expire":1,"TLS.sig":""}`;
  return escapeBase64(deflateSync(Buffer.from(doc), { level: 9 }).toString('base64'));
}

/** Sends `params` as `method` FLOOD_PER_SECOND times a second until stopped. */
function flood(client: RawClient, method: string, params: unknown): () => void {
  const timer = setInterval(() => client.isOpen && client.sendRequest(method, params), 1000 / FLOOD_PER_SECOND);
  return () => clearInterval(timer);
}

/** The healthy client's ping round trips, one after the other (under the rate limit), for `ms`. */
async function roundTrips(client: RawClient, ms: number): Promise<number[]> {
  const samples: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const started = performance.now();
    const res = await client.request('ping');
    samples.push(performance.now() - started);
    assert.equal(res.ok, true, JSON.stringify(res.error));
    await sleep(20);
  }
  return samples;
}

describe('abuse before login does not stall logged-in clients', () => {
  const server = new ServerProcess({ dataDir: true });
  /** The healthy client's round trips, before and during the abuse. */
  let quiet: Summary;
  let loaded: Summary;
  before(() => server.start());
  after(() => server.stop());

  it('answers every abusive frame, each for about what a ping costs', async () => {
    const healthy = (await loggedIn(server.wsUrl, 'healthy')).client;
    quiet = summarize(await roundTrips(healthy, 1500));

    const bomb = deflateBomb();
    assert.ok(bomb.length <= 4096, `the bomb passes the wire schema (${bomb.length} characters)`);
    const oversized = 'A'.repeat(60_000);
    const forged = userSigFor('mallory', { secret: 'another-secret-of-at-least-32-characters' });
    const bombers = await Promise.all([...Array(4)].map(() => RawClient.connect(server.wsUrl)));
    const forgers = await Promise.all([...Array(4)].map(() => RawClient.connect(server.wsUrl)));
    const oversizers = await Promise.all([...Array(2)].map(() => RawClient.connect(server.wsUrl)));
    const idlers = await Promise.all([...Array(20)].map(() => RawClient.connect(server.wsUrl, { keepAliveMs: 200 })));
    // A logged-in client looking up the largest batch allowed as fast as it may (point 8: SQLite lookups blocked the loop).
    const lookup = (await loggedIn(server.wsUrl, 'lookup')).client;
    const batch = [...Array(100).keys()].map((i) => `someone-${i}`);
    const everyone = [...bombers, ...forgers, ...oversizers, ...idlers, healthy, lookup];
    const answered = () => everyone.reduce((n, c) => n + c.responses.length, 0);

    const answeredBefore = answered();
    const cpuBefore = cpuSeconds(server.pid!);
    const stops = [
      ...bombers.map((c) => flood(c, 'login', loginParams('mallory', { userSig: bomb }))),
      ...forgers.map((c) => flood(c, 'login', loginParams('mallory', { userSig: forged }))),
      ...oversizers.map((c) => flood(c, 'login', loginParams('mallory', { userSig: oversized }))),
      flood(lookup, 'identity.toTinyIds', { identifiers: batch }),
    ];
    try {
      loaded = summarize(await roundTrips(healthy, ABUSE_MS));
    } finally {
      for (const stop of stops) stop();
    }
    const cpuMsPerFrame = ((cpuSeconds(server.pid!) - cpuBefore) * 1000) / (answered() - answeredBefore);
    const refusals = [...bombers, ...forgers, ...oversizers].reduce((n, c) => n + c.responses.length, 0);
    console.log(
      `round trip ms quiet p50 ${quiet.p50.toFixed(2)} p99 ${quiet.p99.toFixed(2)} (${quiet.count}); ` +
        `under abuse p50 ${loaded.p50.toFixed(2)} p99 ${loaded.p99.toFixed(2)} max ${loaded.max.toFixed(2)} (${loaded.count}); ` +
        `${refusals} refused logins and ${lookup.responses.length} lookups of 100 answered; ` +
        `server CPU ${cpuMsPerFrame.toFixed(2)} ms per frame answered`,
    );

    const bombed = bombers[0]!.responses;
    assert.ok(bombed.length > FLOOD_PER_SECOND, `the bombs were answered (${bombed.length})`);
    assert.deepEqual([bombed[0]!.error.code, bombed[0]!.error.detail.code], [10003, 'USERSIG_TOO_LARGE']);
    const forgedAnswer = forgers[0]!.responses[0]!;
    assert.deepEqual([forgedAnswer.error.code, forgedAnswer.error.detail.code], [10003, 'USERSIG_BAD_SIGNATURE']);
    const oversizedAnswer = oversizers[0]!.responses[0]!;
    assert.deepEqual([oversizedAnswer.error.code, oversizedAnswer.error.detail.code], [10002, 'BAD_PARAMS']);
    assert.ok(lookup.responses.every((r) => r.ok) && lookup.responses.length > FLOOD_PER_SECOND, 'the lookups were answered');
    // CPU time, unlike a round trip, hardly depends on what else the machine runs: a bomb cost 39 ms before the caps.
    assert.ok(cpuMsPerFrame < MAX_CPU_MS_PER_FRAME, `${cpuMsPerFrame.toFixed(2)} ms of server CPU per frame`);

    // Every refused login was answered, but only the first of each connection was logged in full.
    const failures = server.logsWith((l) => l.msg === 'request failed' && l.identifier === 'mallory');
    assert.ok(
      failures.length <= bombers.length + forgers.length + oversizers.length,
      `${failures.length} 'request failed' lines for ${refusals} refusals`,
    );
    for (const c of everyone) c.terminate();
  });

  it(`keeps a healthy client's round trip p99 under ${P99_LIMIT_MS} ms meanwhile`, (t) => {
    // Other processes on this 2-core machine stall every process for longer than the limit when they
    // queue for the CPU (a load above the cores plus the one this test and its server make), or when
    // they already did so without any abuse: then the round trips say nothing about the server, and
    // the CPU check above has to do.
    const load = loadavg()[0]!;
    if (load > availableParallelism() + 1 || quiet.p99 >= P99_LIMIT_MS / 2) {
      t.skip(
        `the machine is too busy to judge: load ${load.toFixed(2)} on ${availableParallelism()} cores, ` +
          `quiet p99 ${quiet.p99.toFixed(2)} ms, under abuse ${loaded.p99.toFixed(2)} ms`,
      );
      return;
    }
    assert.ok(loaded.p99 < P99_LIMIT_MS, `p99 ${loaded.p99.toFixed(2)} ms under abuse (quiet ${quiet.p99.toFixed(2)} ms, load ${load.toFixed(2)})`);
  });
});

describe('a socket that does not log in is closed after loginTimeoutMs', () => {
  const server = new ServerProcess({ config: { loginTimeoutMs: 1000 } });
  before(() => server.start());
  after(() => server.stop());

  it('closes idle and ping-only sockets with 4003, not logged-in ones, and re-arms after a logout', async () => {
    const opened = Date.now();
    const idle = await RawClient.connect(server.wsUrl);
    const pinging = await RawClient.connect(server.wsUrl, { keepAliveMs: 100 });
    const member = (await loggedIn(server.wsUrl, 'member', {}, { keepAliveMs: 100 })).client;
    const leaving = (await loggedIn(server.wsUrl, 'leaving', {}, { keepAliveMs: 100 })).client;
    assert.equal((await leaving.request('logout')).ok, true);
    for (const client of [idle, pinging, leaving]) {
      const { code, reason } = await client.closed;
      assert.equal(code, 4003);
      assert.match(reason, /no login within 1000 ms/);
    }
    assert.ok(Date.now() - opened >= 900, 'not before the deadline');
    assert.ok(pinging.responses.filter((r) => r.ok).length > 3, 'its pings were answered until then');
    await sleep(500);
    assert.equal(member.isOpen, true, 'a logged-in socket stays');
    assert.equal((await member.request('ping')).ok, true);
    member.terminate();
    await waitUntil('the connections gone', async () => (await (await fetch(`${server.httpUrl}/healthz`)).json()) as { status: string }, 5000);
  });
});
