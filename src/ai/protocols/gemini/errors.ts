/**
 * Google API errors (`{error: {code, message, status, details}}`, google.rpc.Status) → the OpenAI
 * error shape SDKs parse. Never throws, whatever the body.
 */
import type { ErrorBody } from '../openai-types.js';
import type { GoogleErrorBody } from './types.js';

const BY_STATUS: Record<string, { status: number; type: string }> = {
  INVALID_ARGUMENT: { status: 400, type: 'invalid_request_error' },
  FAILED_PRECONDITION: { status: 400, type: 'invalid_request_error' },
  OUT_OF_RANGE: { status: 400, type: 'invalid_request_error' },
  UNAUTHENTICATED: { status: 401, type: 'authentication_error' },
  PERMISSION_DENIED: { status: 403, type: 'authentication_error' },
  NOT_FOUND: { status: 404, type: 'not_found_error' },
  RESOURCE_EXHAUSTED: { status: 429, type: 'rate_limit_error' },
  CANCELLED: { status: 502, type: 'server_error' },
  INTERNAL: { status: 500, type: 'server_error' },
  UNKNOWN: { status: 502, type: 'server_error' },
  UNAVAILABLE: { status: 503, type: 'server_error' },
  DEADLINE_EXCEEDED: { status: 504, type: 'timeout_error' },
};

/** The OpenAI error type for an HTTP status when the body names no Google status. */
export function errorTypeForStatus(status: number): string {
  if (status === 401 || status === 403) return 'authentication_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function parse(body: unknown): GoogleErrorBody['error'] | undefined {
  let value = body;
  if (typeof value === 'string' || value instanceof Uint8Array) {
    try {
      value = JSON.parse(typeof value === 'string' ? value : Buffer.from(value).toString('utf8'));
    } catch {
      return undefined;
    }
  }
  // streamGenerateContent without alt=sse answers a JSON array, errors included.
  if (Array.isArray(value)) value = value[0];
  if (typeof value !== 'object' || value === null) return undefined;
  const error = (value as GoogleErrorBody).error;
  return typeof error === 'object' && error !== null ? error : undefined;
}

export function geminiErrorToOpenai(status: number, body: unknown): { status: number; body: ErrorBody } {
  const error = parse(body);
  const googleStatus = typeof error?.status === 'string' ? error.status : undefined;
  const httpStatus = status >= 400 ? status : typeof error?.code === 'number' && error.code >= 400 ? error.code : 502;
  // A wrong API key is INVALID_ARGUMENT (400) with reason API_KEY_INVALID: an auth failure.
  const keyInvalid = Array.isArray(error?.details) && error.details.some((d) => d?.reason === 'API_KEY_INVALID');
  const mapped = keyInvalid
    ? { status: 401, type: 'authentication_error' }
    : (googleStatus !== undefined ? BY_STATUS[googleStatus] : undefined) ?? { status: httpStatus, type: errorTypeForStatus(httpStatus) };
  const message = typeof error?.message === 'string' && error.message !== '' ? error.message : `Gemini answered HTTP ${status} without an error message`;
  return {
    status: mapped.status,
    body: { error: { message, type: mapped.type, param: null, code: keyInvalid ? 'API_KEY_INVALID' : (googleStatus ?? null) } },
  };
}
