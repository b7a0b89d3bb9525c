// Who may do what, against real `hudong serve` processes: method (enter, changeAuthority, publish
// camera / screen / audio, view camera / screen / audio, room message, invite) × login state × auth
// bits × privilege key × role, with privilege keys optional (AVSDK's default) and required. Every row
// asserts the exact code and sub-code, or success (and for enter / changeAuthority the bits granted).
// Publishing offers a real SDP and views a real publication of a stage host, so a success is one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signPrivilegeKey } from '@hudong/protocol/auth';
import { sdpFixture } from '../fixtures/sdp.js';
import { loggedIn, RawClient, type ResponseFrame } from '../helpers/raw-client.js';
import { ServerProcess, TEST_APP_ID, TEST_SECRET } from '../helpers/server.js';

const CREATE = 0x01;
const JOIN = 0x02;
const SEND_AUDIO = 0x04;
const RECV_AUDIO = 0x08;
const SEND_CAMERA = 0x10;
const RECV_CAMERA = 0x20;
const SEND_SCREEN = 0x40;
const RECV_SCREEN = 0x80;
const ALL = 0xff;
const AUDIENCE = JOIN | RECV_AUDIO | RECV_CAMERA | RECV_SCREEN; // 0xaa
/** Roles of both servers: Guest narrows to the audience's bits, Wide names every bit. */
const ROLES = { Guest: AUDIENCE, Wide: ALL };
/** The room of the stage host, which publishes every source: members enter it with createRoom false. */
const STAGE = 500;
const VIDEO_OFFER = sdpFixture('wrtc-camera-offer');
const AUDIO_OFFER = sdpFixture('wrtc-microphone-offer');

type Source = 'camera' | 'screen' | 'audio';
/** A privilege key by its bits, or a broken one. */
type Key = number | 'wrong-room' | 'other-identifier' | 'expired';
interface Entry {
  bits: number;
  key?: Key;
  role?: string;
  /** The stage room (exists: createRoom false) or a room of the row's own (created). @default 'own' */
  room?: 'stage' | 'own';
}
type Action =
  | ({ method: 'enter' } & Entry)
  | { method: 'changeAuthority'; bits: number; key?: Key }
  | { method: 'publish' | 'view'; source: Source }
  | { method: 'message' | 'invite'; room?: 'stage' };

interface Row {
  /** Logged in before the action. @default true */
  login?: boolean;
  /** In a room before the action (entered with these). */
  entered?: Entry;
  /** A changeAuthority to these bits, made (and required to succeed) after entering. */
  changedTo?: number;
  action: Action;
  /** 'ok', or [server code, detail code]. */
  expect: 'ok' | [number, string];
  /** For an ok enter / changeAuthority: the bits granted. */
  granted?: number;
}

const ok = 'ok' as const;
const enter = (e: Entry): Action => ({ method: 'enter', ...e });
const change = (bits: number, key?: Key): Action => ({ method: 'changeAuthority', bits, key });
const publish = (source: Source): Action => ({ method: 'publish', source });
const view = (source: Source): Action => ({ method: 'view', source });
const SEND_BIT: Record<Source, number> = { camera: SEND_CAMERA, screen: SEND_SCREEN, audio: SEND_AUDIO };
const RECV_BIT: Record<Source, number> = { camera: RECV_CAMERA, screen: RECV_SCREEN, audio: RECV_AUDIO };
const SEND_MISSING: Record<Source, string> = {
  camera: 'AUTH_SEND_CAMERA_VIDEO_MISSING',
  screen: 'AUTH_SEND_SCREEN_VIDEO_MISSING',
  audio: 'AUTH_SEND_AUDIO_MISSING',
};
const RECV_MISSING: Record<Source, string> = {
  camera: 'AUTH_RECV_CAMERA_VIDEO_MISSING',
  screen: 'AUTH_RECV_SCREEN_VIDEO_MISSING',
  audio: 'AUTH_RECV_AUDIO_MISSING',
};
const SOURCES: Source[] = ['camera', 'screen', 'audio'];
const EVERY_ACTION: Action[] = [
  enter({ bits: ALL }),
  change(ALL),
  ...SOURCES.map(publish),
  ...SOURCES.map(view),
  { method: 'message' },
  { method: 'invite' },
];

