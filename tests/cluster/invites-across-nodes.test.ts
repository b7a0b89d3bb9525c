// Invites across nodes with real `hudong serve --redis` processes on a real redis-server: inviter on
// node 1, invitee on node 2. Every scenario runs twice, once on a single node (no Redis) and once across
// the two nodes, and must give the same responses and events (codes, sub-codes, texts; invite ids
// aside): accepted (then both meet in the room), refused, expired, offline, pending both ways, not
// yours / not found, inviter gone, invitee's session replaced by a login on the inviter's node.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loggedIn, type RawClient, type ResponseFrame } from '../helpers/raw-client.js';
import { RedisProcess } from '../helpers/redis.js';
import { ServerProcess } from '../helpers/server.js';

const ENTER = 1;

/** Where a scenario's clients log in: the inviter, the invitee, and the invitee's second login. */
interface Nodes {
  inviter: ServerProcess;
  invitee: ServerProcess;
  relogin: ServerProcess;
}

describe('invites across nodes: hudong serve --redis', () => {
  const redis = new RedisProcess();
  const servers: ServerProcess[] = [];
  const clients: RawClient[] = [];
  let single: Nodes;
  let across: Nodes;

  const login = async (server: ServerProcess, identifier: string) => {
    const { client } = await loggedIn(server.wsUrl, identifier, {}, { keepAliveMs: 2000 });
    clients.push(client);
    return client;
  };
  /** Only a member of a room may invite into it: logs in and enters `roomId`. */
  const inviterIn = async (server: ServerProcess, identifier: string, roomId: number) => {
    const client = await login(server, identifier);
    await client.call('room.enter', { roomId, roomType: 'multi', authBits: 0xff, createRoom: true });
    return client;
  };
  /** A response as comparable data: ok and result, or code, sub-code and text; invite ids replaced by `<id>`. */
  const outcome = (res: ResponseFrame, ids: string[]) => {
    const text = JSON.stringify(res.ok ? { ok: true, result: res.result } : { ok: false, error: res.error });
    return JSON.parse(ids.reduce((t, id) => t.replaceAll(id, '<id>'), text)) as unknown;
  };
  const received = async (client: RawClient) => (await client.event('invite.received')).data;
  const cancelled = async (client: RawClient, ids: string[]) => {
    const { data } = await client.event('invite.cancelled');
    return JSON.parse(JSON.stringify(data).replaceAll(data.inviteId, ids.includes(data.inviteId) ? '<id>' : '<other>')) as unknown;
  };
  /** Runs `scenario` on the single node and across nodes, asserts both gave the same, and returns it. */
  const same = async (scenario: (nodes: Nodes, tag: string) => Promise<unknown>, tag: string) => {
    const onOne = await scenario(single, tag);
    const onTwo = await scenario(across, tag);
    assert.deepEqual(onTwo, onOne, 'across nodes as on one node');
    return onTwo;
  };

  before(async () => {
    await redis.start();
    const node = (nodeId: string) => {
      const server = new ServerProcess({ redisUrl: redis.url, nodeId, config: { clusterHeartbeatMs: 250 } });
      servers.push(server);
      return server.start();
    };
    const alone = new ServerProcess({});
    servers.push(alone);
    const [n1, n2] = await Promise.all([node('n1'), node('n2'), alone.start()]);
    single = { inviter: alone, invitee: alone, relogin: alone };
    across = { inviter: n1, invitee: n2, relogin: n1 };
  });
  after(async () => {
    for (const client of clients) client.terminate();
    await Promise.all(servers.map((s) => s.stop()));
    await redis.stop();
  });

  it('accepted: the send resolves accepted, a late refuse gets INVITE_ANSWERED, and both meet in the room', async () => {
    const result = await same(async ({ inviter, invitee }, tag) => {
      const a = await inviterIn(inviter, `${tag}-a`, 4100);
      const b = await login(invitee, `${tag}-b`);
      const sent = a.request('invite.send', { to: `${tag}-b`, roomId: 4100 });
      const inv = await received(b);
      assert.ok(inv.expiresAt > Date.now() + 20_000 && inv.expiresAt <= Date.now() + 30_000, `expiresAt ${inv.expiresAt}`);
      const ids = [inv.inviteId];
      const accepted = outcome(await b.request('invite.accept', { inviteId: inv.inviteId }), ids);
      const answer = outcome(await sent, ids);
      const lateRefuse = outcome(await b.request('invite.refuse', { inviteId: inv.inviteId }), ids);
      const snapshot = await b.call('room.enter', { roomId: inv.roomId, roomType: 'multi', authBits: 0xff, createRoom: false });
      const joined = await a.waitFor((f) => f.type === 'event' && f.event === 'room.endpoints' && (f.data as { event: number }).event === ENTER);
      const seen = [
        snapshot.members.map((m) => m.identifier),
        (joined as { data: { members: { identifier: string }[] } }).data.members.map((m) => m.identifier),
      ];
      return {
        from: inv.from,
        roomId: inv.roomId,
        accepted,
        answer,
        lateRefuse,
        seen: JSON.parse(JSON.stringify(seen).replaceAll(tag, '<tag>')) as unknown,
      };
    }, 'acc');
    assert.deepEqual(result, {
      from: 'acc-a',
      roomId: 4100,
      accepted: { ok: true, result: { from: 'acc-a', roomId: 4100 } },
      answer: { ok: true, result: { inviteId: '<id>', accepted: true } },
      lateRefuse: { ok: false, error: { code: 10008, detail: { code: 'INVITE_ANSWERED', message: 'invite <id> was already accepted' } } },
      seen: [['<tag>-a'], ['<tag>-b']],
    });
  });

  it('refused: accepted false; not yours and unknown ids refused as on one node', async () => {
    const result = await same(async ({ inviter, invitee }, tag) => {
      const a = await inviterIn(inviter, `${tag}-a`, 4200);
      const b = await login(invitee, `${tag}-b`);
      const c = await login(invitee, `${tag}-c`);
      const sent = a.request('invite.send', { to: `${tag}-b`, roomId: 4200 });
      const { inviteId } = await received(b);
      const ids = [inviteId];
      const notYours = outcome(await c.request('invite.accept', { inviteId }), ids);
      const unknown = outcome(await b.request('invite.accept', { inviteId: 'no-such-invite' }), ids);
      const refused = outcome(await b.request('invite.refuse', { inviteId }), ids);
      return {
        notYours,
        unknown,
        refused,
        answer: outcome(await sent, ids),
        lateAccept: outcome(await b.request('invite.accept', { inviteId }), ids),
      };
    }, 'ref');
    assert.deepEqual(result, {
      notYours: { ok: false, error: { code: 10003, detail: { code: 'INVITE_NOT_YOURS', message: 'invite <id> is addressed to someone else' } } },
      unknown: { ok: false, error: { code: 10010, detail: { code: 'INVITE_NOT_FOUND', message: 'no invite no-such-invite' } } },
      refused: { ok: true, result: {} },
      answer: { ok: true, result: { inviteId: '<id>', accepted: false } },
      lateAccept: { ok: false, error: { code: 10008, detail: { code: 'INVITE_ANSWERED', message: 'invite <id> was already refused' } } },
    });
  });

  it('expired: the inviter gets INVITE_EXPIRED, the invitee invite.cancelled, a late accept INVITE_EXPIRED', async () => {
    const result = await same(async ({ inviter, invitee }, tag) => {
      const a = await inviterIn(inviter, `${tag}-a`, 4300);
      const b = await login(invitee, `${tag}-b`);
      const sent = a.request('invite.send', { to: `${tag}-b`, roomId: 4300, timeoutMs: 1000 });
      const { inviteId } = await received(b);
      const ids = [inviteId];
      const answer = outcome(await sent, ids);
      return { answer, event: await cancelled(b, ids), lateAccept: outcome(await b.request('invite.accept', { inviteId }), ids) };
    }, 'exp');
    const expired = { code: 10004, detail: { code: 'INVITE_EXPIRED', message: '"exp-b" did not answer invite <id> within 1000 ms' } };
    assert.deepEqual(result, {
      answer: { ok: false, error: expired },
      event: { inviteId: '<id>', error: expired },
      lateAccept: { ok: false, error: { code: 10004, detail: { code: 'INVITE_EXPIRED', message: 'invite <id> expired' } } },
    });
  });

  it('an invitee logged in nowhere: INVITEE_OFFLINE; oneself: INVITE_SELF', async () => {
    const result = await same(async ({ inviter }, tag) => {
      const a = await inviterIn(inviter, `${tag}-a`, 4400);
      return {
        offline: outcome(await a.request('invite.send', { to: `${tag}-nobody`, roomId: 4400 }), []),
        self: outcome(await a.request('invite.send', { to: `${tag}-a`, roomId: 4400 }), []),
      };
    }, 'off');
    assert.deepEqual(result, {
      offline: { ok: false, error: { code: 10010, detail: { code: 'INVITEE_OFFLINE', message: '"off-nobody" is not logged in' } } },
      self: { ok: false, error: { code: 10002, detail: { code: 'INVITE_SELF', message: 'cannot invite oneself' } } },
    });
  });

  it('one pending invite between two identifiers, either way: INVITE_PENDING', async () => {
    const result = await same(async ({ inviter, invitee }, tag) => {
      const a = await inviterIn(inviter, `${tag}-a`, 4500);
      const b = await inviterIn(invitee, `${tag}-b`, 4500);
      const sent = a.request('invite.send', { to: `${tag}-b`, roomId: 4500 });
      const { inviteId } = await received(b);
      const ids = [inviteId];
      const again = outcome(await a.request('invite.send', { to: `${tag}-b`, roomId: 4500 }), ids);
      const back = outcome(await b.request('invite.send', { to: `${tag}-a`, roomId: 4500 }), ids);
      await b.call('invite.refuse', { inviteId });
      await sent;
      // Once answered, either may invite the other again.
      const next = b.request('invite.send', { to: `${tag}-a`, roomId: 4500 });
      const { inviteId: nextId } = await received(a);
      await a.call('invite.accept', { inviteId: nextId });
      return { again, back, next: outcome(await next, [nextId]) };
    }, 'pen');
    const pending = { code: 10008, detail: { code: 'INVITE_PENDING', message: 'invite <id> between "pen-a" and "pen-b" is still pending' } };
    assert.deepEqual(result, {
      again: { ok: false, error: pending },
      back: { ok: false, error: pending },
      next: { ok: true, result: { inviteId: '<id>', accepted: true } },
    });
  });

  it('the inviter disconnects while pending: the invitee gets invite.cancelled INVITER_GONE, and so does a late accept', async () => {
    const result = await same(async ({ inviter, invitee }, tag) => {
      const a = await inviterIn(inviter, `${tag}-a`, 4600);
      const b = await login(invitee, `${tag}-b`);
      a.sendRequest('invite.send', { to: `${tag}-b`, roomId: 4600 });
      const { inviteId } = await received(b);
      const ids = [inviteId];
      a.terminate();
      return { event: await cancelled(b, ids), lateAccept: outcome(await b.request('invite.accept', { inviteId }), ids) };
    }, 'gone');
    const gone = { code: 10010, detail: { code: 'INVITER_GONE', message: '"gone-a" went away; invite <id> was withdrawn' } };
    assert.deepEqual(result, { event: { inviteId: '<id>', error: gone }, lateAccept: { ok: false, error: gone } });
  });

  it("the invitee's session is replaced by a login on the inviter's node: the inviter gets INVITEE_OFFLINE", async () => {
    const result = await same(async ({ inviter, invitee, relogin }, tag) => {
      const a = await inviterIn(inviter, `${tag}-a`, 4700);
      const b = await login(invitee, `${tag}-b`);
      const sent = a.request('invite.send', { to: `${tag}-b`, roomId: 4700 });
      const { inviteId } = await received(b);
      const ids = [inviteId];
      await login(relogin, `${tag}-b`);
      return { answer: outcome(await sent, ids), replaced: (await b.event('session.replaced')).data.error.detail.code };
    }, 'rep');
    assert.deepEqual(result, {
      answer: {
        ok: false,
        error: { code: 10010, detail: { code: 'INVITEE_OFFLINE', message: '"rep-b" went offline before answering invite <id>' } },
      },
      replaced: 'SESSION_REPLACED',
    });
  });

  it("a node lost: its invitees are offline for the other node's inviters, its inviters gone for the other node's invitees", async () => {
    const { inviter: n1, invitee: n2 } = across;
    const lostWithin = 3 * 250 + 3000;
    const a = await inviterIn(n1, 'lost-a', 4800);
    const b = await login(n2, 'lost-b');
    const sent = a.sendRequest('invite.send', { to: 'lost-b', roomId: 4800 });
    await received(b);
    await n2.kill();
    const offline = await a.response(sent, lostWithin);
    assert.equal(offline.ok ? 'ok' : offline.error.detail.code, 'INVITEE_OFFLINE');
    assert.match(offline.ok ? '' : offline.error.detail.message, /^"lost-b" went offline before answering invite /);

    await n2.start();
    const c = await inviterIn(n1, 'lost-c', 4801);
    const d = await login(n2, 'lost-d');
    c.sendRequest('invite.send', { to: 'lost-d', roomId: 4801 });
    const { inviteId } = await received(d);
    await n1.kill();
    const gone = { code: 10010, detail: { code: 'INVITER_GONE', message: `"lost-c" went away; invite ${inviteId} was withdrawn` } };
    const { data } = await d.event('invite.cancelled', lostWithin);
    assert.deepEqual(data, { inviteId, error: gone });
    const late = await d.request('invite.accept', { inviteId });
    assert.deepEqual(late.ok ? 'ok' : late.error, gone);
  });
});
