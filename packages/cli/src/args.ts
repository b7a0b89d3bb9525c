import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Thrown for bad command-line input: printed with the verb's usage, exit code 2. */
export class UsageError extends Error {}

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parse(argv: string[], options: Options, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function requireString(values: Record<string, unknown>, name: string, env?: string): string {
  const value = values[name] ?? (env ? process.env[env] : undefined);
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required${env ? ` (or ${env})` : ''}`);
  return value;
}

export function toInt(value: unknown, name: string, { min = 0, max = 0xffffffff } = {}): number {
  const text = String(value);
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}, got "${text}"`);
  return n;
}