/** Rows that hold whether keys are required or not: `key` is what a member of the keys server presents (ignored by the open one). */
function commonRows(key: (bits: number) => Key | undefined): Row[] {
  const inStage = (bits: number): Entry => ({ bits, key: key(bits), room: 'stage' });
  return [
    // Not logged in: every method but login and ping.
    ...EVERY_ACTION.map((action): Row => ({ login: false, action, expect: [10006, 'NOT_LOGGED_IN'] })),
    // Logged in, in no room.
    { action: change(ALL, key(ALL)), expect: [10006, 'NOT_IN_ROOM'] },
    ...SOURCES.map((s): Row => ({ action: publish(s), expect: [10006, 'NOT_IN_ROOM'] })),
    ...SOURCES.map((s): Row => ({ action: view(s), expect: [10006, 'NOT_IN_ROOM'] })),
    { action: { method: 'message' }, expect: [10006, 'NOT_IN_ROOM'] },
    // Into a room that exists (its own, not yet made, would be a call: allowed).
    { action: { method: 'invite', room: 'stage' }, expect: [10006, 'INVITER_NOT_IN_ROOM'] },
    // Enter: CREATE_ROOM creates, JOIN_ROOM joins.
    { action: enter({ bits: ALL, key: key(ALL) }), expect: ok, granted: ALL },
    { action: enter({ bits: AUDIENCE, key: key(AUDIENCE) }), expect: [10003, 'AUTH_CREATE_ROOM_MISSING'] },
    { action: enter({ bits: AUDIENCE, key: key(AUDIENCE), room: 'stage' }), expect: ok, granted: AUDIENCE },
    { action: enter({ bits: ALL & ~JOIN, key: key(ALL & ~JOIN), room: 'stage' }), expect: [10003, 'AUTH_JOIN_ROOM_MISSING'] },
    // A configured role narrows: Guest has no CREATE_ROOM.
    { action: enter({ bits: ALL, key: key(ALL), role: 'Guest' }), expect: [10003, 'AUTH_CREATE_ROOM_MISSING'] },
    { action: enter({ bits: ALL, key: key(ALL), role: 'Guest', room: 'stage' }), expect: ok, granted: AUDIENCE },
    // A key narrows at enter (cut to, not refused) and must be this member's, for this room, unexpired.
    { action: enter({ bits: ALL, key: 0x2b }), expect: ok, granted: 0x2b },
    { action: enter({ bits: ALL, key: 0x2b, role: 'Wide' }), expect: ok, granted: 0x2b },
    // A role the server does not configure is refused (it would otherwise bound nothing); one without bits (LiveGuest) bounds nothing.
    { action: enter({ bits: ALL, key: 0x2b, role: 'Unconfigured' }), expect: [10002, 'UNKNOWN_ROLE'] },
    { action: enter({ bits: ALL, key: 0x2b, role: 'LiveGuest' }), expect: ok, granted: 0x2b },
    { action: enter({ bits: ALL, key: 'wrong-room' }), expect: [10003, 'PRIVKEY_WRONG_ROOM'] },
    { action: enter({ bits: ALL, key: 'other-identifier' }), expect: [10003, 'USERSIG_WRONG_IDENTIFIER'] },
    // A key's outer sig expires with its buffer (genPrivateMapKey makes them so): the outer check answers.
    { action: enter({ bits: ALL, key: 'expired' }), expect: [10003, 'USERSIG_EXPIRED'] },
    // Already in a room.
    { entered: { bits: ALL, key: key(ALL) }, action: enter({ bits: ALL, key: key(ALL), room: 'stage' }), expect: [10008, 'IN_ANOTHER_ROOM'] },
    // changeAuthority: within a held key only, a given key instead of it, the role cuts.
    { entered: { bits: ALL, key: 0x2b }, action: change(ALL), expect: [10003, 'AUTH_BITS_EXCEED_KEY'] },
    { entered: { bits: ALL, key: 0x2b }, action: change(0x0b), expect: ok, granted: 0x0b },
    { entered: { bits: ALL, key: 0x2b }, action: change(ALL, ALL), expect: ok, granted: ALL },
    { entered: { bits: ALL, key: 0x2b }, action: change(ALL, 'wrong-room'), expect: [10003, 'PRIVKEY_WRONG_ROOM'] },
    { entered: { bits: ALL, key: key(ALL), role: 'Guest', room: 'stage' }, action: change(ALL, key(ALL)), expect: ok, granted: AUDIENCE },
    { entered: { bits: ALL, key: 0x2b, role: 'Wide' }, action: change(ALL), expect: [10003, 'AUTH_BITS_EXCEED_KEY'] },
    { entered: { bits: ALL, key: 0x2b, role: 'LiveGuest' }, action: change(ALL), expect: [10003, 'AUTH_BITS_EXCEED_KEY'] },
    // Publish and view: each source needs its own SEND_ / RECV_ bit, and with it succeeds.
    ...SOURCES.flatMap((s): Row[] => [
      { entered: inStage(ALL & ~SEND_BIT[s]), action: publish(s), expect: [10003, SEND_MISSING[s]] },
      { entered: inStage(JOIN | SEND_BIT[s]), action: publish(s), expect: ok },
      { entered: inStage(ALL & ~RECV_BIT[s]), action: view(s), expect: [10003, RECV_MISSING[s]] },
      { entered: inStage(JOIN | RECV_BIT[s]), action: view(s), expect: ok },
    ]),
    // Lowered by changeAuthority: the bit is gone for what follows.
    { entered: inStage(ALL), changedTo: AUDIENCE, action: publish('camera'), expect: [10003, 'AUTH_SEND_CAMERA_VIDEO_MISSING'] },
    // A key without SEND bits keeps a member from publishing whatever it asked for.
    { entered: { bits: ALL, key: AUDIENCE, room: 'stage' }, action: publish('camera'), expect: [10003, 'AUTH_SEND_CAMERA_VIDEO_MISSING'] },
    // Messages and invites need only the membership.
    { entered: inStage(JOIN), action: { method: 'message' }, expect: ok },
    { entered: { bits: JOIN | CREATE, key: key(JOIN | CREATE) }, action: { method: 'invite' }, expect: ok },
  ];
}

