import { ALL_AUTH_BITS } from '@hudong/protocol';
import { verifyPrivilegeKey } from '@hudong/protocol/auth';
import { ServerError } from '../errors.js';

export interface AuthorityOptions {
  sdkAppId: number;
  secret: string;
  /** Role name → the bits members of that role are bounded to. */
  roles: Readonly<Record<string, number>>;
  requirePrivilegeKey: boolean;
}

export interface AuthorityRequest {
  identifier: string;
  roomId: number;
  authBits: number;
  /** An empty string counts as no key, as an empty AVSDK auth_buffer does. */
  privilegeKey: string | undefined;
}

/**
 * Effective auth bits = requested ∩ privilege key ∩ role bound (step 3 of room.enter, and changeAuthority).
 *
 * Every term can only take bits away: a role name is the client's own choice, so an unconfigured one
 * bounds nothing and a configured one narrows; it never adds to what the key grants. With
 * `requirePrivilegeKey` the key therefore alone decides the most a member may hold. Without it (AVSDK's
 * default, kept for compatibility) a member that holds no key may ask for any bits: docs/auth.md.
 */
export class Authority {
  readonly #options: AuthorityOptions;

  constructor(options: AuthorityOptions) {
    this.#options = { ...options, roles: { ...options.roles } };
  }

  /** Bits a member enters with: what it asks for, cut to its key and role. Throws 10003 PRIVKEY_REQUIRED / PRIVKEY_* / USERSIG_*. */
  forEnter(request: AuthorityRequest & { role: string }): { authBits: number; privilegeKey: string | undefined } {
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

  /** A configured role's bits; any other name bounds nothing (it is only a name the client chose). */
  #roleBound(role: string): number {
    return Object.hasOwn(this.#options.roles, role) ? this.#options.roles[role]! : ALL_AUTH_BITS;
  }
}

function hex(bits: number): string {
  return bits.toString(16).padStart(2, '0');
}
