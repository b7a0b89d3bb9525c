/** The error panel: code, name, meaning, cause and suggestion of the latest error, in the UI language. */
import { byTestId, show } from './dom.js';
import { lang, onLangChange, t } from './i18n.js';
import { sdk, type AVError } from './sdk.js';

let last: unknown = null;

function isAVError(e: unknown): e is AVError {
  return e instanceof sdk.AVError || (typeof e === 'object' && e !== null && 'codeName' in e && 'suggestion' in e);
}

/** Shows any error (AVErrors in full); 1003 "already in that state" is benign and only logged. */
export function reportError(err: unknown, where = ''): void {
  if (isAVError(err) && err.isBenign) {
    console.info(`[demo] ${where}: benign`, err.message);
    return;
  }
  console.warn(`[demo] ${where} failed:`, err);
  last = err;
  render();
}

export function clearError(): void {
  last = null;
  render();
}

/** Runs `fn`, reporting a rejection; resolves to undefined then. */
export async function attempt<T>(where: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    reportError(err, where);
    return undefined;
  }
}

function render(): void {
  const panel = byTestId('error-panel');
  show(panel, last !== null);
  if (last === null) return;
  let code = '—',
    name = 'Error',
    meaning: string,
    cause = '',
    suggestion = '';
  if (isAVError(last)) {
    const e = typeof last.localize === 'function' ? last.localize(lang()) : last;
    code = String(e.code);
    name = e.codeName;
    meaning = e.meaning;
    cause = e.detail ? `${e.cause} (${e.detail.code}: ${e.detail.message})` : e.cause;
    suggestion = e.suggestion;
  } else if (last instanceof Error) {
    name = last.name;
    meaning = last.message;
  } else {
    meaning = String(last);
  }
  byTestId('error-code', panel).textContent = code;
  byTestId('error-name', panel).textContent = name;
  byTestId('error-meaning', panel).textContent = meaning;
  byTestId('error-cause', panel).textContent = cause;
  byTestId('error-suggestion', panel).textContent = suggestion;
}

export function initErrors(): void {
  byTestId('error-dismiss').addEventListener('click', clearError);
  onLangChange(render);
  render();
}

/** A plain validation message shown in the panel (no SDK error involved). */
export function reportMessage(meaning: string): void {
  last = new Error(meaning);
  (last as Error).name = t('error');
  render();
}
