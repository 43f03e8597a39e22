/**
 * Bedrock Runtime errors → the OpenAI error shape. The error type is in the `x-amzn-errortype`
 * header (`ThrottlingException:http://internal.amazon.com/...`) or the body's `__type`; the body
 * carries `message`. In a ConverseStream it is the `:exception-type` header (lowerCamelCase,
 * e.g. `throttlingException`). Never throws.
 */
import type { ErrorBody } from '../openai-types.js';

const BY_TYPE: Record<string, { status: number; type: string }> = {
  ThrottlingException: { status: 429, type: 'rate_limit_error' },
  ServiceQuotaExceededException: { status: 429, type: 'rate_limit_error' },
  TooManyRequestsException: { status: 429, type: 'rate_limit_error' },
  ValidationException: { status: 400, type: 'invalid_request_error' },
  AccessDeniedException: { status: 403, type: 'authentication_error' },
  UnrecognizedClientException: { status: 401, type: 'authentication_error' },
  ExpiredTokenException: { status: 401, type: 'authentication_error' },
  InvalidSignatureException: { status: 403, type: 'authentication_error' },
  MissingAuthenticationTokenException: { status: 403, type: 'authentication_error' },
  ResourceNotFoundException: { status: 404, type: 'not_found_error' },
  // Bedrock answers 408; towards the client it is an upstream timeout, not a slow client.
  ModelTimeoutException: { status: 504, type: 'timeout_error' },
  ModelNotReadyException: { status: 503, type: 'server_error' },
  ServiceUnavailableException: { status: 503, type: 'server_error' },
  InternalServerException: { status: 500, type: 'server_error' },
  ModelErrorException: { status: 502, type: 'server_error' },
  ModelStreamErrorException: { status: 502, type: 'server_error' },
};

export type HeaderBag = Headers | Readonly<Record<string, string | string[] | undefined>>;

function header(headers: HeaderBag | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  for (const [k, v] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

/** `ns#ThrottlingException:http://...` → `ThrottlingException`. */
function cleanType(raw: string): string {
  const hash = raw.lastIndexOf('#');
  const type = hash === -1 ? raw : raw.slice(hash + 1);
  const colon = type.indexOf(':');
  return (colon === -1 ? type : type.slice(0, colon)).trim();
}

function parse(body: unknown): Record<string, unknown> | undefined {
  let value = body;
  if (typeof value === 'string' || value instanceof Uint8Array) {
    try {
      value = JSON.parse(typeof value === 'string' ? value : Buffer.from(value).toString('utf8'));
    } catch {
      return undefined;
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function errorTypeForStatus(status: number): string {
  if (status === 401 || status === 403) return 'authentication_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** An error of a known Bedrock type (`ThrottlingException` or stream-style `throttlingException`). */
export function bedrockExceptionToOpenai(type: string | undefined, message: string | undefined, fallbackStatus: number): { status: number; body: ErrorBody } {
  const name = type ? cleanType(type) : '';
  const canonical = name === '' ? '' : name[0].toUpperCase() + name.slice(1);
  const status = fallbackStatus >= 400 ? fallbackStatus : 502;
  const mapped = BY_TYPE[canonical] ?? { status, type: errorTypeForStatus(status) };
  const text = message && message !== '' ? message : `Bedrock answered ${canonical || `HTTP ${fallbackStatus}`} without an error message`;
  return { status: mapped.status, body: { error: { message: text, type: mapped.type, param: null, code: canonical || null } } };
}

export function bedrockErrorToOpenai(status: number, body: unknown, headers?: HeaderBag): { status: number; body: ErrorBody } {
  const parsed = parse(body);
  const type = header(headers, 'x-amzn-errortype') ?? (typeof parsed?.__type === 'string' ? parsed.__type : undefined);
  const message = typeof parsed?.message === 'string' ? parsed.message : typeof parsed?.Message === 'string' ? parsed.Message : undefined;
  return bedrockExceptionToOpenai(type, message, status);
}
