/**
 * Error bodies between Anthropic (`{"type":"error","error":{"type","message"}}`) and OpenAI
 * (`{"error":{"message","type","param","code"}}`). SDKs pick their exception class from the HTTP
 * status, so the status is what must be right; the type is kept readable on both sides and the
 * original Anthropic type is always kept in OpenAI's `code`.
 *
 * Anthropic `overloaded_error` (529) is reported to OpenAI clients as 503: 529 is not a registered
 * status and generic HTTP clients, proxies and retry libraries do not treat it as "retry later",
 * while every OpenAI SDK retries 503. The other direction keeps the status as sent.
 */
import type { ErrorBody } from '../openai-types.js';
import type { AnthropicErrorBody, AnthropicSseOut } from './types.js';

type OpenaiError = ErrorBody['error'];

/** Anthropic type → [status for OpenAI clients (undefined: keep upstream's), OpenAI type]. */
const ANTHROPIC_TO_OPENAI: Record<string, [number | undefined, string]> = {
  invalid_request_error: [undefined, 'invalid_request_error'],
  authentication_error: [401, 'authentication_error'],
  billing_error: [402, 'insufficient_quota'],
  permission_error: [403, 'permission_error'],
  not_found_error: [404, 'not_found_error'],
  request_too_large: [413, 'invalid_request_error'],
  rate_limit_error: [429, 'rate_limit_error'],
  api_error: [undefined, 'server_error'],
  timeout_error: [504, 'timeout'],
  overloaded_error: [503, 'server_error'],
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The message inside whatever the upstream sent (its error shape, a bare string, HTML…), bounded. */
function messageOf(body: unknown, fallback: string): string {
  if (typeof body === 'string') return body.trim() === '' ? fallback : body.slice(0, 2000);
  if (isObject(body)) {
    const err = body.error;
    if (isObject(err) && typeof err.message === 'string') return err.message;
    if (typeof err === 'string') return err;
    if (typeof body.message === 'string') return body.message;
  }
  return fallback;
}

function anthropicTypeOf(body: unknown): string | undefined {
  if (isObject(body) && isObject(body.error) && typeof body.error.type === 'string') return body.error.type;
  return undefined;
}

function anthropicTypeForStatus(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 402) return 'billing_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 503 || status === 529) return 'overloaded_error';
  if (status === 504) return 'timeout_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** The OpenAI error for an Anthropic type and message (used for HTTP errors and stream `error` events). */
export function anthropicErrorToOpenaiError(type: string, message: string, upstreamStatus: number): { status: number; error: OpenaiError } {
  const mapped = ANTHROPIC_TO_OPENAI[type];
  let status = mapped?.[0] ?? upstreamStatus;
  if (status === 529) status = 503;
  if (!(status >= 400 && status <= 599)) status = 502;
  return { status, error: { message, type: mapped?.[1] ?? type, param: null, code: type } };
}

export function anthropicErrorToOpenai(status: number, body: unknown): { status: number; body: ErrorBody } {
  const type = anthropicTypeOf(body) ?? anthropicTypeForStatus(status);
  const mapped = anthropicErrorToOpenaiError(type, messageOf(body, `The upstream answered HTTP ${status}`), status);
  return { status: mapped.status, body: { error: mapped.error } };
}

export function openaiErrorToAnthropic(status: number, body: unknown): { status: number; body: AnthropicErrorBody } {
  const outStatus = status >= 400 && status <= 599 ? status : 502;
  return {
    status: outStatus,
    body: { type: 'error', error: { type: anthropicTypeForStatus(outStatus), message: messageOf(body, `The upstream answered HTTP ${status}`) } },
  };
}

/**
 * The `event: error` an Anthropic client receives for a stream output of kind `error`. The error's
 * `type` is used when it is already an Anthropic type (translators set `api_error`), else derived
 * from the status.
 */
export function anthropicStreamErrorEvent(out: { status: number; error: OpenaiError }): AnthropicSseOut {
  const known = typeof out.error.code === 'string' && out.error.code in ANTHROPIC_TO_OPENAI ? out.error.code : undefined;
  const type = out.error.type in ANTHROPIC_TO_OPENAI ? out.error.type : known ?? anthropicTypeForStatus(out.status);
  return { event: 'error', data: { type: 'error', error: { type, message: out.error.message } } };
}
