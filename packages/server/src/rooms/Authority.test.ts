import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signPrivilegeKey } from '@hudong/protocol/auth';
import { ServerError } from '../errors.js';
import { Authority } from './Authority.js';
import { resolveRoles } from './roles.js';

const APP = 1400000001;
const SECRET = 'authority-test-secret-0123456789abcdef';
const ROOM = 7;
/** Configured roles: Guest narrows to the audience's bits (the older number form), Wide names every bit, Stage only sets encoding. */
const STAGE_VIDEO = { width: 480, height: 360, fps: 20, maxBitrateKbps: 600 };
const roles = resolveRoles({ Guest: 0xaa, Wide: { authBits: 0xff }, Stage: { video: STAGE_VIDEO, audio: { maxBitrateKbps: 48 } } });
const keyFor = (bits: number, identifier = 'u', roomId = ROOM) =>
  signPrivilegeKey({ sdkAppId: APP, secret: SECRET, identifier, roomId, privilegeMap: bits });

function authority(requirePrivilegeKey: boolean): Authority {
  return new Authority({ sdkAppId: APP, secret: SECRET, roles, requirePrivilegeKey });
}

/** The granted bits, or the sub-code thrown. */
function outcome(fn: () => { authBits: number }): number | string {
  try {
    return fn().authBits;
  } catch (err) {
    assert.ok(err instanceof ServerError, String(err));
    assert.equal(err.code, err.detail.code === 'UNKNOWN_ROLE' ? 10002 : 10003);
    return err.detail.code;
  }
}

describe('Authority', () => {
  // [keys required, asked, key bits (undefined: none), role, granted bits or sub-code]
  const enterRows: [boolean, number, number | undefined, string, number | string][] = [
    [false, 0xff, undefined, '', 0xff],
    [false, 0xff, undefined, 'Guest', 0xaa],
    [false, 0xff, undefined, 'Unconfigured', 'UNKNOWN_ROLE'],
    [false, 0xff, undefined, 'Stage', 0xff],
    [false, 0xff, 0x2b, '', 0x2b],
    [false, 0x0f, 0x2b, 'Wide', 0x0b],
    [true, 0xff, undefined, '', 'PRIVKEY_REQUIRED'],
    [true, 0xff, undefined, 'Wide', 'PRIVKEY_REQUIRED'],
    [true, 0xff, 0x2b, '', 0x2b],
    [true, 0xff, 0x2b, 'Wide', 0x2b],
    [true, 0xff, 0x2b, 'Unconfigured', 'UNKNOWN_ROLE'],
    [true, 0xff, 0xff, 'Guest', 0xaa],
  ];
  for (const [required, asked, keyBits, role, expected] of enterRows) {
    it(`enter: keys ${required ? 'required' : 'optional'}, asks 0x${asked.toString(16)}, key ${keyBits?.toString(16) ?? 'none'}, role "${role}" → ${String(expected)}`, () => {
      const privilegeKey = keyBits === undefined ? undefined : keyFor(keyBits);
      assert.equal(
        outcome(() => authority(required).forEnter({ identifier: 'u', roomId: ROOM, authBits: asked, privilegeKey, role })),
        expected,
      );
    });
  }

  // [keys required, asked, held key bits, given key bits, role, granted bits or sub-code]
  const changeRows: [boolean, number, number | undefined, number | undefined, string, number | string][] = [
    [false, 0xff, undefined, undefined, '', 0xff], // the open default: documented in docs/auth.md
    [false, 0xff, undefined, undefined, 'Guest', 0xaa],
    [false, 0xff, 0x2b, undefined, '', 'AUTH_BITS_EXCEED_KEY'],
    [false, 0xff, undefined, 0x2b, '', 'AUTH_BITS_EXCEED_KEY'],
    [false, 0x0b, 0x2b, undefined, '', 0x0b],
    [true, 0xff, 0xaa, undefined, '', 'AUTH_BITS_EXCEED_KEY'],
    [true, 0xff, 0xaa, undefined, 'Wide', 'AUTH_BITS_EXCEED_KEY'],
    [true, 0xff, 0xaa, undefined, 'Stage', 'AUTH_BITS_EXCEED_KEY'],
    [true, 0xff, 0xaa, 0xff, '', 0xff],
    [true, 0xff, 0xff, undefined, 'Guest', 0xaa],
    [true, 0x0a, 0xaa, undefined, '', 0x0a],
    [true, 0x0a, undefined, undefined, '', 'PRIVKEY_REQUIRED'],
  ];
  for (const [required, asked, held, given, role, expected] of changeRows) {
    it(`changeAuthority: keys ${required ? 'required' : 'optional'}, asks 0x${asked.toString(16)}, holds ${held?.toString(16) ?? 'none'}, gives ${given?.toString(16) ?? 'none'}, role "${role}" → ${String(expected)}`, () => {
      const request = {
        identifier: 'u',
        roomId: ROOM,
        authBits: asked,
        privilegeKey: given === undefined ? undefined : keyFor(given),
        heldKey: held === undefined ? undefined : keyFor(held),
        role,
      };
      assert.equal(
        outcome(() => authority(required).forChange(request)),
        expected,
      );
    });
  }

  it('changeRole: the new role cuts the bits and never adds any; its settings come with it', () => {
    const a = authority(false);
    assert.deepEqual(a.forRole('Guest', 0xff), { authBits: 0xaa, roleSettings: {} });
    assert.deepEqual(a.forRole('Stage', 0xaa), { authBits: 0xaa, roleSettings: { video: STAGE_VIDEO, audio: { maxBitrateKbps: 48 } } });
    assert.deepEqual(a.forRole('', 0x0b), { authBits: 0x0b, roleSettings: {} });
    assert.equal(
      outcome(() => a.forRole('Unconfigured', 0xff)),
      'UNKNOWN_ROLE',
    );
  });

  it('a key of another room or identifier is refused, never cut to: PRIVKEY_WRONG_ROOM, USERSIG_WRONG_IDENTIFIER', () => {
    const a = authority(true);
    const enter = (privilegeKey: string) => outcome(() => a.forEnter({ identifier: 'u', roomId: ROOM, authBits: 0xff, privilegeKey, role: '' }));
    assert.equal(enter(keyFor(0xff, 'u', ROOM + 1)), 'PRIVKEY_WRONG_ROOM');
    assert.equal(enter(keyFor(0xff, 'someone-else')), 'USERSIG_WRONG_IDENTIFIER');
    assert.equal(enter('not-a-key'), 'USERSIG_MALFORMED');
  });
});
