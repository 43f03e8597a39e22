/**
 * Body (and header) capture for the call log, per route: the options of the `call-log` policy, their
 * compiled form, and turning what the data plane captured into redacted, size-capped CallBodies.
 *
 * What the data plane provides (on the `gantry:call` event, as `capture`), for routes whose policy
 * captures: the compiled options (`CompiledCapture`, made once when the snapshot is compiled), the
 * first `maxBodyBytes` bytes of the request and response bodies as it streamed them (never more
 * buffered), their full lengths, content types, and the headers when `capture_headers` is on.
 * Everything else (decoding, redaction, JSON handling, caps) happens here, off the hot path.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { CallBodies } from '../core/call-record.js';
import { validationError } from '../core/errors.js';
import { BUILTIN_RULES, Redactor } from './redact.js';

export const CallLogOptions = Type.Object(
  {
    capture_bodies: Type.Boolean({ default: false, description: 'Store request and response bodies, redacted and size-capped.' }),
    capture_headers: Type.Boolean({
      default: false,
      description: 'Store request and response headers, redacted. Authorization, cookies and API key headers are never stored.',
    }),
    max_body_bytes: Type.Integer({
      minimum: 0,
      maximum: 1_048_576,
      default: 8192,
      description: 'Bytes kept of each body; longer bodies are cut and marked truncated.',
    }),
    redact: Type.Object(
      {
        builtins: Type.Array(Type.Union(BUILTIN_RULES.map((r) => Type.Literal(r))), {
          default: [...BUILTIN_RULES],
          uniqueItems: true,
          description: 'Built-in rules. `secrets` (tokens, API and provider keys) always applies.',
        }),
        patterns: Type.Array(
          Type.Union([
            Type.String({ minLength: 1, maxLength: 512 }),
            Type.Object(
              {
                pattern: Type.String({ minLength: 1, maxLength: 512 }),
                flags: Type.Optional(Type.String({ pattern: '^[imsu]*$', maxLength: 4 })),
                replacement: Type.Optional(Type.String({ maxLength: 100 })),
              },
              { additionalProperties: false },
            ),
          ]),
          { default: [], maxItems: 50, description: 'Regular expressions whose matches are replaced.' },
        ),
        json_paths: Type.Array(Type.String({ minLength: 2, maxLength: 256 }), {
          default: [],
          maxItems: 100,
          description: 'JSON paths into JSON bodies whose values are replaced, e.g. `$.user.password`, `$.items[*].card`.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, description: 'What the call log records of this route beyond the call record.' },
);
export type CallLogOptions = Static<typeof CallLogOptions>;
const checkOptions = TypeCompiler.Compile(CallLogOptions);

/** The options checked and precomputed, once per route. */
export interface CompiledCapture {
  bodies: boolean;
  headers: boolean;
  maxBodyBytes: number;
  redactor: Redactor;
}

