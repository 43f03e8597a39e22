/**
 * The path sent upstream: service path + (rewrite template | request path minus the route's
 * literal prefix | request path) + the original query. Works on the raw request string: nothing is
 * decoded and re-encoded, so what the client escaped stays escaped.
 */
import { validationError } from '../core/errors.js';
import type { CompiledPath, CompiledRoute, PathSegment, TemplatePart } from './snapshot/types.js';

const PARAM_NAME = /^[A-Za-z0-9_]+$/;

export function compilePath(pattern: string): CompiledPath {
  let end = pattern.length;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === 42 /* * */) {
      end = i;
      break;
    }
    if (c === 58 /* : */) {
      if (pattern.charCodeAt(i + 1) === 58) {
        i++; // `::` is an escaped colon
        continue;
      }
      end = i;
      break;
    }
  }
  const literalPrefix = pattern.slice(0, end).replaceAll('::', ':');
  let prefixSlashes = 0;
  for (let i = 0; i < literalPrefix.length; i++) if (literalPrefix.charCodeAt(i) === 47) prefixSlashes++;
  return { pattern, literalPrefix, prefixSlashes, segments: compileSegments(pattern) };
}

function compileSegments(pattern: string): PathSegment[] | null {
  const segments: PathSegment[] = [];
  const parts = pattern.split('/');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const star = part.indexOf('*');
    if (star !== -1) {
      if (part.includes(':') || i !== parts.length - 1) return null;
      segments.push({ kind: 'wildcard', literalLength: star });
    } else if (part.startsWith(':') && !part.startsWith('::')) {
      const name = part.slice(1).replace(/\(.*\)$/, '');
      if (!PARAM_NAME.test(name)) return null; // several params or static text in one segment
      segments.push({ kind: 'param', name });
    } else if (part.includes(':') && !/^[^:]*(::[^:]*)*$/.test(part)) {
      return null;
    } else {
      segments.push({ kind: 'literal' });
    }
  }
  return segments;
}

/** `/v2/users/:id/*` → parts. Every param must exist in at least one of the route's paths. */
export function compileTemplate(template: string, paths: readonly string[], routeName: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  const re = /:([A-Za-z0-9_]+)|\*/g;
  let last = 0;
  for (let m = re.exec(template); m !== null; m = re.exec(template)) {
    if (m.index > last) parts.push(template.slice(last, m.index));
    const name = m[1] ?? '*';
    const known = name === '*' ? paths.some((p) => p.includes('*')) : paths.some((p) => p.includes(`:${name}`));
    if (!known) {
      throw validationError(`Route "${routeName}": rewrite_path uses ${name === '*' ? '*' : `:${name}`}, which none of its paths defines`, [
        { path: '/rewrite_path', message: `unknown substitution ${name === '*' ? '*' : `:${name}`}` },
      ]);
    }
    parts.push({ param: name });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  return parts;
}

/**
 * Params as they appear in the raw path. find-my-way decodes them; when the raw path holds escapes
 * they are read back from the raw segments (params spanning part of a segment are re-escaped).
 */
export function rawParams(
  path: CompiledPath,
  rawPath: string,
  params: Readonly<Record<string, string | undefined>>,
): Readonly<Record<string, string | undefined>> {
  if (rawPath.indexOf('%') === -1) return params;
  const out: Record<string, string | undefined> = Object.create(null);
  const segments = path.segments;
  if (segments === null) {
    for (const k in params) {
      const v = params[k];
      out[k] = v === undefined ? v : k === '*' ? encodeURI(v) : encodeURIComponent(v);
    }
    return out;
  }
  const raw = rawPath.split('/');
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (seg.kind === 'param') out[seg.name] = raw[i];
    else if (seg.kind === 'wildcard') out['*'] = i < raw.length ? raw.slice(i).join('/').slice(seg.literalLength) : '';
  }
  return out;
}

function stripPrefix(path: CompiledPath, rawPath: string): string {
  const prefix = path.literalPrefix;
  let rest: string;
  if (rawPath.startsWith(prefix)) {
    rest = rawPath.slice(prefix.length);
  } else if (rawPath.length < prefix.length && prefix.startsWith(rawPath)) {
    rest = ''; // `/static` matched by `/static/*`
  } else {
    // The literal part was escaped by the client: skip as many segments as the prefix spans.
    let idx = 0;
    for (let n = 0; n < path.prefixSlashes && idx !== -1; n++) idx = rawPath.indexOf('/', idx) + 1 || -1;
    rest = idx === -1 ? '' : rawPath.slice(idx);
  }
  return rest.charCodeAt(0) === 47 ? rest : '/' + rest;
}

function renderTemplate(parts: TemplatePart[], params: Readonly<Record<string, string | undefined>>): string {
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    out += typeof part === 'string' ? part : (params[part.param] ?? '');
  }
  return out;
}

export function upstreamPath(
  route: CompiledRoute,
  path: CompiledPath,
  rawPath: string,
  query: string,
  params: Readonly<Record<string, string | undefined>>,
): string {
  let p: string;
  if (route.rewrite !== null) p = renderTemplate(route.rewrite, rawParams(path, rawPath, params));
  else if (route.stripPrefix) p = stripPrefix(path, rawPath);
  else p = rawPath;
  const prefix = route.service.pathPrefix;
  if (prefix !== '') p = prefix + p;
  return query === '' ? p : p + query;
}
