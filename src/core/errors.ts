/**
 * The one error catalog. Every error the gateway or the admin API returns has a stable code,
 * an HTTP status and a message a person can act on. Codes are never reused or renamed: add new ones.
 */

export const ErrorCatalog = {
  // Generic
  GANTRY_ERR_INTERNAL: { status: 500, message: 'Internal error; the request id identifies it in the logs' },
  GANTRY_ERR_VALIDATION: { status: 400, message: 'The request is not valid' },
  GANTRY_ERR_BAD_REQUEST: { status: 400, message: 'Malformed request' },
  GANTRY_ERR_NOT_FOUND: { status: 404, message: 'Not found' },
  GANTRY_ERR_CONFLICT: { status: 409, message: 'Conflicts with an existing resource' },
  GANTRY_ERR_IN_USE: { status: 409, message: 'The resource is still referenced by another resource' },
  GANTRY_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Content-Type must be application/json' },

  // Admin API auth
  GANTRY_ERR_ADMIN_UNAUTHENTICATED: {
    status: 401,
    message: 'Missing or invalid admin token; send Authorization: Bearer <admin token>',
  },
  GANTRY_ERR_FORBIDDEN: { status: 403, message: 'The admin token is not allowed to do this' },
  GANTRY_ERR_METRICS_UNAUTHENTICATED: {
    status: 401,
    message: 'Missing or invalid metrics token; send Authorization: Bearer <the token set in GANTRY_METRICS_TOKEN>',
  },

  // Gateway (data plane)
  GANTRY_ERR_ROUTE_NOT_FOUND: { status: 404, message: 'No route matches this request' },
  GANTRY_ERR_UNAUTHORIZED: {
    status: 401,
    message: 'Missing or invalid API key; send Authorization: Bearer <api key>',
  },
  GANTRY_ERR_KEY_NOT_ALLOWED: { status: 403, message: "The API key's app may not call this route" },
  GANTRY_ERR_IP_DENIED: { status: 403, message: 'Requests from this client address are not allowed' },
  GANTRY_ERR_CORS_REJECTED: { status: 403, message: 'The request origin is not allowed by the CORS policy' },
  GANTRY_ERR_BODY_TOO_LARGE: { status: 413, message: 'The request body is larger than this route allows' },
  GANTRY_ERR_HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large' },
  GANTRY_ERR_REQUEST_TIMEOUT: { status: 408, message: 'The client did not send the request in time' },
  GANTRY_ERR_UPSTREAM_FAILED: { status: 502, message: 'The upstream service failed to answer' },
  GANTRY_ERR_NO_HEALTHY_TARGET: { status: 503, message: 'No healthy upstream target is available' },
  GANTRY_ERR_UPSTREAM_TIMEOUT: { status: 504, message: 'The upstream service did not answer in time' },
  GANTRY_ERR_SERVICE_DISABLED: { status: 503, message: 'The service is disabled' },
  /** Never sent (the client is gone); recorded in call events. 499 as in nginx. */
  GANTRY_ERR_CLIENT_CLOSED: { status: 499, message: 'The client closed the connection before the response was complete' },

  // AI gateway (data plane). On AI endpoints errors keep the inbound protocol's shape (OpenAI or Anthropic).
  GANTRY_ERR_AI_INVALID_REQUEST: { status: 400, message: 'The AI request is not valid' },
  GANTRY_ERR_AI_ENDPOINT_NOT_FOUND: {
    status: 404,
    message: 'This AI service answers POST /chat/completions, POST /messages, POST /embeddings and GET /models',
  },
  GANTRY_ERR_AI_MODEL_NOT_FOUND: { status: 404, message: 'The model is not available here; GET /v1/models lists the models you may use' },
  GANTRY_ERR_AI_NO_PROVIDER: { status: 503, message: 'No enabled provider with a usable key can serve this model' },
  GANTRY_ERR_AI_RATE_LIMITED: { status: 429, message: 'Every provider key for this model is cooling down after a rate limit; retry later' },
  /** The provider answered an error; the status is the provider's (translated), not this one. */
  GANTRY_ERR_AI_PROVIDER_ERROR: { status: 502, message: 'The AI provider answered with an error' },
  GANTRY_ERR_AI_PROVIDER_UNREACHABLE: { status: 502, message: 'The AI provider could not be reached' },
  GANTRY_ERR_AI_PROVIDER_TIMEOUT: { status: 504, message: 'The AI provider did not answer in time' },
  GANTRY_ERR_AI_STREAM_INTERRUPTED: { status: 502, message: 'The AI provider stream broke before the answer was complete' },
  GANTRY_ERR_AI_TOKEN_LIMIT: {
    status: 429,
    message: "The app reached its AI tokens-per-minute limit; retry after Retry-After seconds, send a lower max_tokens, or raise the app's tokens_per_minute",
  },
  GANTRY_ERR_AI_BUDGET_EXCEEDED: {
    status: 429,
    message: "The app reached its AI spend limit for the UTC day or calendar month; it resets at the next UTC midnight or month start, or raise the app's spend_per_day_usd / spend_per_month_usd",
  },

  // Rate limiting and caching (data plane)
  GANTRY_ERR_RATE_LIMITED: {
    status: 429,
    message: 'The request exceeded a rate limit; the message names the limit, and Retry-After says when to retry',
  },
  GANTRY_ERR_RATE_LIMIT_UNAVAILABLE: {
    status: 503,
    message: "The rate limit cannot be checked (its Redis is unreachable) and the limit is set to fail closed; retry after Retry-After seconds",
  },
  GANTRY_ERR_NOT_CACHED: {
    status: 504,
    message: 'The request says only-if-cached and no stored response can answer it; retry without only-if-cached',
  },
  GANTRY_ERR_CACHE_PURGE_FAILED: {
    status: 503,
    message: 'The purge could not reach the shared cache (Redis) or announce itself to the other nodes; nothing is lost by retrying it',
  },

  // Secrets at rest
  GANTRY_ERR_SECRET_UNREADABLE: {
    status: 500,
    message:
      'A stored secret cannot be decrypted: the secret key (GANTRY_SECRET_KEY or <data dir>/secret.key) does not match the one the value was sealed with',
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ErrorCatalog;

export interface ErrorDetail {
  /** JSON pointer-ish path of the offending field, e.g. `/targets/0/url`. */
  path?: string;
  message: string;
}

export class GantryError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: ErrorDetail[];

  constructor(code: ErrorCode, message?: string, opts: { cause?: unknown; details?: ErrorDetail[] } = {}) {
    super(message ?? ErrorCatalog[code].message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'GantryError';
    this.code = code;
    this.status = ErrorCatalog[code].status;
    if (opts.details) this.details = opts.details;
  }

  /** The JSON body a client sees. Never includes the cause or a stack. */
  toBody(requestId?: string): { error: { code: ErrorCode; message: string; request_id?: string; details?: ErrorDetail[] } } {
    const body: { code: ErrorCode; message: string; request_id?: string; details?: ErrorDetail[] } = {
      code: this.code,
      message: this.message,
    };
    if (requestId) body.request_id = requestId;
    if (this.details) body.details = this.details;
    return { error: body };
  }
}

export function isGantryError(err: unknown): err is GantryError {
  return err instanceof GantryError;
}

/** Validation failure with field-level details. */
export function validationError(message: string, details?: ErrorDetail[]): GantryError {
  return new GantryError('GANTRY_ERR_VALIDATION', message, details ? { details } : {});
}