/** Applies the schema's defaults, validates and compiles; throws GANTRY_ERR_VALIDATION. */
export function compileCallLogOptions(input: unknown): CompiledCapture {
  const options = withDefaults(input);
  if (!checkOptions.Check(options)) {
    const details = [...checkOptions.Errors(options)].slice(0, 5).map((e) => ({ path: e.path || '/', message: e.message }));
    throw validationError(`call-log options are not valid: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details);
  }
  return {
    bodies: options.capture_bodies,
    headers: options.capture_headers,
    maxBodyBytes: options.max_body_bytes,
    redactor: Redactor.compile(options.redact),
  };
}

function withDefaults(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const o = input as Record<string, unknown>;
  const redact = (typeof o.redact === 'object' && o.redact !== null ? o.redact : {}) as Record<string, unknown>;
  return {
    capture_bodies: false,
    capture_headers: false,
    max_body_bytes: 8192,
    ...o,
    redact: { builtins: [...BUILTIN_RULES], patterns: [], json_paths: [], ...redact },
  };
}

type Headers = Readonly<Record<string, string | string[] | number | undefined>>;

/** What the data plane captured for one call (see the module comment). */
export interface CapturedCall {
  config: CompiledCapture;
  /** The first bytes of the body (at most config.maxBodyBytes), as chunks or one buffer/string. */
  requestBody?: Buffer | readonly Buffer[] | string | null;
  /** Full length of the request body, to tell whether it was cut. */
  requestBodyBytes?: number;
  responseBody?: Buffer | readonly Buffer[] | string | null;
  responseBodyBytes?: number;
  requestHeaders?: Headers | null;
  responseHeaders?: Headers | null;
}

/** Bytes of a capture, for the pipeline's memory accounting. */
export function capturedSize(c: CapturedCall): number {
  return sizeOf(c.requestBody) + sizeOf(c.responseBody) + (c.requestHeaders ? 1024 : 0) + (c.responseHeaders ? 1024 : 0);
}

function sizeOf(body: CapturedCall['requestBody']): number {
  if (body === null || body === undefined) return 0;
  if (typeof body === 'string') return body.length * 2;
  if (Buffer.isBuffer(body)) return body.length;
  let n = 0;
  for (const b of body as readonly Buffer[]) n += b.length;
  return n;
}

const TEXTUAL = /^(?:text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|x-www-form-urlencoded|javascript|graphql|x-ndjson|yaml)|application\/x-ndjson)/i;

function contentTypeOf(headers: Headers | null | undefined): string | null {
  const v = headers?.['content-type'];
  return typeof v === 'string' ? v.toLowerCase() : null;
}

/** A content-coding other than identity (gzip, br...): such bytes cannot be read, let alone redacted. */
function encodingOf(headers: Headers | null | undefined): string | null {
  const v = headers?.['content-encoding'];
  const e = typeof v === 'string' ? v.trim().toLowerCase() : Array.isArray(v) ? v.join(', ').toLowerCase() : '';
  return e === '' || e === 'identity' ? null : e;
}

function encodedBody(raw: Buffer | null, totalBytes: number, encoding: string): { body: string | null; truncated: boolean } {
  if (raw === null || totalBytes === 0) return { body: null, truncated: false };
  return { body: `[${encoding}-encoded body: ${totalBytes} bytes]`, truncated: false };
}

function toBuffer(body: CapturedCall['requestBody']): Buffer | null {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  return Buffer.concat(body as readonly Buffer[]);
}

/** `text` cut to at most `max` UTF-8 bytes, on a character boundary. */
function capBytes(text: string, max: number): { text: string; cut: boolean } {
  if (Buffer.byteLength(text) <= max) return { text, cut: false };
  let cut = Buffer.from(text, 'utf8').subarray(0, max).toString('utf8');
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return { text: cut, cut: true };
}

/**
 * One body as stored: textual content redacted (JSON parsed and redacted by path and field name;
 * forms by field name), other content replaced by a note of its size. A JSON body cut by the cap
 * cannot be parsed, so JSON paths cannot be applied to it: when the route has JSON paths, such a
 * body is withheld rather than stored half-redacted.
 */
export function redactBody(
  raw: Buffer | null,
  totalBytes: number,
  contentType: string | null,
  config: CompiledCapture,
): { body: string | null; truncated: boolean } {
  if (raw === null || (raw.length === 0 && totalBytes === 0)) return { body: null, truncated: false };
  const kept = raw.length > config.maxBodyBytes ? raw.subarray(0, config.maxBodyBytes) : raw;
  const truncated = totalBytes > kept.length;
  if (contentType !== null && !TEXTUAL.test(contentType)) {
    return { body: `[binary body: ${totalBytes} bytes, ${contentType}]`, truncated: false };
  }
  let text = kept.toString('utf8');
  if (truncated && text.endsWith('\uFFFD')) text = text.slice(0, -1);
  const redactor = config.redactor;
  let out: string;
  const looksJson = contentType === null ? /^\s*[[{]/.test(text) : contentType.includes('json');
  if (looksJson && !contentType?.includes('ndjson')) {
    let doc: unknown;
    let parsed = false;
    try {
      doc = JSON.parse(text);
      parsed = true;
    } catch {
      parsed = false;
    }
    if (parsed) out = JSON.stringify(redactor.json(doc));
    else if (redactor.hasJsonPaths) return { body: '[body withheld: incomplete JSON, its json_paths cannot be applied]', truncated };
    else out = redactor.text(text);
  } else if (contentType?.startsWith('application/x-www-form-urlencoded')) {
    out = redactor.query(text);
  } else {
    out = redactor.text(text);
  }
  const capped = capBytes(out, config.maxBodyBytes);
  return { body: capped.text, truncated: truncated || capped.cut };
}

/** What is stored for a captured call; null when the route captures nothing. */
export function buildBodies(id: string, capture: CapturedCall): CallBodies | null {
  const config = capture.config;
  if (!config.bodies && !config.headers) return null;
  const requestType = contentTypeOf(capture.requestHeaders);
  const responseType = contentTypeOf(capture.responseHeaders);
  let request = { body: null as string | null, truncated: false };
  let response = { body: null as string | null, truncated: false };
  if (config.bodies) {
    const reqRaw = toBuffer(capture.requestBody);
    const resRaw = toBuffer(capture.responseBody);
    const reqTotal = capture.requestBodyBytes ?? reqRaw?.length ?? 0;
    const resTotal = capture.responseBodyBytes ?? resRaw?.length ?? 0;
    const reqEncoding = encodingOf(capture.requestHeaders);
    const resEncoding = encodingOf(capture.responseHeaders);
    request = reqEncoding === null ? redactBody(reqRaw, reqTotal, requestType, config) : encodedBody(reqRaw, reqTotal, reqEncoding);
    response = resEncoding === null ? redactBody(resRaw, resTotal, responseType, config) : encodedBody(resRaw, resTotal, resEncoding);
  }
  return {
    id,
    request_body: request.body,
    response_body: response.body,
    request_headers: config.headers && capture.requestHeaders ? config.redactor.headers(capture.requestHeaders) : null,
    response_headers: config.headers && capture.responseHeaders ? config.redactor.headers(capture.responseHeaders) : null,
    truncated: request.truncated || response.truncated,
  };
}
