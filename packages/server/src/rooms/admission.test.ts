import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { AuthBits, EndpointEvent, type ParsedParamsOf, type ServerEventData, type ServerEventName } from '@hudong/protocol';
import { signPrivilegeKey } from '@hudong/protocol/auth';
import { ServerError } from '../errors.js';
import { admit, type AdmissionPolicy, type Occupant } from './admission.js';
import { Authority, type AuthorityOptions } from './Authority.js';
import type { Member } from './Member.js';
import { RoomDirectory, type RoomLimits } from './RoomDirectory.js';
import { resolveRoles } from './roles.js';

const SDK_APP_ID = 1400000001;
const SECRET = 'test-secret';

type TestOccupant = Occupant & { member: Member | null; events: [string, unknown][] };

function occupant(identifier: string): TestOccupant {
  const o: TestOccupant = {
    identifier,
    tinyId: String(identifier.length),
    terminal: 'test',
    member: null,
    events: [],
    send<E extends ServerEventName>(event: E, data: ServerEventData<E>) {
      o.events.push([event, data]);
    },
    sendEncoded(frame: Buffer) {
      const { event, data } = JSON.parse(String(frame)) as { event: ServerEventName; data: unknown };
      o.events.push([event, data]);
    },
  };
  return o;
}

function params(overrides: Partial<ParsedParamsOf<'room.enter'>> = {}): ParsedParamsOf<'room.enter'> {
  return { roomId: 100, roomType: 'multi', authBits: AuthBits.DEFAULT, controlRole: '', createRoom: true, receive: false, ...overrides };
}

function key(identifier: string, roomId: number, privilegeMap: number, expireSeconds = 3600): string {
  return signPrivilegeKey({ sdkAppId: SDK_APP_ID, secret: SECRET, identifier, roomId, privilegeMap, expireSeconds });
}

function expectSubCode(fn: () => unknown, code: number, subCode: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ServerError, `expected ServerError, got ${String(err)}`);
    assert.equal(err.detail.code, subCode);
    assert.equal(err.code, code);
    return true;
  });
}

