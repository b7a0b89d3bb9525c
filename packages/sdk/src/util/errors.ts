import { AVError, ErrorCode, type AVErrorDetail, type ErrorCodeValue, type Lang, type WireError } from '@hudong/protocol';

/**
 * The few ways the SDK builds AVErrors, so that every detail has the same shape:
 * `{ code: 'SUB_CODE', message: 'a sentence', ...extra }`.
 */
export type DetailExtra = Record<string, unknown>;

export function avError(code: ErrorCodeValue, subCode: string, message: string, lang: Lang, extra?: DetailExtra): AVError {
  return new AVError(code, { code: subCode, message, ...extra } as AVErrorDetail, lang);
}

/** 1005 with the detail the contract promises: `<op> got no answer within N ms`. */
export function timeoutError(op: string, ms: number, lang: Lang): AVError {
  return avError(ErrorCode.AV_ERR_TIMEOUT, 'TIMEOUT', `${op} got no answer within ${ms} ms`, lang);
}

/** 1: the connection went away before a request was answered. */
export function connectionLostError(what: string, lang: Lang): AVError {
  return avError(ErrorCode.AV_ERR_FAILED, 'CONNECTION_LOST', `the connection to the server was lost before ${what} was answered`, lang);
}

export function isConnectionLost(err: unknown): boolean {
  return err instanceof AVError && err.code === ErrorCode.AV_ERR_FAILED && err.detail?.code === 'CONNECTION_LOST';
}

/** A server error from the wire, surfaced unchanged (code and detail); unknown codes become 10001. */
export function fromWire(error: WireError, lang: Lang): AVError {
  if (AVError.isCode(error.code) && error.code >= 10001) return new AVError(error.code, error.detail, lang);
  return new AVError(ErrorCode.AV_ERR_SERVER_FAILED, { ...error.detail, serverCode: error.code } as AVErrorDetail, lang);
}

/** 1004 naming the argument at fault. */
export function invalidArgument(argument: string, message: string, lang: Lang): AVError {
  return avError(ErrorCode.AV_ERR_INVALID_ARGUMENT, 'INVALID_ARGUMENT', `${argument}: ${message}`, lang, { argument });
}

/**
 * Re-codes a failure as an operation-specific error (1501/1502, 1801–1803) while keeping its cause:
 * the detail is the cause's detail, plus `serverCode` when the cause came from the server.
 */
export function wrapFailure(code: ErrorCodeValue, cause: unknown, lang: Lang): AVError {
  const err = toAVError(cause, lang);
  const detail = err.detail ?? { code: err.codeName, message: err.message };
  return new AVError(code, { ...detail, ...(err.isServerError ? { serverCode: err.code } : {}) } as AVErrorDetail, lang);
}

/** Anything thrown inside the SDK, as an AVError: a bare Error never crosses the public API. */
export function toAVError(err: unknown, lang: Lang): AVError {
  if (err instanceof AVError) return err.lang === lang ? err : err.localize(lang);
  const message = err instanceof Error ? err.message : String(err);
  return avError(ErrorCode.AV_ERR_FAILED, 'INTERNAL', message, lang);
}

/** The fields we log for a failed operation. */
export function errorFields(err: AVError): { code: number; codeName: string; detail: AVErrorDetail | undefined } {
  return { code: err.code, codeName: err.codeName, detail: err.detail };
}
