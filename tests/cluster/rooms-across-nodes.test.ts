// Rooms across nodes with real `hudong serve --redis` processes on a real redis-server: members
// connected to different nodes meet in one room (snapshot, ENTER/EXIT, memberCount, room messages, `to`
// messages acked across nodes), the admission checks hold cluster-wide with the single node's codes and
// texts, a large room announces the same members on every node, a SIGKILLed node's members EXIT, and a
// join costs one script and one channel message per node.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loggedIn, type RawClient } from '../helpers/raw-client.js';
import { RedisProcess } from '../helpers/redis.js';
import { ServerProcess } from '../helpers/server.js';

const HEARTBEAT_MS = 250;
const ENTER = 1;
const EXIT = 2;

describe('rooms across nodes: hudong serve --redis', () => {
  const redis = new RedisProcess();
  const servers: ServerProcess[] = [];
  const clients: RawClient[] = [];
  let n1: ServerProcess;
  let n2: ServerProcess;
  let n3: ServerProcess;

  const login = async (server: ServerProcess, identifier: string) => {
    const { client } = await loggedIn(server.wsUrl, identifier, {}, { keepAliveMs: 2000, autoAck: true });
    clients.push(client);
    return client;
  };
  const enter = (client: RawClient, roomId: number, extra: Record<string, unknown> = {}) =>
    client.request('room.enter', { roomId, roomType: 'multi', authBits: 0xff, createRoom: true, ...extra });
  const entered = async (client: RawClient, roomId: number, extra: Record<string, unknown> = {}) => {
    const res = await enter(client, roomId, extra);
    if (!res.ok) throw new Error(`room.enter failed: ${JSON.stringify(res.error)}`);
    return res.result;
  };
  const endpoints = async (client: RawClient, event: number) => {
    const frame = await client.waitFor((f) => f.type === 'event' && f.event === 'room.endpoints' && (f.data as { event: number }).event === event);
    return (frame as { data: { members: { identifier: string }[] } }).data.members.map((m) => m.identifier);
  };
  const refusal = (res: Awaited<ReturnType<typeof enter>>) => (res.ok ? 'ok' : [res.error.code, res.error.detail.code, res.error.detail.message]);

  before(async () => {
    await redis.start();
    const node = (nodeId: string) => {
      const server = new ServerProcess({
        redisUrl: redis.url,
        nodeId,
        config: { clusterHeartbeatMs: HEARTBEAT_MS, largeRoomThreshold: 3, maxMembersPerRoom: 6, messageAckTimeoutMs: 2000 },
      });
      servers.push(server);
      return server.start();
    };
    [n1, n2, n3] = await Promise.all([node('n1'), node('n2'), node('n3')]);
  });
  after(async () => {
    for (const client of clients) client.terminate();
    await Promise.all(servers.map((s) => s.stop()));
    await redis.stop();
  });

  it('A on node 1 and B on node 2 meet in one room: snapshot, ENTER, memberCount, messages both ways, `to` acked, privilege, EXIT', async () => {
    const a = await login(n1, 'a');
    const b = await login(n2, 'b');
    const snapA = await entered(a, 1);
    assert.deepEqual([snapA.members, snapA.memberCount], [[], 1]);
    const snapB = await entered(b, 1, { createRoom: false });
    assert.deepEqual(
      snapB.members.map((m) => [m.identifier, m.tinyId.length > 0]),
      [['a', true]],
    );
    assert.equal(snapB.memberCount, 2);
    assert.deepEqual(await endpoints(a, ENTER), ['b']);
    assert.equal((await a.event('room.memberCount')).data.count, 2);

    await a.call('room.message', { data: 'hello from n1' });
    const atB = await b.event('room.message');
    assert.deepEqual([atB.data.from, atB.data.data], ['a', 'hello from n1']);
    await b.call('room.message', { data: 'hello from n2' });
    assert.equal((await a.event('room.message')).data.data, 'hello from n2');
    assert.equal(a.events.filter((e) => e.event === 'room.message' && e.data.from === 'a').length, 0, 'the sender does not get its own');

    // To one member on another node: delivered, acked there (autoAck), answered here.
    await a.call('room.message', { data: 'just for b', to: 'b' });
    const direct = await b.waitFor((f) => f.type === 'event' && f.event === 'room.message' && (f.data as { data: string }).data === 'just for b');
    assert.equal((direct.data as { to?: string }).to, 'b');
    const nobody = await a.request('room.message', { data: 'x', to: 'nobody' });
    assert.deepEqual(refusal(nobody as never), [10010, 'MEMBER_NOT_FOUND', '"nobody" is not in room 1']);

    // changeAuthority: room.privilege goes to B only (as on one node); the room learns B's bits (a later snapshot shows them).
    await b.call('room.changeAuthority', { authBits: 0x0f });
    assert.equal((await b.event('room.privilege')).data.authBits, 0x0f);
    const c = await login(n1, 'c');
    let snapC = await entered(c, 1);
    for (let i = 0; snapC.members.find((m) => m.identifier === 'b')?.authBits !== 0x0f && i < 20; i++) {
      // The update reaches node 1 through Redis: a snapshot taken before it arrived may show the old bits.
      await c.call('room.exit', {});
      snapC = await entered(c, 1);
    }
    assert.equal(snapC.members.find((m) => m.identifier === 'b')?.authBits, 0x0f);
    assert.equal(a.events.filter((e) => e.event === 'room.privilege').length, 0, 'A is not told of B’s bits');
    await c.call('room.exit', {});
    assert.deepEqual(await endpoints(a, EXIT), ['c'], 'a member of node 1 leaving: EXIT on node 1');

    await b.call('room.exit', {});
    assert.deepEqual(await endpoints(a, EXIT), ['b']);
  });

  it('pair rooms, createRoom:false, type mismatch and room capacity hold across nodes with the single node codes and texts', async () => {
    const [p1, p2, p3] = [await login(n1, 'p1'), await login(n2, 'p2'), await login(n3, 'p3')];
    await entered(p1, 20, { roomType: 'pair' });
    await entered(p2, 20, { roomType: 'pair', createRoom: false });
    assert.deepEqual(refusal(await enter(p3, 20, { roomType: 'pair' })), [10005, 'PAIR_ROOM_FULL', 'pair room 20 already has 2 members']);
    assert.deepEqual(refusal(await enter(p3, 20)), [10002, 'ROOM_TYPE_MISMATCH', 'room 20 is a pair room, not multi']);
    assert.deepEqual(refusal(await enter(p3, 21, { createRoom: false })), [
      10009,
      'ROOM_NOT_FOUND',
      'room 21 does not exist and createRoom is false',
    ]);
    assert.deepEqual(refusal(await enter(p3, 21, { authBits: 0xfe })), [
      10003,
      'AUTH_CREATE_ROOM_MISSING',
      'room 21 does not exist and the auth bits lack CREATE_ROOM (0x01)',
    ]);
    await p1.call('room.exit', {});
    await p2.call('room.exit', {});

    // maxMembersPerRoom = 6, two members per node, the seventh on node 1 again.
    const q: RawClient[] = [];
    for (const [i, server] of [n1, n2, n3, n1, n2, n3, n1].entries()) q.push(await login(server, `q${i}`));
    for (const client of q.slice(0, 6)) await entered(client, 30);
    assert.deepEqual(refusal(await enter(q[6]!, 30)), [10005, 'ROOM_FULL', 'room 30 is full (6 members)']);
    assert.deepEqual(refusal(await enter(q[6]!, 30, { authBits: 0xfd })), [10003, 'AUTH_JOIN_ROOM_MISSING', 'the auth bits lack JOIN_ROOM (0x02)']);
    await q[1]!.call('room.exit', {});
    assert.equal((await entered(q[6]!, 30)).memberCount, 6, 'a place freed on node 2 is taken on node 1');
    for (const client of q) if (client !== q[1]) await client.call('room.exit', {});
  });

  it('a large room (threshold 3) announces the same members on every node; a node joining late gets the same snapshot', async () => {
    const roomId = 40;
    // Three members, one per node: small, so each is announced for good (sticky).
    const early = [await login(n1, 'l1'), await login(n2, 'l2'), await login(n3, 'l3')];
    await entered(early[0]!, roomId);
    await entered(early[1]!, roomId);
    await entered(early[2]!, roomId);
    // The fourth (node 2) makes it large: not announced anywhere.
    const l4 = await login(n2, 'l4');
    const snap4 = await entered(l4, roomId);
    assert.deepEqual(snap4.members.map((m) => m.identifier).sort(), ['l1', 'l2', 'l3']);
    assert.equal(snap4.memberCount, 4);
    // Two late snapshots, one on a node that had the room (node 1), one on a node that had it only
    // through l3 (node 3) after l3 left, so that node 3 builds its replica again from Redis.
    await early[2]!.call('room.exit', {});
    const l5 = await login(n1, 'l5');
    const l6 = await login(n3, 'l6');
    const [snap5, snap6] = [await entered(l5, roomId), await entered(l6, roomId)];
    // l3 left: 3 remain, small again, so l4 is announced for good too; l5 (4) and l6 (5) are not.
    // Node 1 got there by its replica's own Roster, node 3 from Redis' lastSmallSeq: the same.
    const names = (snap: typeof snap5) => snap.members.map((m) => m.identifier).sort();
    assert.deepEqual(names(snap5), ['l1', 'l2', 'l4']);
    assert.deepEqual(names(snap6), ['l1', 'l2', 'l4']);
    assert.equal(snap6.memberCount, 5, 'l1 l2 l4 l5 l6');
    assert.equal(snap5.memberCount, 4, 'l6 came after');
    // memberCount agrees on every node once the counts went out.
    for (const client of [early[0]!, early[1]!, l4]) {
      const frame = await client.waitFor((f) => f.type === 'event' && f.event === 'room.memberCount' && (f.data as { count: number }).count === 5);
      assert.ok(frame);
    }
    // l5 publishes nothing, so it is announced nowhere: l1 (node 1) and l4 (node 2) were never told of it.
    for (const client of [early[0]!, l4])
      assert.equal(client.events.filter((e) => e.event === 'room.endpoints' && e.data.members.some((m) => m.identifier === 'l5')).length, 0);
    // l5 leaves (4 left: l1 l2 l4 l6, large); l6 stays unannounced. A new member on node 2 sees the same.
    await l5.call('room.exit', {});
    const l7 = await login(n2, 'l7');
    const snap7 = await entered(l7, roomId);
    assert.deepEqual(names(snap7), ['l1', 'l2', 'l4']);
    assert.equal(snap7.memberCount, 5);
    await l6.call('room.exit', {});
    for (const client of [early[0]!, early[1]!]) await client.call('room.exit', {});
    for (const client of [l4, l7]) await client.call('room.exit', {});
  });

  it("a large room's audience message cap holds for the whole room: each node takes its share (its members over the room's)", async () => {
    const roomId = 41;
    const host = await login(n1, 'cap-host');
    await entered(host, roomId);
    // The audience (no CREATE_ROOM bit, publishing nothing): two on node 1, three on node 2. Six members
    // in all, above the threshold of 3; node 1 holds 3 of 6, node 2 3 of 6: each takes half of 10 a second.
    const audience = { authBits: 0x2a, createRoom: false };
    const [a1, a2] = [await login(n1, 'cap-a1'), await login(n1, 'cap-a2')];
    const [b1, b2, b3] = [await login(n2, 'cap-b1'), await login(n2, 'cap-b2'), await login(n2, 'cap-b3')];
    for (const member of [a1, a2, b1, b2, b3]) await entered(member, roomId, audience);
    // Both replicas have all six once the count of 6 reached a member of each node.
    for (const member of [a1, b1]) {
      await member.waitFor((f) => f.type === 'event' && f.event === 'room.memberCount' && (f.data as { count: number }).count === 6);
    }
    const burst = (member: RawClient) => Promise.all(Array.from({ length: 10 }, (_, i) => member.request('room.message', { data: `m${i}` })));
    const [fromNode1, fromNode2] = await Promise.all([burst(a1), burst(b1)]);
    for (const [answers, node] of [
      [fromNode1, 'node 1'],
      [fromNode2, 'node 2'],
    ] as const) {
      const accepted = answers.filter((a) => a.ok).length;
      assert.ok(accepted >= 5 && accepted <= 6, `${node} took its share of 10 a second (a burst of 5): ${accepted} accepted`);
      const refused = answers.find((a) => !a.ok);
      assert.ok(refused && !refused.ok);
      assert.equal(refused.error.detail.code, 'ROOM_MESSAGE_RATE');
      assert.match(refused.error.detail.message, /10 messages a second \(this node's share: 5\.00\)/);
    }
    for (const member of [host, a1, a2, b1, b2, b3]) await member.call('room.exit', {});
  });

  it('a join costs one enter script and one channel message, which reaches each node of the room once', async () => {
    const roomId = 60;
    const others = [await login(n1, 'k1'), await login(n3, 'k3')];
    for (const client of others) await entered(client, roomId);
    const joiner = await login(n2, 'k2');
    const before = await stats();
    await entered(joiner, roomId);
    for (const other of others) {
      await other.waitFor((f) => f.type === 'event' && f.event === 'room.endpoints' && f.data.members.some((m) => m.identifier === 'k2'));
    }
    const afterJoin = await stats();
    // Heartbeats are scripts too, so the join's script is counted by the room's seq: one change.
    assert.equal(afterJoin.seq - before.seq, 1, 'one script call (one change) for the join');
    // Redis counts the PUBLISH made inside the script: that one, and no other.
    assert.equal(afterJoin.publish - before.publish, 1, 'one channel message');
    assert.equal(
      await redis.cli('PUBSUB', 'NUMSUB', `hudong:1400000001:room:${roomId}`),
      `hudong:1400000001:room:${roomId}\n3`,
      'one subscriber per node',
    );
    for (const other of others) {
      const enters = other.events.filter((e) => e.event === 'room.endpoints' && e.data.members.some((m) => m.identifier === 'k2'));
      assert.equal(enters.length, 1, 'ENTER once on each node');
    }
    for (const client of [...others, joiner]) await client.call('room.exit', {});
  });

  it('a node killed with SIGKILL: the members of the others see its members EXIT within 3 heartbeats + a few s', async () => {
    const roomId = 50;
    const x1 = await login(n1, 'x1');
    const x2 = await login(n2, 'x2');
    const x3 = await login(n3, 'x3');
    await entered(x1, roomId);
    await entered(x2, roomId);
    await entered(x3, roomId);
    assert.deepEqual((await endpoints(x1, ENTER)).concat(await endpoints(x1, ENTER)).sort(), ['x2', 'x3']);
    await n2.kill();
    const killedAt = Date.now();
    const exits = await Promise.all([endpoints(x1, EXIT), endpoints(x3, EXIT)]);
    assert.deepEqual(exits, [['x2'], ['x2']]);
    const elapsed = Date.now() - killedAt;
    assert.ok(elapsed < 3 * HEARTBEAT_MS + 3000, `EXIT ${elapsed} ms after the kill`);
    const cleanedUp = (l: { msg: string; lostNodeId?: unknown }) =>
      l.msg === "took a lost node's members out of their rooms" && l.lostNodeId === 'n2';
    await Promise.race([n1.waitForLog(cleanedUp), n3.waitForLog(cleanedUp)]);
    const lines = [n1, n3].flatMap((s) => s.logsWith(cleanedUp));
    assert.equal(lines.length, 1, 'one survivor took them out');
    assert.equal(await redis.cli('HGET', `hudong:1400000001:room:${roomId}`, 'count'), '2');
  });

  /** Room 60's seq (its changes so far) and the PUBLISH calls so far (INFO commandstats, scripts' own included). */
  async function stats(): Promise<{ seq: number; publish: number }> {
    const text = await redis.cli('INFO', 'commandstats');
    const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(text)?.[1] ?? 0);
    return { seq: Number(await redis.cli('HGET', 'hudong:1400000001:room:60', 'seq')), publish: calls('publish') };
  }
});
