/** What an undici failure means for the client (status, code) and for retries. */
import { GantryError, isGantryError } from '../../core/errors.js';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** A connection that broke after the request was sent and before the response: safe to resend only if idempotent. */
const RESET_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED']);

/** Our own mistakes (a header undici refuses): retrying or blaming the target makes no sense. */
const LOCAL_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_CHAR']);

export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

export function isLocalError(err: unknown): boolean {
  return isGantryError(err) || LOCAL_CODES.has(errorCode(err));
}

export function isResetError(err: unknown): boolean {
  return RESET_CODES.has(errorCode(err));
}

export function toGantryError(err: unknown, targetName: string): GantryError {
  if (isGantryError(err)) return err;
  const code = errorCode(err);
  if (TIMEOUT_CODES.has(code)) {
    const what = code === 'UND_ERR_CONNECT_TIMEOUT' ? 'accept a connection' : 'answer';
    return new GantryError('GANTRY_ERR_UPSTREAM_TIMEOUT', `The upstream ${targetName} did not ${what} in time`, { cause: err });
  }
  return new GantryError('GANTRY_ERR_UPSTREAM_FAILED', `The upstream ${targetName} failed: ${code || (err as Error)?.message || 'error'}`, { cause: err });
}