describe('room admission (docs/protocol.md room.enter steps 1–6)', () => {
  let policy: AdmissionPolicy;
  let directory: RoomDirectory;

  function setup(limits: Partial<RoomLimits> = {}, authority: Partial<AuthorityOptions> = {}, roomTypes: ('multi' | 'pair')[] = ['multi', 'pair']) {
    directory = new RoomDirectory({ maxRooms: 100, maxMembers: 100, maxMembersPerRoom: 100, ...limits });
    policy = {
      directory,
      authority: new Authority({ sdkAppId: SDK_APP_ID, secret: SECRET, roles: {}, requirePrivilegeKey: false, ...authority }),
      roomTypes,
    };
  }

  /** Admits and records the membership, as the room.enter handler does. */
  function enter(who: TestOccupant, p = params()): Member {
    const member = admit(policy, who, p);
    who.member = member;
    member.on('close', () => {
      if (who.member === member) who.member = null;
    });
    return member;
  }

  beforeEach(() => setup());

  it('creates a room, announces ENTER to the others, lists the others in the snapshot', () => {
    const alice = occupant('alice');
    const bob = occupant('bob');
    const a = enter(alice);
    const b = enter(bob, params({ createRoom: false }));
    assert.equal(directory.roomCount, 1);
    assert.equal(directory.memberCount, 2);
    assert.deepEqual(alice.events, [['room.endpoints', { event: EndpointEvent.ENTER, members: [b.info()] }]]);
    assert.deepEqual(bob.events, []);
    assert.deepEqual(b.room.snapshotFor(b).members, [a.info()]);
    assert.deepEqual(
      a.room.snapshotFor(a).members.map((m) => m.identifier),
      ['bob'],
    );
  });

  it('EXIT on leaving; the room closes with its last member', () => {
    const alice = occupant('alice');
    const bob = occupant('bob');
    enter(alice);
    const b = enter(bob);
    b.close();
    assert.deepEqual(alice.events.at(-1), ['room.endpoints', { event: EndpointEvent.EXIT, members: [{ identifier: 'bob', tinyId: '3' }] }]);
    assert.equal(bob.member, null);
    alice.member!.close();
    assert.equal(directory.roomCount, 0);
    assert.equal(directory.memberCount, 0);
  });

  it('step 1 comes first: ALREADY_IN_ROOM / IN_ANOTHER_ROOM, even when later steps would fail', () => {
    setup({}, {}, ['multi']);
    const alice = occupant('alice');
    enter(alice);
    expectSubCode(() => admit(policy, alice, params({ roomType: 'pair' })), 10008, 'ALREADY_IN_ROOM');
    expectSubCode(() => admit(policy, alice, params({ roomId: 101, roomType: 'pair', createRoom: false })), 10008, 'IN_ANOTHER_ROOM');
  });

  it('step 2 before step 3: a disabled room type wins over a missing privilege key', () => {
    setup({}, { requirePrivilegeKey: true }, ['multi']);
    expectSubCode(() => admit(policy, occupant('alice'), params({ roomType: 'pair' })), 10011, 'ROOM_TYPE_DISABLED');
    expectSubCode(() => admit(policy, occupant('alice'), params()), 10003, 'PRIVKEY_REQUIRED');
  });

  it('step 3: bits = requested ∩ key ∩ role; key errors are 10003 with the key sub-code', () => {
    setup({}, { roles: resolveRoles({ Guest: AuthBits.AUDIENCE | AuthBits.CREATE_ROOM }) });
    const alice = occupant('alice');
    const audienceKey = key('alice', 100, AuthBits.AUDIENCE | AuthBits.CREATE_ROOM | AuthBits.SEND_AUDIO);
    const member = enter(alice, params({ privilegeKey: audienceKey, controlRole: 'Guest' }));
    assert.equal(member.authBits, AuthBits.AUDIENCE | AuthBits.CREATE_ROOM);
    member.close();
    assert.equal(enter(alice, params({ privilegeKey: audienceKey })).authBits, AuthBits.AUDIENCE | AuthBits.CREATE_ROOM | AuthBits.SEND_AUDIO);
    alice.member!.close();
    expectSubCode(() => admit(policy, alice, params({ privilegeKey: key('alice', 999, 0xff) })), 10003, 'PRIVKEY_WRONG_ROOM');
    expectSubCode(() => admit(policy, alice, params({ privilegeKey: key('bob', 100, 0xff) })), 10003, 'USERSIG_WRONG_IDENTIFIER');
    expectSubCode(() => admit(policy, alice, params({ privilegeKey: key('alice', 100, 0xff, -10) })), 10003, 'USERSIG_EXPIRED');
    expectSubCode(() => admit(policy, alice, params({ privilegeKey: 'garbage' })), 10003, 'USERSIG_MALFORMED');
  });

  it('step 4 (room missing) in order: ROOM_NOT_FOUND, AUTH_CREATE_ROOM_MISSING, NODE_ROOM_LIMIT', () => {
    setup({ maxRooms: 1 });
    enter(occupant('host'), params({ roomId: 1 }));
    const alice = occupant('alice');
    expectSubCode(() => admit(policy, alice, params({ createRoom: false, authBits: 0 })), 10009, 'ROOM_NOT_FOUND');
    expectSubCode(() => admit(policy, alice, params({ authBits: AuthBits.JOIN_ROOM })), 10003, 'AUTH_CREATE_ROOM_MISSING');
    expectSubCode(() => admit(policy, alice, params()), 10005, 'NODE_ROOM_LIMIT');
  });

  it('a key without CREATE_ROOM narrows the bits before step 4 checks them', () => {
    expectSubCode(
      () => admit(policy, occupant('alice'), params({ privilegeKey: key('alice', 100, AuthBits.AUDIENCE) })),
      10003,
      'AUTH_CREATE_ROOM_MISSING',
    );
  });

  it('step 5 (room present) in order: ROOM_TYPE_MISMATCH, AUTH_JOIN_ROOM_MISSING, PAIR_ROOM_FULL, ROOM_FULL, NODE_MEMBER_LIMIT', () => {
    setup({ maxMembersPerRoom: 2, maxMembers: 4 });
    enter(occupant('p1'), params({ roomId: 1, roomType: 'pair' }));
    enter(occupant('p2'), params({ roomId: 1, roomType: 'pair' }));
    const alice = occupant('alice');
    expectSubCode(() => admit(policy, alice, params({ roomId: 1, roomType: 'multi', authBits: 0 })), 10002, 'ROOM_TYPE_MISMATCH');
    expectSubCode(
      () => admit(policy, alice, params({ roomId: 1, roomType: 'pair', authBits: AuthBits.CREATE_ROOM })),
      10003,
      'AUTH_JOIN_ROOM_MISSING',
    );
    expectSubCode(() => admit(policy, alice, params({ roomId: 1, roomType: 'pair' })), 10005, 'PAIR_ROOM_FULL');

    enter(occupant('m1'), params({ roomId: 2 }));
    enter(occupant('m2'), params({ roomId: 2 }));
    // The node is also at its 4 members here: ROOM_FULL must still win.
    expectSubCode(() => admit(policy, alice, params({ roomId: 2 })), 10005, 'ROOM_FULL');
    // A node at its member limit refuses joining a room with space, and creating one.
    setup({ maxMembersPerRoom: 10, maxMembers: 2 });
    enter(occupant('m1'), params({ roomId: 3 }));
    enter(occupant('m2'), params({ roomId: 4 }));
    expectSubCode(() => admit(policy, alice, params({ roomId: 3 })), 10005, 'NODE_MEMBER_LIMIT');
    expectSubCode(() => admit(policy, alice, params({ roomId: 5 })), 10005, 'NODE_MEMBER_LIMIT');
  });

  it('a room type mismatch wins over a full pair room', () => {
    enter(occupant('p1'), params({ roomId: 1, roomType: 'pair' }));
    enter(occupant('p2'), params({ roomId: 1, roomType: 'pair' }));
    expectSubCode(() => admit(policy, occupant('x'), params({ roomId: 1, roomType: 'multi' })), 10002, 'ROOM_TYPE_MISMATCH');
  });

  it('directory.close() closes rooms and members without EXIT storms', () => {
    const alice = occupant('alice');
    const bob = occupant('bob');
    enter(alice);
    enter(bob);
    const before = alice.events.length;
    directory.close();
    assert.equal(alice.member, null);
    assert.equal(bob.member, null);
    assert.equal(directory.roomCount, 0);
    assert.equal(directory.memberCount, 0);
    assert.equal(alice.events.length, before);
  });
});

