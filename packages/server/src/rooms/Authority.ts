import { ALL_AUTH_BITS, type RoleSettings } from '@hudong/protocol';
import { verifyPrivilegeKey } from '@hudong/protocol/auth';
import { ServerError } from '../errors.js';
import type { Role } from './roles.js';

export interface AuthorityOptions {
  sdkAppId: number;
  secret: string;
  /** The configured roles by name (config.ts `roles`). */
  roles: Readonly<Record<string, Role>>;
  requirePrivilegeKey: boolean;
}

export interface AuthorityRequest {
  identifier: string;
  roomId: number;
  authBits: number;
  /** An empty string counts as no key, as an empty AVSDK auth_buffer does. */
  privilegeKey: string | undefined;
}

/** No role named (`controlRole` ''): no bound, and the client's own encoding settings. */
const NO_ROLE: Role = { authBits: undefined, settings: {} };

/**
 * Effective auth bits = requested ∩ privilege key ∩ role bound (step 3 of room.enter, and changeAuthority).
 *
 * Every term can only take bits away: a role name is the client's own choice, so a role narrows; it
 * never adds to what the key grants. A name that is not configured is refused (10002 UNKNOWN_ROLE). With
 * `requirePrivilegeKey` the key therefore alone decides the most a member may hold. Without it (AVSDK's
 * default, kept for compatibility) a member that holds no key may ask for any bits: docs/auth.md.
 */
export class Authority {
  readonly #options: AuthorityOptions;

  constructor(options: AuthorityOptions) {
    this.#options = { ...options, roles: { ...options.roles } };
  }

  /** Bits a member enters with: what it asks for, cut to its key and role. Throws 10002 UNKNOWN_ROLE, 10003 PRIVKEY_REQUIRED / PRIVKEY_* / USERSIG_*. */
  forEnter(request: AuthorityRequest & { role: string }): { authBits: number; privilegeKey: string | undefined } {
    this.role(request.role);
    const key = request.privilegeKey || undefined;
    if (key === undefined && this.#options.requirePrivilegeKey) {
      throw new ServerError('PRIVKEY_REQUIRED', 'this server requires a privilege key to enter a room');
    }
    const keyBits = key === undefined ? ALL_AUTH_BITS : this.#keyBits(key, request.identifier, request.roomId);
    return { authBits: request.authBits & keyBits & this.#roleBound(request.role), privilegeKey: key };
  }

  /**
   * Bits after room.changeAuthority: they must lie within the given key, or else the key the member
   * holds (asking for more is refused, not cut: the member asked for a change it may not make); then
   * the role cuts them. Throws 10003 PRIVKEY_REQUIRED / PRIVKEY_* / USERSIG_* / AUTH_BITS_EXCEED_KEY.
   */
  forChange(request: AuthorityRequest & { role: string; heldKey: string | undefined }): { authBits: number; privilegeKey: string | undefined } {
    const key = request.privilegeKey || request.heldKey;
    // Every member entered with a key then; this keeps the rule from resting on that alone.
    if (key === undefined && this.#options.requirePrivilegeKey) {
      throw new ServerError('PRIVKEY_REQUIRED', 'this server requires a privilege key to change auth bits');
    }
    if (key !== undefined) {
      const allowed = this.#keyBits(key, request.identifier, request.roomId);
      const excess = request.authBits & ~allowed;
      if (excess) {
        throw new ServerError(
          'AUTH_BITS_EXCEED_KEY',
          `auth bits 0x${hex(request.authBits)} exceed the privilege key's 0x${hex(allowed)} (extra 0x${hex(excess)})`,
        );
      }
    }
    return { authBits: request.authBits & this.#roleBound(request.role), privilegeKey: key };
  }

  #keyBits(key: string, identifier: string, roomId: number): number {
    const { sdkAppId, secret } = this.#options;
    try {
      return verifyPrivilegeKey(key, { sdkAppId, secret, identifier, roomId }).privilegeMap & ALL_AUTH_BITS;
    } catch (err) {
      throw ServerError.from(err);
    }
  }

  /**
   * room.changeRole: the member's bits after taking `role`, cut to its bound (a role never adds bits:
   * changeAuthority does, within the key), and the role's encoding settings. Throws 10002 UNKNOWN_ROLE.
   */
  forRole(role: string, authBits: number): { authBits: number; roleSettings: RoleSettings } {
    return { authBits: authBits & this.#roleBound(role), roleSettings: this.settingsOf(role) };
  }

  /** The encoding settings members of a role send at (`{}`: the client's own). Throws 10002 UNKNOWN_ROLE. */
  settingsOf(role: string): RoleSettings {
    const { video, audio } = this.role(role).settings;
    return { ...(video && { video: { ...video } }), ...(audio && { audio: { ...audio } }) };
  }

  /** The role of that name; '' is no role. Throws 10002 UNKNOWN_ROLE. */
  role(name: string): Role {
    if (name === '') return NO_ROLE;
    if (!Object.hasOwn(this.#options.roles, name)) {
      const known = Object.keys(this.#options.roles).join(', ');
      throw new ServerError('UNKNOWN_ROLE', `role "${name}" is not configured on this server (configured: ${known || 'none'})`);
    }
    return this.#options.roles[name]!;
  }

  #roleBound(role: string): number {
    return this.role(role).authBits ?? ALL_AUTH_BITS;
  }
}

function hex(bits: number): string {
  return bits.toString(16).padStart(2, '0');
}
