import { pino, type Logger } from 'pino';
import type { ServerError } from './errors.js';
import type { LogLevel } from './config.js';

export type { Logger };

/** JSON lines to stdout: what `hudong diagnose` and log shippers read. */
export function createDefaultLogger(level: LogLevel): Logger {
  return pino({ level });
}

/** Who asked what, to tie a client's error to this server's log line. */
export interface RequestLogFields {
  /** Connection number, to follow one client through the log. */
  conn?: number;
  reqId: number | null;
  method: string | null;
  identifier: string | null;
  tinyId: string | null;
  roomId: number | null;
}

/**
 * One warn line per error answered to a client. The shape is a contract: `hudong diagnose` reads
 * `code` and `detail` from lines whose msg is 'request failed'.
 */
export function logRequestFailure(logger: Logger, fields: RequestLogFields, error: ServerError): void {
  logger.warn(
    { ...fields, code: error.code, codeName: error.codeName, detail: { code: error.detail.code, message: error.detail.message } },
    'request failed',
  );
}
