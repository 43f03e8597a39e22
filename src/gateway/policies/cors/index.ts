/**
 * cors: answers preflights itself (204, or 403 for an origin not allowed) and adds CORS headers to
 * actual responses from allowed origins, gateway errors included. It runs before key-auth so
 * preflights need no key. A disallowed origin on an actual request just gets no CORS headers.
 */
import { GantryError, validationError, type ErrorDetail } from '../../../core/errors.js';
import type { RequestContext } from '../../context.js';
import type { PolicyDefinition } from '../types.js';
import { CorsOptions } from './schema.js';

interface OriginPattern {
  /** `https` / `http`, or null for any. */
  scheme: string | null;
  /** `.example.com` */
  suffix: string;
  port: string | null;
}

const EXACT = /^(https?):\/\/([a-z0-9.-]+|\[[0-9a-f:.]+\])(:[0-9]{1,5})?$/;
const PATTERN = /^(?:(https?):\/\/)?\*(\.[a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::([0-9]{1,5}))?$/;

/** Upstream CORS headers are replaced by the policy's. */
const UPSTREAM_CORS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-expose-headers',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-max-age',
];

function matchesPattern(origin: string, patterns: OriginPattern[]): boolean {
  const sep = origin.indexOf('://');
  if (sep === -1) return false;
  const scheme = origin.slice(0, sep);
  let host = origin.slice(sep + 3);
  let port: string | null = null;
  const colon = host.lastIndexOf(':');
  if (colon !== -1 && host.indexOf(']') < colon) {
    port = host.slice(colon + 1);
    host = host.slice(0, colon);
  }
  for (const p of patterns) {
    if (p.scheme !== null && p.scheme !== scheme) continue;
    if (p.port !== null && p.port !== port) continue;
    if (host.length > p.suffix.length && host.endsWith(p.suffix)) return true;
  }
  return false;
}

export const corsPolicy: PolicyDefinition<typeof CorsOptions, RequestContext> = {
  type: 'cors',
  description: 'Cross-origin resource sharing: answer preflights at the gateway and add CORS headers to responses.',
  schema: CorsOptions,
  priority: 200,
  phases: ['access'],
  create(options) {
    const details: ErrorDetail[] = [];
    let allowAll = false;
    const exact = new Set<string>();
    const patterns: OriginPattern[] = [];
    options.origins.forEach((raw, i) => {
      const o = raw.trim().toLowerCase();
      let m: RegExpExecArray | null;
      if (o === '*') allowAll = true;
      else if (EXACT.test(o)) exact.add(o);
      else if ((m = PATTERN.exec(o)) !== null) patterns.push({ scheme: m[1] ?? null, suffix: m[2], port: m[3] ?? null });
      else details.push({ path: `/origins/${i}`, message: `"${raw}" is not *, an origin (https://host[:port]) or a pattern (*.example.com)` });
    });
    if (details.length !== 0) throw validationError(`Invalid CORS origins: ${details.map((d) => d.message).join('; ')}`, details);

    const credentials = options.credentials;
    const wildcardAnswer = allowAll && !credentials;
    const allowMethods = options.methods.map((m) => m.toUpperCase()).join(', ');
    const allowHeaders = options.headers.length === 0 ? null : options.headers.join(', ');
    const exposeHeaders = options.expose_headers.length === 0 ? null : options.expose_headers.join(', ');
    const maxAge = options.max_age_s === undefined ? null : String(options.max_age_s);

    // Headers that do not depend on the origin, precomputed.
    const actualTail: string[] = [];
    if (!wildcardAnswer) actualTail.push('vary', 'Origin');
    if (credentials) actualTail.push('access-control-allow-credentials', 'true');
    if (exposeHeaders !== null) actualTail.push('access-control-expose-headers', exposeHeaders);
    const wildcardActual = ['access-control-allow-origin', '*', ...actualTail];
    const varyOnly = wildcardAnswer ? null : ['vary', 'Origin'];

    const preflightTail: string[] = ['access-control-allow-methods', allowMethods];
    if (credentials) preflightTail.push('access-control-allow-credentials', 'true');
    if (maxAge !== null) preflightTail.push('access-control-max-age', maxAge);
    if (allowHeaders !== null) preflightTail.push('access-control-allow-headers', allowHeaders);

    function isAllowed(origin: string): boolean {
      if (allowAll || exact.has(origin)) return true;
      const lower = origin.toLowerCase();
      return (lower !== origin && exact.has(lower)) || (patterns.length !== 0 && matchesPattern(lower, patterns));
    }

    function cors(ctx: RequestContext): void {
      const origin = ctx.headers.origin;
      const isPreflight = ctx.method === 'OPTIONS' && origin !== undefined && ctx.headers['access-control-request-method'] !== undefined;
      if (isPreflight) {
        if (!isAllowed(origin)) throw new GantryError('GANTRY_ERR_CORS_REJECTED', `Origin ${origin} is not allowed`);
        const headers = ['access-control-allow-origin', wildcardAnswer ? '*' : origin];
        if (!wildcardAnswer) headers.push('vary', 'Origin');
        headers.push(...preflightTail);
        const requested = ctx.headers['access-control-request-headers'];
        if (allowHeaders === null && requested !== undefined) {
          headers.push('access-control-allow-headers', requested, 'vary', 'Access-Control-Request-Headers');
        }
        ctx.respond(204, headers);
        return;
      }
      if (origin === undefined || !isAllowed(origin)) {
        if (varyOnly !== null) ctx.addResponseHeaders(varyOnly);
        return;
      }
      ctx.dropResponseHeaders(UPSTREAM_CORS);
      ctx.addResponseHeaders(wildcardAnswer ? wildcardActual : ['access-control-allow-origin', origin, ...actualTail]);
    }
    return { access: cors };
  },
};
