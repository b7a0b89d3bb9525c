import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { ServerEventData, WireError } from '@hudong/protocol';
import { ServerError } from '../errors.js';
import { Session, type SessionTransport } from '../session/Session.js';
import { InviteManager, type RemoteInvitee } from './InviteManager.js';

/** What these tests read of the invite events (invite.received, invite.cancelled). */
interface InviteEventData {
  inviteId: string;
  from?: string;
  roomId?: number;
  expiresAt?: number;
  error?: WireError;
}

class FakeTransport implements SessionTransport {
  closed = false;
  readonly events: { event: string; data: InviteEventData }[] = [];
  send(text: string): void {
    this.events.push(JSON.parse(text));
  }
  close(): void {
    this.closed = true;
  }
}

function session(identifier: string): { session: Session; transport: FakeTransport } {
  const transport = new FakeTransport();
  return { session: new Session({ identifier, tinyId: '1', terminal: 't' }, transport, 1000), transport };
}

async function rejectsWith(promise: Promise<unknown>, subCode: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof ServerError && err.detail.code === subCode);
}

function throwsWith(fn: () => unknown, code: number, subCode: string): void {
  assert.throws(fn, (err: unknown) => err instanceof ServerError && err.code === code && err.detail.code === subCode);
}

describe('InviteManager', () => {
  let invites: InviteManager;
  let alice: ReturnType<typeof session>;
  let bob: ReturnType<typeof session>;

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    invites = new InviteManager({ defaultTimeoutMs: 30_000, maxTimeoutMs: 60_000, maxPendingPerInviter: 3 });
    alice = session('alice');
    bob = session('bob');
  });
  afterEach(() => {
    invites.close();
    mock.timers.reset();
  });

  const received = () => bob.transport.events.filter((e) => e.event === 'invite.received').map((e) => e.data);

  it('delivers invite.received and settles the sender on accept', async () => {
    const answer = invites.send(alice.session, bob.session, 'bob', 1234);
    const [inv] = received();
    assert.equal(inv!.from, 'alice');
    assert.equal(inv!.roomId, 1234);
    assert.equal(inv!.expiresAt, Date.now() + 30_000);
    assert.deepEqual(invites.accept(bob.session, inv!.inviteId), { from: 'alice', roomId: 1234 });
    assert.deepEqual(await answer, { inviteId: inv!.inviteId, accepted: true });
    throwsWith(() => invites.refuse(bob.session, inv!.inviteId), 10008, 'INVITE_ANSWERED');
  });

  it('refuse settles with accepted:false', async () => {
    const answer = invites.send(alice.session, bob.session, 'bob', 1);
    invites.refuse(bob.session, received()[0]!.inviteId);
    assert.equal((await answer).accepted, false);
  });

  it('send checks in order: INVITEE_OFFLINE, INVITE_SELF, INVITE_PENDING (either direction)', () => {
    throwsWith(() => invites.send(alice.session, undefined, 'carol', 1), 10010, 'INVITEE_OFFLINE');
    bob.transport.closed = true;
    throwsWith(() => invites.send(alice.session, bob.session, 'bob', 1), 10010, 'INVITEE_OFFLINE');
    bob.transport.closed = false;
    throwsWith(() => invites.send(alice.session, alice.session, 'alice', 1), 10002, 'INVITE_SELF');
    void invites.send(alice.session, bob.session, 'bob', 1).catch(() => {});
    throwsWith(() => invites.send(alice.session, bob.session, 'bob', 2), 10008, 'INVITE_PENDING');
    throwsWith(() => invites.send(bob.session, alice.session, 'alice', 2), 10008, 'INVITE_PENDING');
  });

  it('answer checks: INVITE_NOT_FOUND, INVITE_NOT_YOURS', () => {
    void invites.send(alice.session, bob.session, 'bob', 1).catch(() => {});
    throwsWith(() => invites.accept(bob.session, 'nope'), 10010, 'INVITE_NOT_FOUND');
    throwsWith(() => invites.accept(alice.session, received()[0]!.inviteId), 10003, 'INVITE_NOT_YOURS');
  });

  it('expires: the sender gets INVITE_EXPIRED, the invitee invite.cancelled, a late answer INVITE_EXPIRED', async () => {
    const answer = invites.send(alice.session, bob.session, 'bob', 1, 5000);
    const { inviteId } = received()[0]!;
    mock.timers.tick(5000);
    await rejectsWith(answer, 'INVITE_EXPIRED');
    const cancelled = bob.transport.events.at(-1)!;
    assert.equal(cancelled.event, 'invite.cancelled');
    assert.equal(cancelled.data.inviteId, inviteId);
    assert.deepEqual([cancelled.data.error?.code, cancelled.data.error?.detail.code], [10004, 'INVITE_EXPIRED']);
    throwsWith(() => invites.accept(bob.session, inviteId), 10004, 'INVITE_EXPIRED');
  });

  it('inviter gone: invite.cancelled INVITER_GONE to the invitee, and for a late answer', async () => {
    const answer = invites.send(alice.session, bob.session, 'bob', 1);
    const { inviteId } = received()[0]!;
    invites.inviterGone(alice.session);
    await rejectsWith(answer, 'INVITER_GONE');
    const cancelled = bob.transport.events.at(-1)!;
    assert.deepEqual([cancelled.event, cancelled.data.error?.code, cancelled.data.error?.detail.code], ['invite.cancelled', 10010, 'INVITER_GONE']);
    throwsWith(() => invites.accept(bob.session, inviteId), 10010, 'INVITER_GONE');
  });

  it('invitee gone: the sender learns INVITEE_OFFLINE at once', async () => {
    const answer = invites.send(alice.session, bob.session, 'bob', 1);
    invites.inviteeGone(bob.session);
    await rejectsWith(answer, 'INVITEE_OFFLINE');
  });

  it('keeps a finished invite as long as it lived, then forgets it', () => {
    void invites.send(alice.session, bob.session, 'bob', 1);
    const { inviteId } = received()[0]!;
    invites.refuse(bob.session, inviteId);
    mock.timers.tick(29_999);
    throwsWith(() => invites.accept(bob.session, inviteId), 10008, 'INVITE_ANSWERED');
    mock.timers.tick(1);
    throwsWith(() => invites.accept(bob.session, inviteId), 10010, 'INVITE_NOT_FOUND');
  });

  it("cuts a request's timeout to maxTimeoutMs: expiresAt, expiry and the record's retention", async () => {
    const answer = invites.send(alice.session, bob.session, 'bob', 1, 300_000);
    const { inviteId, expiresAt } = received()[0]!;
    assert.equal(expiresAt, Date.now() + 60_000);
    mock.timers.tick(60_000);
    await rejectsWith(answer, 'INVITE_EXPIRED');
    mock.timers.tick(60_000);
    throwsWith(() => invites.accept(bob.session, inviteId), 10010, 'INVITE_NOT_FOUND');
  });

  it('caps the pending invites of one inviter (10005 TOO_MANY_INVITES naming the option); an answer frees a place', () => {
    const others = ['c1', 'c2', 'c3', 'c4'].map((id) => session(id));
    for (const o of others.slice(0, 3)) void invites.send(alice.session, o.session, o.session.identifier, 1).catch(() => {});
    throwsWith(() => invites.send(alice.session, others[3]!.session, 'c4', 1), 10005, 'TOO_MANY_INVITES');
    assert.throws(
      () => invites.send(alice.session, others[3]!.session, 'c4', 1),
      (err: unknown) => err instanceof ServerError && /maxPendingInvitesPerInviter 3/.test(err.detail.message),
    );
    void invites.send(bob.session, others[3]!.session, 'c4', 1).catch(() => {}); // another inviter has its own places
    const first = others[0]!.transport.events.find((e) => e.event === 'invite.received')!.data.inviteId;
    invites.refuse(others[0]!.session, first);
    void invites.send(alice.session, others[3]!.session, 'c4', 1).catch(() => {}); // the refused one no longer counts
    assert.equal(others[3]!.transport.events.filter((e) => e.event === 'invite.received').length, 2);
    invites.inviterGone(alice.session);
    assert.deepEqual(
      others.map((o) => o.transport.events.filter((e) => e.event === 'invite.cancelled').length),
      [0, 1, 1, 1],
      "the inviter's departure withdraws exactly its pending invites",
    );
  });

  describe('an invitee on another node (RemoteInvitee)', () => {
    /** A RemoteInvitee recording what the invite manager asks of it; `delivery` settles its deliver(). */
    function remote(identifier: string, delivery: Promise<void> = Promise.resolve()) {
      const calls: { deliver: [ServerEventData<'invite.received'>, number][]; cancelled: [string, string][] } = { deliver: [], cancelled: [] };
      const invitee: RemoteInvitee = {
        identifier,
        nodeId: 'n2',
        deliver: (received, timeoutMs) => {
          calls.deliver.push([received, timeoutMs]);
          return delivery;
        },
        cancelled: (inviteId, error) => calls.cancelled.push([inviteId, error.detail.code]),
      };
      return { invitee, calls };
    }

    it('delivers through it, and takes its answer by identifier', async () => {
      const carol = remote('carol');
      const answer = invites.send(alice.session, carol.invitee, 'carol', 77, 5000);
      const [received, timeoutMs] = carol.calls.deliver[0]!;
      assert.deepEqual(received, { inviteId: received.inviteId, from: 'alice', roomId: 77, expiresAt: Date.now() + 5000 });
      assert.equal(timeoutMs, 5000);
      throwsWith(() => invites.accept({ identifier: 'dave' }, received.inviteId), 10003, 'INVITE_NOT_YOURS');
      assert.deepEqual(invites.accept({ identifier: 'carol' }, received.inviteId), { from: 'alice', roomId: 77 });
      assert.deepEqual(await answer, { inviteId: received.inviteId, accepted: true });
      assert.deepEqual(carol.calls.cancelled, [], 'an answered invite is not cancelled');
    });

    it('a failed delivery fails the send with its error; a late answer gets INVITE_NOT_FOUND', async () => {
      const carol = remote('carol', Promise.reject(new ServerError('INVITEE_OFFLINE', '"carol" is not logged in')));
      const answer = invites.send(alice.session, carol.invitee, 'carol', 1);
      await rejectsWith(answer, 'INVITEE_OFFLINE');
      const { inviteId } = carol.calls.deliver[0]![0];
      throwsWith(() => invites.accept({ identifier: 'carol' }, inviteId), 10010, 'INVITE_NOT_FOUND');
    });

    it('expiry and the inviter leaving are told to it; pending is checked by identifier, either way', async () => {
      const carol = remote('carol');
      const expiring = invites.send(alice.session, carol.invitee, 'carol', 1, 5000);
      throwsWith(() => invites.send(alice.session, remote('carol').invitee, 'carol', 2), 10008, 'INVITE_PENDING');
      const carolHere = session('carol');
      throwsWith(() => invites.send(carolHere.session, alice.session, 'alice', 2), 10008, 'INVITE_PENDING');
      mock.timers.tick(5000);
      await rejectsWith(expiring, 'INVITE_EXPIRED');
      const leaving = invites.send(alice.session, carol.invitee, 'carol', 1);
      invites.inviterGone(alice.session);
      await rejectsWith(leaving, 'INVITER_GONE');
      assert.deepEqual(
        carol.calls.cancelled.map(([, code]) => code),
        ['INVITE_EXPIRED', 'INVITER_GONE'],
      );
    });

    it('inviteeGone(match) withdraws only the matching remote invites: INVITEE_OFFLINE', async () => {
      const carol = remote('carol');
      const toCarol = invites.send(alice.session, carol.invitee, 'carol', 1);
      const toBob = invites.send(alice.session, bob.session, 'bob', 1);
      invites.inviteeGone((_, to) => to.nodeId === 'n3');
      invites.inviteeGone((_, to) => to.nodeId === 'n2');
      await rejectsWith(toCarol, 'INVITEE_OFFLINE');
      invites.refuse(bob.session, received()[0]!.inviteId);
      assert.equal((await toBob).accepted, false, 'a local invitee is not matched');
    });
  });
});
