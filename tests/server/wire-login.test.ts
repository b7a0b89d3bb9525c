// Login over a bare WebSocket: each refusal with its sub-code and log line, sessions replaced,
// resumed within the grace and lost after it, and the heartbeat timeout.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { signUserSig } from '@hudong/protocol/auth';
import { after, before, describe, it } from 'node:test';
import { InProcessServer, TEST_APP_ID, TEST_SECRET } from '../helpers/server.js';
import { loggedIn, loginParams, RawClient } from '../helpers/raw-client.js';

describe('login and sessions over a real socket', () => {
  const srv = new InProcessServer({ config: { sessionGraceMs: 300 } });
  const clients: RawClient[] = [];
  const connect = async () => {
    const c = await RawClient.connect(srv.wsUrl);
    clients.push(c);
    return c;
  };
  const login = async (identifier: string, extra: Record<string, unknown> = {}) => {
    const r = await loggedIn(srv.wsUrl, identifier, extra);
    clients.push(r.client);
    return r;
  };

  before(() => srv.start());
  after(async () => {
    for (const c of clients) c.terminate();
    await srv.stop();
  });

  it('answers each login failure with its code and sub-code, and logs it', async () => {
    const sig = (o: Partial<Parameters<typeof signUserSig>[0]>) =>
      signUserSig({ sdkAppId: TEST_APP_ID, secret: TEST_SECRET, identifier: 'alice', ...o });
    const cases: [Record<string, unknown>, number, string][] = [
      [{ protocolVersion: 2 }, 10011, 'PROTOCOL_VERSION_UNSUPPORTED'],
      [{ sdkAppId: 1400000002 }, 10003, 'USERSIG_WRONG_APP'],
      [{ userSig: 'not-a-sig' }, 10003, 'USERSIG_MALFORMED'],
      [{ userSig: sig({ secret: 'other-key' }) }, 10003, 'USERSIG_BAD_SIGNATURE'],
      [{ userSig: sig({ sdkAppId: 1400000002 }) }, 10003, 'USERSIG_WRONG_APP'],
      [{ userSig: sig({ identifier: 'bob' }) }, 10003, 'USERSIG_WRONG_IDENTIFIER'],
      [{ userSig: sig({ expireSeconds: 10, now: Math.floor(Date.now() / 1000) - 100 }) }, 10003, 'USERSIG_EXPIRED'],
    ];
    // A connection each: only the first failure before login of a connection is logged in full.
    for (const [override, code, subCode] of cases) {
      const c = await connect();
      const res = await c.request('login', loginParams('alice', override));
      assert.equal(res.ok, false);
      assert.deepEqual([res.error.code, res.error.detail.code], [code, subCode], JSON.stringify(override));
      assert.equal(typeof res.error.detail.message, 'string');
    }
    const line = srv.logs.filter((l) => l.msg === 'request failed').at(-1)!;
    assert.equal(line.level, 40);
    assert.deepEqual(
      {
        reqId: line.reqId,
        method: line.method,
        identifier: line.identifier,
        tinyId: line.tinyId,
        roomId: line.roomId,
        code: line.code,
        codeName: line.codeName,
        detailCode: line.detail?.code,
      },
      {
        reqId: 1,
        method: 'login',
        identifier: 'alice',
        tinyId: null,
        roomId: null,
        code: 10003,
        codeName: 'AV_ERR_SERVER_NO_PERMISSION',
        detailCode: 'USERSIG_EXPIRED',
      },
    );
    assert.match(line.detail!.message, /expired/);
  });

  it('ping works before login; anything else is NOT_LOGGED_IN', async () => {
    const c = await connect();
    assert.deepEqual((await c.request('ping')).result, {});
    const res = await c.request('room.exit');
    assert.deepEqual([res.error.code, res.error.detail.code], [10006, 'NOT_LOGGED_IN']);
  });

  it('a second login on the same connection is refused', async () => {
    const { client } = await login('solo');
    const res = await client.request('login', loginParams('solo'));
    assert.deepEqual([res.error.code, res.error.detail.code], [10008, 'ALREADY_LOGGED_IN']);
  });

  it('login returns a stable tinyId, a session token and the heartbeat interval', async () => {
    const first = await login('carol');
    assert.match(first.login.tinyId, /^\d+$/);
    assert.equal(first.login.heartbeatIntervalMs, 5000);
    assert.equal(first.login.node, srv.server.nodeId);
    assert.equal(first.login.resumed, false);
    first.client.terminate();
    const second = await login('carol');
    assert.equal(second.login.tinyId, first.login.tinyId);
    assert.notEqual(second.login.sessionToken, first.login.sessionToken);
  });

  it('replace: the old connection gets session.replaced and 4001, the room EXIT, before the new login answers', async () => {
    const { client: alice } = await login('alice');
    const { client: bob } = await login('bob');
    await alice.request('room.enter', { roomId: 1, roomType: 'multi', authBits: 0xff, createRoom: true });
    await bob.request('room.enter', { roomId: 1, roomType: 'multi', authBits: 0xff, createRoom: true });
    const { client: alice2, login: result } = await login('alice');
    assert.equal(result.resumed, false);
    assert.equal(srv.server.stats().members, 1, 'alice left the room before her new login was answered');
    const replaced = await alice.event('session.replaced');
    assert.deepEqual([replaced.data.error.code, replaced.data.error.detail.code], [10008, 'SESSION_REPLACED']);
    assert.equal((await alice.closed).code, 4001);
    const exit = await bob.event('room.endpoints');
    assert.equal(exit.data.event, 2);
    assert.deepEqual(
      exit.data.members.map((m) => m.identifier),
      ['alice'],
    );
    alice2.terminate();
    bob.terminate();
  });

  it('resume within the grace keeps the room; after it the member is gone and the token is stale', async () => {
    const { client: dave } = await login('dave');
    const { client: erin, login: first } = await login('erin');
    await dave.request('room.enter', { roomId: 2, roomType: 'multi', authBits: 0xff, createRoom: true });
    await erin.request('room.enter', { roomId: 2, roomType: 'multi', authBits: 0xff, createRoom: true });
    assert.equal((await dave.event('room.endpoints')).data.event, 1);

    erin.terminate();
    await sleep(50);
    const back = await login('erin', { resumeToken: first.sessionToken });
    assert.equal(back.login.resumed, true);
    assert.equal(back.login.sessionToken, first.sessionToken);
    assert.equal(back.login.tinyId, first.tinyId);
    assert.equal(back.login.room!.roomId, 2);
    assert.deepEqual(
      back.login.room!.members.map((m) => m.identifier),
      ['dave'],
    );
    await sleep(100);
    assert.equal(dave.frames.filter((f) => f.event === 'room.endpoints').length, 1, 'no EXIT/ENTER for a resume');

    back.client.terminate();
    const exit = await dave.event('room.endpoints', 2000);
    assert.deepEqual([exit.data.event, exit.data.members[0]!.identifier], [2, 'erin'], 'EXIT once the grace ran out');
    const stale = await login('erin', { resumeToken: first.sessionToken });
    assert.deepEqual([stale.login.resumed, stale.login.room], [false, null]);
  });
});

describe('heartbeat', () => {
  const srv = new InProcessServer({ config: { heartbeatIntervalMs: 200 } });
  before(() => srv.start());
  after(() => srv.stop());

  it('closes a connection silent for 3 heartbeat intervals', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const started = Date.now();
    const { code } = await c.closed;
    const silent = Date.now() - started;
    assert.equal(code, 4000);
    assert.ok(silent >= 550 && silent < 1500, `closed after ${silent} ms`);
  });

  it('keeps a connection that pings', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    for (let i = 0; i < 6; i++) {
      await sleep(150);
      await c.request('ping');
    }
    assert.equal(c.isOpen, true);
    c.terminate();
  });
});