/** Privilege keys optional: a member without a key holds what it asks for, its role cutting it. */
const OPEN_ROWS: Row[] = [
  ...commonRows(() => undefined),
  { action: enter({ bits: ALL, role: 'Unconfigured' }), expect: [10002, 'UNKNOWN_ROLE'] },
  { action: enter({ bits: ALL, role: 'LiveMaster' }), expect: ok, granted: ALL },
  // AVSDK's open default, kept for compatibility (docs/auth.md: use requirePrivilegeKey in production).
  { entered: { bits: AUDIENCE, room: 'stage' }, action: change(ALL), expect: ok, granted: ALL },
  { entered: { bits: AUDIENCE, room: 'stage' }, changedTo: ALL, action: publish('camera'), expect: ok },
  { entered: { bits: AUDIENCE, role: 'Guest', room: 'stage' }, action: change(ALL), expect: ok, granted: AUDIENCE },
  { entered: { bits: AUDIENCE, room: 'stage' }, action: change(ALL, 0x2b), expect: [10003, 'AUTH_BITS_EXCEED_KEY'] },
];

/** Privilege keys required: the key alone bounds a member's bits; a role name never widens them. */
const KEYS_ROWS: Row[] = [
  ...commonRows((bits) => bits),
  ...[enter({ bits: ALL }), enter({ bits: ALL, role: 'Wide' }), enter({ bits: AUDIENCE, room: 'stage' })].map((action): Row => ({
    action,
    expect: [10003, 'PRIVKEY_REQUIRED'],
  })),
  { entered: { bits: ALL, key: AUDIENCE, room: 'stage' }, action: change(ALL), expect: [10003, 'AUTH_BITS_EXCEED_KEY'] },
  { entered: { bits: ALL, key: AUDIENCE, role: 'Wide', room: 'stage' }, action: change(ALL), expect: [10003, 'AUTH_BITS_EXCEED_KEY'] },
  { entered: { bits: ALL, key: AUDIENCE, role: 'LiveGuest', room: 'stage' }, action: change(ALL), expect: [10003, 'AUTH_BITS_EXCEED_KEY'] },
  { entered: { bits: ALL, key: AUDIENCE, room: 'stage' }, action: change(RECV_AUDIO | JOIN), expect: ok, granted: RECV_AUDIO | JOIN },
];

