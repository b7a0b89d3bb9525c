import { parseArgs } from 'node:util';

/** Thrown for bad command-line input: printed with the verb's usage, exit code 2. */
export class UsageError extends Error {}

/** A failure the message explains whole (Redis unreachable, port in use): printed without a stack trace. */
export class CommandFailed extends Error {}

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export interface ParsedArgs {
  /** String options by name (flags are in `flags`). */
  values: Record<string, string | undefined>;
  flags: Record<string, boolean>;
  /** Repeatable string options (`multiple: true`) by name, in the order given. */
  lists: Record<string, string[]>;
  positionals: string[];
}

export function parse(argv: string[], options: OptionSpec, allowPositionals = false): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const values: Record<string, string | undefined> = {};
  const flags: Record<string, boolean> = {};
  const lists: Record<string, string[]> = {};
  // parseArgs types its values after the spec's literal types, which a Record spec does not have.
  for (const [name, value] of Object.entries(parsed.values as Record<string, string | boolean | (string | boolean)[] | undefined>)) {
    if (typeof value === 'boolean') flags[name] = value;
    else if (typeof value === 'string') values[name] = value;
    else if (Array.isArray(value)) lists[name] = value.filter((v): v is string => typeof v === 'string');
  }
  return { values, flags, lists, positionals: parsed.positionals };
}

export function requireString(values: Record<string, string | undefined>, name: string, env?: string): string {
  const value = values[name] ?? (env ? process.env[env] : undefined);
  if (value === undefined || value === '') throw new UsageError(`--${name} is required${env ? ` (or ${env})` : ''}`);
  return value;
}

export function toInt(value: string | number, name: string, { min = 0, max = 0xffffffff } = {}): number {
  const text = String(value);
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}, got "${text}"`);
  return n;
}

export function parseLang(value: string | undefined): 'en' | 'zh' {
  const lang = value ?? 'en';
  if (lang !== 'en' && lang !== 'zh') throw new UsageError(`--lang must be en or zh, got "${lang}"`);
  return lang;
}
