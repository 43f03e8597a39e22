/**
 * Errors on AI endpoints keep the inbound protocol's shape, so SDKs raise their typed errors:
 *   OpenAI     {"error": {"message", "type", "param", "code", "request_id"}}
 *   Anthropic  {"type": "error", "error": {"type", "message", "code"}, "request_id"}
 * `code` is always the GANTRY_ERR_... code; an error the provider sent keeps the provider's own code
 * in `provider_code` (OpenAI shape) and its status. In streams the same error is an event: OpenAI
 * `data: {"error": …}` (and no `[DONE]`), Anthropic `event: error`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { GantryError, isGantryError, type ErrorCode } from '../../core/errors.js';
import type { RequestContext } from '../../gateway/context.js';
import { openaiErrorToAnthropic } from '../protocols/anthropic/errors.js';
import type { ErrorBody } from '../protocols/openai-types.js';

export type Inbound = 'openai' | 'anthropic';

export interface AiFailure {
  status: number;
  code: ErrorCode;
  message: string;
  /** OpenAI error type. */
  type: string;
  param: string | null;
  /** The provider's own error code, when the provider sent the error. */
  providerCode?: string | null;
  /** Anthropic error type to keep for Anthropic clients (an Anthropic provider's own type). */
  anthropicType?: string;
  /** `Retry-After` to send. */
  retryAfter?: string;
}

function openaiTypeFor(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

export function failureOf(err: GantryError, status = err.status): AiFailure {
  const details = err.details;
  const param = details?.[0]?.path ? details[0].path : null;
  return { status, code: err.code, message: err.message, type: openaiTypeFor(status), param };
}

/** Any thrown value as a failure; unexpected ones become GANTRY_ERR_INTERNAL (the caller logs them). */
export function toFailure(err: unknown): AiFailure {
  if (isGantryError(err)) {
    // Translators report unusable input as GANTRY_ERR_VALIDATION; on AI endpoints that is an invalid request.
    if (err.code === 'GANTRY_ERR_VALIDATION') return { ...failureOf(err), code: 'GANTRY_ERR_AI_INVALID_REQUEST' };
    return failureOf(err);
  }
  return failureOf(new GantryError('GANTRY_ERR_INTERNAL'));
}

/** A provider error translated to OpenAI terms, as the failure sent to the client. */
export function providerFailure(status: number, error: ErrorBody['error'], anthropicType?: string): AiFailure {
  const f: AiFailure = {
    status,
    code: 'GANTRY_ERR_AI_PROVIDER_ERROR',
    message: typeof error.message === 'string' && error.message !== '' ? error.message : `The provider answered HTTP ${status}`,
    type: typeof error.type === 'string' && error.type !== '' ? error.type : openaiTypeFor(status),
    param: typeof error.param === 'string' ? error.param : null,
    providerCode: error.code === undefined || error.code === null ? null : String(error.code),
  };
  if (anthropicType !== undefined) f.anthropicType = anthropicType;
  return f;
}

function anthropicTypeOf(f: AiFailure): string {
  return f.anthropicType ?? openaiErrorToAnthropic(f.status, null).body.error.type;
}

export function failureJson(inbound: Inbound, f: AiFailure, requestId: string): string {
  if (inbound === 'anthropic') {
    return JSON.stringify({ type: 'error', error: { type: anthropicTypeOf(f), message: f.message, code: f.code }, request_id: requestId });
  }
  const error: Record<string, unknown> = { message: f.message, type: f.type, param: f.param, code: f.code };
  if (f.providerCode !== undefined) error.provider_code = f.providerCode;
  error.request_id = requestId;
  return JSON.stringify({ error });
}

/** The error as one stream event of the inbound protocol. */
export function failureEvent(inbound: Inbound, f: AiFailure): string {
  if (inbound === 'anthropic') {
    return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: anthropicTypeOf(f), message: f.message, code: f.code } })}\n\n`;
  }
  const error: Record<string, unknown> = { message: f.message, type: f.type, param: f.param, code: f.code };
  if (f.providerCode !== undefined) error.provider_code = f.providerCode;
  return `data: ${JSON.stringify({ error })}\n\n`;
}

/** Which protocol a request on an AI route speaks, before its endpoint is known (errors from policies). */
export function guessInbound(rawPath: string, headers: IncomingHttpHeaders): Inbound {
  if (rawPath.endsWith('/messages') || rawPath.endsWith('/messages/')) return 'anthropic';
  return headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
}

/** Body of a GantryError raised by the pipeline (key-auth, size limit...) on an AI route. */
export function aiErrorBody(ctx: RequestContext, err: GantryError): string {
  return failureJson(guessInbound(ctx.rawPath, ctx.headers), failureOf(err), ctx.requestId);
}

/**
 * Answers `f` when nothing was sent yet; otherwise only closes. The request body may still be
 * arriving (413, or a failure before it was read): the connection is then closed after the answer.
 */
export function sendFailure(ctx: RequestContext, inbound: Inbound, f: AiFailure): void {
  const res = ctx.res;
  if (res === null || res.writableEnded || res.destroyed) return;
  ctx.status = f.status;
  ctx.errorCode = f.code;
  if (ctx.answered || res.headersSent) {
    res.destroy();
    return;
  }
  ctx.answered = true;
  const body = failureJson(inbound, f, ctx.requestId);
  const headers = ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(body)), 'x-request-id', ctx.requestId, 'cache-control', 'no-store'];
  if (f.retryAfter !== undefined) headers.push('retry-after', f.retryAfter);
  const extra = ctx.responseExtra;
  if (extra !== null) for (let i = 0; i < extra.length; i++) headers.push(extra[i]);
  const req = ctx.req;
  if (!req.complete) {
    headers.push('connection', 'close');
    req.resume();
  } else if (ctx.gateway.closing) {
    headers.push('connection', 'close');
  }
  res.writeHead(f.status, headers);
  res.end(body);
}
