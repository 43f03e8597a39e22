/**
 * How the admin API turns failures into the catalog's error bodies: schema validation (Ajv errors →
 * field-level details and a sentence a person can act on), Fastify's own request errors (bad JSON,
 * wrong media type, body too large), GantryErrors thrown by handlers and the store, and everything
 * unexpected (500, logged with its cause, nothing internal sent to the client).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { GantryError, isGantryError, type ErrorDetail } from '../core/errors.js';

/** An Ajv error as Fastify passes it, with the extra fields Ajv's `verbose` option adds. */
interface AjvError {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message?: string;
  schema?: unknown;
  parentSchema?: Record<string, unknown>;
}

export const BODY_LIMIT_BYTES = 1024 * 1024;

const WHERE: Record<string, string> = {
  body: 'Request body',
  querystring: 'Query parameter',
  params: 'Path parameter',
  headers: 'Header',
};

function describe(error: AjvError): ErrorDetail {
  const path = error.instancePath;
  switch (error.keyword) {
    case 'required':
      return { path: `${path}/${String(error.params.missingProperty)}`, message: 'is required' };
    case 'additionalProperties':
      return {
        path: `${path}/${String(error.params.additionalProperty)}`,
        message: 'is not a known field; remove it',
      };
    case 'pattern': {
      const hint = error.parentSchema?.description;
      const message = `must match pattern "${String(error.params.pattern)}"`;
      return { path, message: typeof hint === 'string' ? `${message} (${hint})` : message };
    }
    case 'enum':
      return { path, message: `must be one of: ${formatValues(error.params.allowedValues)}` };
    default:
      return { path, message: error.message ?? `fails the "${error.keyword}" rule` };
  }
}

function formatValues(values: unknown): string {
  return Array.isArray(values) ? values.map((v) => JSON.stringify(v)).join(', ') : String(values);
}

/**
 * `anyOf` (TypeBox unions: literal sets, nullable fields) makes Ajv report one error per branch
 * plus the union itself. Fold each union into a single detail: the allowed values for literal sets,
 * the most specific branch failure otherwise (a format or pattern beats "must be null").
 */
function describeUnion(union: AjvError, children: AjvError[]): ErrorDetail {
  const branches = Array.isArray(union.schema) ? (union.schema as Record<string, unknown>[]) : [];
  if (branches.length > 0 && branches.every((b) => 'const' in b)) {
    return { path: union.instancePath, message: `must be one of: ${formatValues(branches.map((b) => b.const))}` };
  }
  const specific = children.find((c) => c.keyword !== 'type' && c.keyword !== 'anyOf');
  if (specific) return describe(specific);
  const types = branches.map((b) => b.type).filter((t): t is string => typeof t === 'string');
  if (types.length > 0) return { path: union.instancePath, message: `must be ${types.join(' or ')}` };
  return describe(union);
}

export function detailsFromAjv(errors: readonly AjvError[]): ErrorDetail[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf');
  const childrenOf = (union: AjvError) =>
    errors.filter((e) => e !== union && e.schemaPath.startsWith(`${union.schemaPath}/`));
  const folded = new Set<AjvError>();
  for (const union of unions) for (const child of childrenOf(union)) folded.add(child);

  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (folded.has(error)) continue;
    const detail = error.keyword === 'anyOf' ? describeUnion(error, childrenOf(error)) : describe(error);
    const key = `${detail.path}\u0000${detail.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    details.push(detail);
  }
  return details;
}

/** One sentence about the first problem, e.g. "Request body field 'targets/0/url' must match ...". */
export function summarize(context: string, details: readonly ErrorDetail[]): string {
  const first = details[0];
  const where = WHERE[context] ?? 'Request';
  if (!first) return `${where} is not valid`;
  if (context === 'body' && first.path === '' && /must be object/.test(first.message)) {
    return 'The request body must be a JSON object, sent with Content-Type: application/json';
  }
  const field = first.path ? ` ${context === 'body' ? 'field ' : ''}'${first.path.slice(1)}'` : '';
  const more = details.length > 1 ? ` (and ${details.length - 1} more problem${details.length > 2 ? 's' : ''})` : '';
  return `${where}${field} ${first.message}${more}`;
}

/** Fastify `schemaErrorFormatter`: validation failures become GANTRY_ERR_VALIDATION directly. */
export function formatSchemaErrors(errors: readonly unknown[], context: string): Error {
  const details = detailsFromAjv(errors as AjvError[]);
  return new GantryError('GANTRY_ERR_VALIDATION', summarize(context, details), { details });
}

function mebibytes(bytes: number): string {
  return `${Number((bytes / (1024 * 1024)).toFixed(2))} MiB`;
}

function fromFastify(error: FastifyError, request: FastifyRequest): GantryError {
  if (isGantryError(error)) return error;
  const status = error.statusCode ?? 500;
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GantryError('GANTRY_ERR_UNSUPPORTED_MEDIA_TYPE', undefined, { cause: error });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GantryError(
        'GANTRY_ERR_BODY_TOO_LARGE',
        `The request body is larger than ${mebibytes(request.routeOptions.bodyLimit)}`,
        { cause: error },
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GantryError('GANTRY_ERR_BAD_REQUEST', 'The body is empty but Content-Type is application/json', {
        cause: error,
      });
  }
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new GantryError('GANTRY_ERR_BAD_REQUEST', 'The request body is not valid JSON', { cause: error });
  }
  if (status === 400 && error instanceof SyntaxError) {
    // e.g. a `__proto__` key, which Fastify's parser refuses
    return new GantryError('GANTRY_ERR_BAD_REQUEST', `The request body is not acceptable JSON: ${error.message}`, {
      cause: error,
    });
  }
  if (error.validation) {
    // Only reached if a validation error bypassed formatSchemaErrors.
    const details = detailsFromAjv(error.validation as unknown as AjvError[]);
    return new GantryError('GANTRY_ERR_VALIDATION', summarize(error.validationContext ?? 'body', details), {
      details,
      cause: error,
    });
  }
  if (status >= 400 && status < 500) {
    return new GantryError('GANTRY_ERR_BAD_REQUEST', error.message, { cause: error });
  }
  return new GantryError('GANTRY_ERR_INTERNAL', undefined, { cause: error });
}

export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const gantryError = fromFastify(error, request);
  if (gantryError.status >= 500) {
    request.log.error({ err: error, code: gantryError.code }, 'admin API request failed');
    // The specific message (a driver error, a host name) goes to the log; the client gets the
    // catalog's message and the request id that finds it there.
    void reply.status(gantryError.status).send(new GantryError(gantryError.code).toBody(request.id));
    return;
  }
  void reply.status(gantryError.status).send(gantryError.toBody(request.id));
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): void {
  const path = (request.url.split('?')[0] ?? '').slice(0, 200);
  const error = new GantryError('GANTRY_ERR_NOT_FOUND', `No admin API endpoint ${request.method} ${path}`);
  void reply.status(404).send(error.toBody(request.id));
}

/** 404 for a resource that does not exist *or is outside the caller's scope*: the two look alike. */
export function notFound(kind: string, id: string): GantryError {
  return new GantryError('GANTRY_ERR_NOT_FOUND', `${kind} '${id}' not found`);
}
