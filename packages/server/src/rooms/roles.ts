import type { z } from 'zod';
import { AuthBits, RoleAudio, RoleVideo, type RoleSettings } from '@hudong/protocol';

/**
 * A role as the config file writes it: `{ authBits?, video?, audio? }`, or auth bits alone (the form
 * from before roles carried encoding settings, read as `{ authBits }`).
 */
export type RoleOption = number | { authBits?: number; video?: RoleVideo; audio?: RoleAudio };

/** A configured role: the bits its members are bounded to (undefined: no bound) and what they send at. */
export interface Role {
  readonly authBits: number | undefined;
  readonly settings: RoleSettings;
}

/** AVSDK's usual SPEAR roles: the host, a co-host, and the audience (nothing to send). */
export const DEFAULT_ROLES: Readonly<Record<string, RoleOption>> = {
  LiveMaster: { video: { width: 640, height: 480, fps: 30, maxBitrateKbps: 1200 } },
  LiveGuest: { video: { width: 480, height: 360, fps: 20, maxBitrateKbps: 600 } },
  Guest: { authBits: AuthBits.AUDIENCE },
};

/** Checks and normalizes the `roles` option; throws TypeError naming the role and field at fault. */
export function resolveRoles(options: Readonly<Record<string, RoleOption>>): Record<string, Role> {
  const out: Record<string, Role> = {};
  for (const [name, option] of Object.entries(options)) {
    // '' is the controlRole of a member that names no role.
    if (name.length === 0 || name.length > 64) throw new TypeError('option roles: a role name must be 1–64 characters');
    const spec = typeof option === 'number' ? { authBits: option } : option;
    if (spec === null || typeof spec !== 'object') throw new TypeError(`option roles.${name} must be auth bits or { authBits?, video?, audio? }`);
    const unknown = Object.keys(spec).filter((k) => k !== 'authBits' && k !== 'video' && k !== 'audio');
    if (unknown.length > 0) throw new TypeError(`option roles.${name}: unknown field ${unknown.join(', ')}`);
    const { authBits, video, audio } = spec;
    if (authBits !== undefined && (!Number.isInteger(authBits) || authBits < 0 || authBits > 0xff)) {
      throw new TypeError(`option roles.${name}.authBits must be auth bits 0–0xff`);
    }
    const settings: { video?: RoleVideo; audio?: RoleAudio } = {};
    if (video !== undefined) settings.video = parsed(RoleVideo, video, `roles.${name}.video`, '{ width, height, fps, maxBitrateKbps }');
    if (audio !== undefined) settings.audio = parsed(RoleAudio, audio, `roles.${name}.audio`, '{ maxBitrateKbps }');
    out[name] = { authBits, settings };
  }
  return out;
}

function parsed<T>(schema: z.ZodType<T>, value: unknown, where: string, shape: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new TypeError(`option ${where} must be ${shape}: ${issue.path.map(String).join('.') || 'value'} ${issue.message}`);
}