describe('Authority.forChange (room.changeAuthority)', () => {
  const authority = new Authority({
    sdkAppId: SDK_APP_ID,
    secret: SECRET,
    roles: resolveRoles({ Guest: AuthBits.AUDIENCE }),
    requirePrivilegeKey: false,
  });
  const base = { identifier: 'alice', roomId: 100, role: '', heldKey: undefined, privilegeKey: undefined };

  it('without any key: any bits, bounded by the role', () => {
    assert.deepEqual(authority.forChange({ ...base, authBits: 0xff }), { authBits: 0xff, privilegeKey: undefined });
    assert.equal(authority.forChange({ ...base, role: 'Guest', authBits: 0xff }).authBits, AuthBits.AUDIENCE);
  });

  it('bits beyond the given key → AUTH_BITS_EXCEED_KEY; within it the key is kept', () => {
    const k = key('alice', 100, AuthBits.AUDIENCE);
    expectSubCode(() => authority.forChange({ ...base, privilegeKey: k, authBits: 0xff }), 10003, 'AUTH_BITS_EXCEED_KEY');
    assert.deepEqual(authority.forChange({ ...base, privilegeKey: k, authBits: AuthBits.JOIN_ROOM }), {
      authBits: AuthBits.JOIN_ROOM,
      privilegeKey: k,
    });
  });

  it('no key given: checked against the key the member entered with', () => {
    const held = key('alice', 100, AuthBits.AUDIENCE);
    expectSubCode(() => authority.forChange({ ...base, heldKey: held, authBits: AuthBits.SEND_AUDIO }), 10003, 'AUTH_BITS_EXCEED_KEY');
    expectSubCode(() => authority.forChange({ ...base, privilegeKey: key('alice', 5, 0xff), authBits: 1 }), 10003, 'PRIVKEY_WRONG_ROOM');
  });
});
