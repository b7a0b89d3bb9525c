/**
 * Pluggable structured logging. The SDK calls `logger.<level>(fields, msg)`, the pino calling
 * convention, so a pino logger can be passed as is; `createJsonLineLogger` writes the same JSON lines
 * without pino (and in browsers), which `hudong diagnose` reads.
 */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** pino's numeric levels, so the lines are indistinguishable from pino's own. */
const LEVELS: Record<Exclude<LogLevel, 'silent'>, number> = { debug: 20, info: 30, warn: 40, error: 50 };

const noop = () => {};
/** The default logger: says nothing. */
export const noopLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/**
 * A logger that writes one pino-compatible JSON object per line: `{level, time, ...fields, msg}`.
 * @param write receives each line without the trailing newline (e.g. `(l) => process.stdout.write(l + '\n')`).
 * @param level the least severe level written; default `'info'`.
 */
export function createJsonLineLogger(write: (line: string) => void, level: LogLevel = 'info'): Logger {
  const min = level === 'silent' ? Infinity : LEVELS[level];
  const at = (name: Exclude<LogLevel, 'silent'>) => (obj: object, msg: string) => {
    const num = LEVELS[name];
    if (num < min) return;
    let line: string;
    try {
      line = JSON.stringify({ level: num, time: Date.now(), ...obj, msg }, replacer);
    } catch (err) {
      // A field that cannot be serialised must not cost us the line.
      line = JSON.stringify({ level: num, time: Date.now(), msg, logError: String(err) });
    }
    try {
      write(line);
    } catch {
      /* a broken sink must never break the SDK */
    }
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
    return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  }
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  return value;
}

/** A logger that adds `bindings()` (ids that tie our lines to the server's) to every line. */
export function withBindings(logger: Logger, bindings: () => object): Logger {
  // Silent (the default): nothing to add the ids to, and every line would still build two objects.
  if (logger === noopLogger) return noopLogger;
  const wrap = (fn: Logger['info']) => (obj: object, msg: string) => {
    try {
      fn.call(logger, { ...bindings(), ...obj }, msg);
    } catch {
      /* a throwing user logger must never break the SDK */
    }
  };
  return { debug: wrap(logger.debug), info: wrap(logger.info), warn: wrap(logger.warn), error: wrap(logger.error) };
}

/** Whether `value` has the four methods of a Logger. */
export function isLogger(value: unknown): value is Logger {
  const v = value as Record<string, unknown> | null;
  return !!v && ['debug', 'info', 'warn', 'error'].every((m) => typeof v[m] === 'function');
}
