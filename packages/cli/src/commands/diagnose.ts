import { readFileSync } from 'node:fs';
import { lookupError, type ErrorEntry, type Lang } from '@hudong/protocol';
import { parse, parseLang, UsageError } from '../args.js';

export const usage = `hudong diagnose FILE [--lang en|zh] [--json]
  Reads a JSON-lines log written by the Hudong SDK or server and explains every error in it:
  code, name, the real backend sub-code and message (detail), cause and suggestion.`;

/** One error found in a log line, with the ids that tie it to the other side's log. */
export interface Finding {
  line: number;
  time: string | undefined;
  msg: string | undefined;
  entry: ErrorEntry;
  detail: { code: unknown; message: unknown } | undefined;
  context: Record<string, unknown>;
}

const CONTEXT_FIELDS = ['reqId', 'method', 'op', 'identifier', 'tinyId', 'roomId', 'node', 'connId'];

/** Finds the AVSDK error a log record is about: top-level fields (our loggers) or a nested err/error object. */
export function explainRecord(record: Record<string, unknown>, line: number): Finding | undefined {
  const holders = [record, record.err, record.error].filter((h): h is Record<string, unknown> => !!h && typeof h === 'object');
  for (const holder of holders) {
    const entry = typeof holder.code === 'number' ? lookupError(holder.code) : undefined;
    if (!entry) continue;
    const detail = holder.detail && typeof holder.detail === 'object' ? (holder.detail as { code: unknown; message: unknown }) : undefined;
    const context = Object.fromEntries(CONTEXT_FIELDS.filter((f) => record[f] !== undefined).map((f) => [f, record[f]]));
    const time = typeof record.time === 'number' ? new Date(record.time).toISOString() : typeof record.time === 'string' ? record.time : undefined;
    return { line, time, msg: typeof record.msg === 'string' ? record.msg : undefined, entry, detail, context };
  }
  return undefined;
}

export function explainLog(text: string): { findings: Finding[]; unreadable: number } {
  const findings: Finding[] = [];
  let unreadable = 0;
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let record: unknown;
    try {
      record = JSON.parse(raw);
    } catch {
      unreadable++;
      return;
    }
    if (record && typeof record === 'object') {
      const finding = explainRecord(record as Record<string, unknown>, i + 1);
      if (finding) findings.push(finding);
    }
  });
  return { findings, unreadable };
}

export function formatFinding(f: Finding, lang: Lang): string {
  const e = f.entry;
  const ids = Object.entries(f.context)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  const out = [
    `line ${f.line}${f.time ? ` ${f.time}` : ''}${f.msg ? ` "${f.msg}"` : ''}${ids ? ` [${ids}]` : ''}`,
    `  ${e.code} ${e.name}: ${e.meaning[lang]}`,
  ];
  if (f.detail) out.push(`  backend sub-code: ${String(f.detail.code)} — ${String(f.detail.message)}`);
  out.push(`  cause: ${e.cause[lang]}`, `  suggestion: ${e.suggestion[lang]}`);
  return out.join('\n');
}

export function run(argv: string[]): string {
  const { values, flags, positionals } = parse(argv, { lang: { type: 'string' }, json: { type: 'boolean' } }, true);
  if (flags.help) return usage;
  if (positionals.length !== 1) throw new UsageError('give exactly one log FILE');
  const lang: Lang = parseLang(values.lang);
  let text: string;
  try {
    text = readFileSync(positionals[0]!, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${positionals[0]}: ${(err as Error).message}`);
  }
  const { findings, unreadable } = explainLog(text);
  if (flags.json) {
    return JSON.stringify(
      findings.map((f) => ({
        line: f.line,
        time: f.time,
        msg: f.msg,
        code: f.entry.code,
        name: f.entry.name,
        detail: f.detail,
        context: f.context,
        meaning: f.entry.meaning[lang],
        cause: f.entry.cause[lang],
        suggestion: f.entry.suggestion[lang],
      })),
      null,
      2,
    );
  }
  const summary = `${findings.length} error(s) found${unreadable ? `, ${unreadable} line(s) were not JSON` : ''}`;
  return [...findings.map((f) => formatFinding(f, lang)), summary].join('\n\n');
}
