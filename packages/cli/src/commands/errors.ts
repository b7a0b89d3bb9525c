import { ERROR_TABLE, lookupError, type ErrorEntry, type Lang } from '@hudong/protocol';
import { parse, parseLang, UsageError } from '../args.js';

export const usage = `hudong errors [CODE|NAME] [--json] [--lang en|zh]
  Prints the AVSDK error table (or one entry): code, name, meaning, cause, suggestion.
  --json prints [{code, name, meaning:{zh,en}, cause:{zh,en}, suggestion:{zh,en}, side}].`;

export function run(argv: string[]): string {
  const { values, flags, positionals } = parse(argv, { json: { type: 'boolean' }, lang: { type: 'string' } }, true);
  if (flags.help) return usage;
  const lang: Lang = parseLang(values.lang);
  let entries: readonly ErrorEntry[] = ERROR_TABLE;
  if (positionals.length > 0) {
    entries = positionals.map((p) => {
      const entry = lookupError(p);
      if (!entry) throw new UsageError(`no error code or name "${p}"`);
      return entry;
    });
  }
  if (flags.json) {
    return JSON.stringify(
      entries.map((e) => ({
        code: e.code,
        name: e.name,
        meaning: e.meaning,
        cause: e.cause,
        suggestion: e.suggestion,
        side: e.side,
      })),
      null,
      2,
    );
  }
  return entries.map((e) => formatEntry(e, lang)).join('\n\n');
}

export function formatEntry(e: ErrorEntry, lang: Lang): string {
  const label =
    lang === 'zh' ? { meaning: '含义', cause: '原因', suggestion: '建议' } : { meaning: 'meaning', cause: 'cause', suggestion: 'suggestion' };
  return [
    `${e.code} ${e.name} (${e.side})`,
    `  ${label.meaning}: ${e.meaning[lang]}`,
    `  ${label.cause}: ${e.cause[lang]}`,
    `  ${label.suggestion}: ${e.suggestion[lang]}`,
  ].join('\n');
}
