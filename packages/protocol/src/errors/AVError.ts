import { ErrorCode, type ErrorCodeValue } from './ErrorCode.js';
import { lookupError, type Lang, type ErrorEntry } from './error-table.js';

/**
 * The precise cause behind an AVError: the backend's real sub-code and message for server errors
 * (e.g. `{ code: 'USERSIG_EXPIRED', message: 'UserSig expired at …' }`), or the underlying failure.
 */
export interface AVErrorDetail {
  code: number | string;
  message: string;
}

/** The one error class of Hudong: every rejected promise and `disconnected` reason is an AVError. */
export class AVError extends Error {
  readonly code: ErrorCodeValue;
  readonly codeName: string;
  readonly meaning: string;
  override readonly cause: string;
  readonly suggestion: string;
  readonly detail: AVErrorDetail | undefined;
  readonly lang: Lang;

  constructor(code: ErrorCodeValue, detail?: AVErrorDetail, lang: Lang = 'en') {
    const entry = entryOf(code);
    super(`${entry.name} (${code}): ${entry.meaning[lang]}${detail ? ` — ${detail.code}: ${detail.message}` : ''}`);
    this.name = 'AVError';
    this.code = code;
    this.codeName = entry.name;
    this.meaning = entry.meaning[lang];
    this.cause = entry.cause[lang];
    this.suggestion = entry.suggestion[lang];
    this.detail = detail;
    this.lang = lang;
  }

  /** 1003: the target state already holds; callers may treat the operation as a success. */
  get isBenign(): boolean {
    return this.code === ErrorCode.AV_ERR_HAS_IN_THE_STATE;
  }

  /** True for the server's codes 10001–10011 (sent over the wire and surfaced unchanged). */
  get isServerError(): boolean {
    return this.code >= 10001;
  }

  /** The same error with texts in another language. */
  localize(lang: Lang): AVError {
    return lang === this.lang ? this : new AVError(this.code, this.detail, lang);
  }

  /** The table entry of any code, in one language. */
  static describe(code: number, lang: Lang = 'en') {
    const entry = entryOf(code);
    return {
      code: entry.code,
      codeName: entry.name,
      side: entry.side,
      meaning: entry.meaning[lang],
      cause: entry.cause[lang],
      suggestion: entry.suggestion[lang],
    };
  }

  /** Whether `value` is a code of the table. */
  static isCode(value: unknown): value is ErrorCodeValue {
    return typeof value === 'number' && lookupError(value) !== undefined;
  }

  toJSON() {
    return { code: this.code, codeName: this.codeName, message: this.message, detail: this.detail };
  }
}

function entryOf(code: number): ErrorEntry {
  const entry = lookupError(code);
  if (!entry) throw new RangeError(`not an AVSDK error code: ${code}`);
  return entry;
}
