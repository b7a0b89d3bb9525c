import { ErrorCode, lookupError } from '@hudong/protocol';
import type { ServerError } from '../errors.js';

/** The one error body of the server API (API.md section 6). */
export interface ApiErrorBody {
  code: number;
  codeName: string;
  message: string;
  detail: { code: string; message: string };
}

const STATUS: Partial<Record<number, number>> = {
  [ErrorCode.AV_ERR_SERVER_INVALID_ARGUMENT]: 400,
  [ErrorCode.AV_ERR_SERVER_NO_PERMISSION]: 401,
  [ErrorCode.AV_ERR_SERVER_ROOM_NOT_EXIST]: 404,
  [ErrorCode.AV_ERR_SERVER_ENDPOINT_NOT_EXIST]: 404,
  [ErrorCode.AV_ERR_SERVER_NOT_IMPLEMENT]: 404,
  [ErrorCode.AV_ERR_SERVER_ID_NOT_IN_ROOM]: 409,
  [ErrorCode.AV_ERR_SERVER_REPEATED_OPERATION]: 409,
  [ErrorCode.AV_ERR_SERVER_ALLOC_RESOURCE_FAILED]: 503,
  [ErrorCode.AV_ERR_SERVER_TIMEOUT]: 504,
  [ErrorCode.AV_ERR_SERVER_INVALID_ABILITY]: 400,
};

/** The HTTP status and body of a failed server API call. */
export function apiError(err: ServerError): { status: number; body: ApiErrorBody } {
  return {
    status: STATUS[err.code] ?? 500,
    body: {
      code: err.code,
      codeName: err.codeName,
      message: lookupError(err.code)?.meaning.en ?? 'server error',
      detail: { code: err.detail.code, message: err.detail.message },
    },
  };
}