function describeRow(row: Row): string {
  const hex = (n: number) => `0x${n.toString(16)}`;
  const entry = (e: Entry) =>
    `${hex(e.bits)}${e.key === undefined ? '' : ` key ${typeof e.key === 'number' ? hex(e.key) : e.key}`}${e.role ? ` role ${e.role}` : ''} ${e.room ?? 'own'} room`;
  const state = row.login === false ? 'not logged in' : row.entered ? `in ${entry(row.entered)}` : 'in no room';
  const changed = row.changedTo === undefined ? '' : `, changed to ${hex(row.changedTo)}`;
  const a = row.action;
  const what =
    a.method === 'enter'
      ? `enter ${entry(a)}`
      : a.method === 'changeAuthority'
        ? `changeAuthority ${hex(a.bits)}${a.key === undefined ? '' : ` key ${typeof a.key === 'number' ? hex(a.key) : a.key}`}`
        : a.method === 'publish' || a.method === 'view'
          ? `${a.method} ${a.source}`
          : a.method;
  const expect = row.expect === 'ok' ? `ok${row.granted === undefined ? '' : ` ${hex(row.granted)}`}` : row.expect.join(' ');
  return `${state}${changed}: ${what} → ${expect}`;
}

for (const requirePrivilegeKey of [false, true]) {
  describe(`authorization matrix, privilege keys ${requirePrivilegeKey ? 'required' : 'optional'}`, () => {
    const srv = new ServerProcess({
      // Rows end by dropping their connection: with no grace their members leave at once. The stage's
      // publications never connect (the offers are recorded ones); they must outlive the test.
      config: { requirePrivilegeKey, roles: ROLES, sessionGraceMs: 0, mediaConnectTimeoutMs: 120_000, largeRoomThreshold: 1000 },
    });
    const clients: RawClient[] = [];
    let nextRoom = 1000;
    let rowNumber = 0;

    const keyFor = (key: Key, identifier: string, roomId: number): string => {
      const base = { sdkAppId: TEST_APP_ID, secret: TEST_SECRET, identifier, roomId, privilegeMap: ALL };
      if (key === 'wrong-room') return signPrivilegeKey({ ...base, roomId: roomId + 1 });
      if (key === 'other-identifier') return signPrivilegeKey({ ...base, identifier: `${identifier}-other` });
      if (key === 'expired') return signPrivilegeKey({ ...base, now: Math.floor(Date.now() / 1000) - 3600, expireSeconds: 60 });
      return signPrivilegeKey({ ...base, privilegeMap: key });
    };
    const enterParams = (e: Entry, identifier: string, ownRoom: number) => {
      const roomId = e.room === 'stage' ? STAGE : ownRoom;
      return {
        roomId,
        roomType: 'multi',
        authBits: e.bits,
        controlRole: e.role ?? '',
        createRoom: e.room !== 'stage',
        ...(e.key === undefined ? {} : { privilegeKey: keyFor(e.key, identifier, roomId) }),
      };
    };
    const connect = async (identifier: string | null) => {
      // Pings keep the stage host and the invitee past the heartbeat timeout however long the rows take.
      const client =
        identifier === null ? await RawClient.connect(srv.wsUrl) : (await loggedIn(srv.wsUrl, identifier, {}, { keepAliveMs: 2000 })).client;
      clients.push(client);
      return client;
    };

    before(async () => {
      await srv.start();
      const host = await connect('stage-host');
      const entered = await host.request('room.enter', { ...enterParams({ bits: ALL, key: ALL }, 'stage-host', STAGE), createRoom: true });
      assert.equal(entered.ok, true, JSON.stringify(entered.error));
      for (const [source, sdp] of [
        ['camera', VIDEO_OFFER],
        ['screen', VIDEO_OFFER],
        ['audio', AUDIO_OFFER],
      ] as const) {
        await host.call('media.publish', { source, sdp }, 15_000);
      }
      const invitee = await connect('invitee');
      invitee.onEvent('invite.received', ({ inviteId }) => invitee.sendRequest('invite.refuse', { inviteId }));
    });
    after(async () => {
      for (const c of clients) c.terminate();
      await srv.stop();
    });

    for (const row of requirePrivilegeKey ? KEYS_ROWS : OPEN_ROWS) {
      it(describeRow(row), async () => {
        const identifier = `row-${++rowNumber}`;
        const ownRoom = ++nextRoom;
        const client = await connect(row.login === false ? null : identifier);
        try {
          if (row.entered) {
            const entered = await client.request('room.enter', enterParams(row.entered, identifier, ownRoom));
            assert.equal(entered.ok, true, `setup: entering failed: ${JSON.stringify(entered.error)}`);
          }
          if (row.changedTo !== undefined) {
            const changed = await client.request('room.changeAuthority', { authBits: row.changedTo });
            assert.equal(changed.ok, true, `setup: changeAuthority failed: ${JSON.stringify(changed.error)}`);
          }
          const res = await perform(client, row, identifier, ownRoom);
          if (row.expect === 'ok') {
            assert.equal(res.ok, true, `expected success, got ${JSON.stringify(res.error)}`);
            if (row.granted !== undefined) assert.equal((res.result as { authBits: number }).authBits, row.granted);
          } else {
            assert.equal(res.ok, false, `expected ${row.expect.join(' ')}, got success ${JSON.stringify(res.result)}`);
            assert.deepEqual([res.error.code, res.error.detail.code], row.expect, res.error.detail.message);
          }
        } finally {
          client.terminate();
        }
      });
    }

    function perform(client: RawClient, row: Row, identifier: string, ownRoom: number): Promise<ResponseFrame> {
      const action = row.action;
      switch (action.method) {
        case 'enter':
          return client.request('room.enter', enterParams(action, identifier, ownRoom));
        case 'changeAuthority': {
          // A key is made for the room the member is in (the stage or its own).
          const roomId = row.entered?.room === 'stage' ? STAGE : ownRoom;
          const key = action.key === undefined ? {} : { privilegeKey: keyFor(action.key, identifier, roomId) };
          return client.request('room.changeAuthority', { authBits: action.bits, ...key });
        }
        case 'publish':
          return client.request('media.publish', { source: action.source, sdp: action.source === 'audio' ? AUDIO_OFFER : VIDEO_OFFER }, 15_000);
        case 'view':
          return client.request('media.subscribe', { identifier: 'stage-host', source: action.source }, 15_000);
        case 'message':
          return client.request('room.message', { data: 'hello', binary: false });
        case 'invite':
          return client.request('invite.send', { to: 'invitee', roomId: action.room === 'stage' ? STAGE : ownRoom, timeoutMs: 5000 });
      }
    }
  });
}
