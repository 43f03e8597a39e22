/**
 * Builds the find-my-way router of a snapshot and looks requests up in it.
 *
 * Every path is registered once, in one tree, with two custom constraints instead of once per
 * method tree (find-my-way compiles code per registration; a catch-all route would otherwise cost
 * 30+ registrations per path):
 *  - `verb`: the methods a route answers (`*` for all). No match at a node lets find-my-way
 *    backtrack to a less specific path, as separate method trees would.
 *  - `vhost`: an exact host or a `*.example.com` pattern. Handlers with a host carry one more
 *    constraint than those without, so they win; exact hosts are registered after wildcards so,
 *    among equals, they win too.
 * Conflicts (two routes answering the same method + host + path) are found by our own map, so the
 * error can name both routes.
 */
import FindMyWay from 'find-my-way';
import { GantryError, validationError } from '../core/errors.js';
import { compilePath } from './paths.js';
import type { CompiledRoute, RouteEntry, Router } from './snapshot/types.js';

export interface RouteSpec {
  compiled: CompiledRoute;
  methods: readonly string[];
  hosts: readonly string[];
  paths: readonly string[];
}

/** Registered host constraint: exact name or wildcard pattern (objects, never plain strings, so lookups and registrations cannot be confused). */
type HostValue = { exact: string } | { suffix: string };

const ANY_METHOD = '*';
const EMPTY_QUERY = Object.freeze({}) as Record<string, string>;
function noop(): void {}
function skipQueryParsing(): Record<string, string> {
  return EMPTY_QUERY;
}

/** Storage of method → bit set of handlers; `*` handlers answer every method. */
const verbStrategy = {
  name: 'verb',
  mustMatchWhenDerived: false,
  storage() {
    const byMethod = new Map<string, number>();
    let any = 0;
    return {
      get(method: string): number | null {
        if (method === ANY_METHOD) return any;
        return (byMethod.get(method) ?? 0) | any || null;
      },
      set(methods: string, bits: unknown): void {
        if (methods === ANY_METHOD) any |= bits as number;
        else for (const m of methods.split('|')) byMethod.set(m, (byMethod.get(m) ?? 0) | (bits as number));
      },
    };
  },
  deriveConstraint(req: { method?: string }): string {
    return req.method ?? 'GET';
  },
  validate(value: unknown): void {
    if (typeof value !== 'string') throw new TypeError('verb constraint must be a string');
  },
};

/** Storage of host → bit set of handlers: exact names and wildcard suffixes both answer a lookup. */
const vhostStrategy = {
  name: 'vhost',
  mustMatchWhenDerived: false,
  storage() {
    const exact = new Map<string, number>();
    const wildcards: Array<{ suffix: string; bits: number }> = [];
    return {
      get(value: string | HostValue): number | null {
        if (typeof value !== 'string') {
          if ('exact' in value) return exact.get(value.exact) ?? null;
          return wildcards.find((w) => w.suffix === value.suffix)?.bits ?? null;
        }
        let bits = exact.get(value) ?? 0;
        for (let i = 0; i < wildcards.length; i++) {
          const w = wildcards[i];
          if (value.length > w.suffix.length && value.endsWith(w.suffix)) bits |= w.bits;
        }
        return bits || null;
      },
      set(value: HostValue, bits: unknown): void {
        if ('exact' in value) {
          exact.set(value.exact, bits as number);
          return;
        }
        const existing = wildcards.find((w) => w.suffix === value.suffix);
        if (existing) existing.bits = bits as number;
        else wildcards.push({ suffix: value.suffix, bits: bits as number });
      },
    };
  },
  deriveConstraint(): string {
    return '';
  },
  validate(value: unknown): void {
    if (typeof value !== 'object' || value === null) throw new TypeError('vhost constraint must be an object');
  },
};

function stripPort(host: string): string {
  if (host.charCodeAt(0) === 91 /* [ */) {
    const close = host.indexOf(']');
    return close === -1 ? host : host.slice(0, close + 1);
  }
  const colon = host.lastIndexOf(':');
  let h = colon === -1 ? host : host.slice(0, colon);
  if (h.charCodeAt(h.length - 1) === 46 /* . */) h = h.slice(0, -1);
  return h;
}

/** The Host request header as the router compares it: lower case, no port, no trailing dot. */
export function normalizeHost(header: string | undefined): string {
  if (header === undefined || header === '') return '';
  return stripPort(header).toLowerCase();
}

/** `API.Example.com:8443` → exact `api.example.com`; `*.example.com` → suffix `.example.com` (one or more labels). */
export function hostValue(host: string): HostValue {
  const h = stripPort(host.toLowerCase());
  return h.startsWith('*.') ? { suffix: h.slice(1) } : { exact: h };
}

/** find-my-way's notion of "the same path": parameter names do not matter, regexes do. */
export function normalizePattern(path: string): string {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i];
    if (ch === '(') {
      let depth = 0;
      let j = i;
      for (; j < path.length; j++) {
        if (path[j] === '\\') j++;
        else if (path[j] === '(') depth++;
        else if (path[j] === ')' && --depth === 0) break;
      }
      out += path.slice(i, j + 1);
      i = j;
    } else if (ch === ':' && path[i + 1] === ':') {
      out += '::';
      i++;
    } else if (ch === ':') {
      out += ':';
      while (i + 1 < path.length && /[A-Za-z0-9_]/.test(path[i + 1])) i++;
    } else {
      out += ch;
    }
  }
  return out;
}

interface Claims {
  any: CompiledRoute | null;
  methods: Map<string, CompiledRoute>;
}

function hostLabel(host: HostValue | null): string {
  if (host === null) return '';
  return 'exact' in host ? ` host ${host.exact}` : ` host *${host.suffix}`;
}

function conflict(other: CompiledRoute, route: CompiledRoute, method: string, host: HostValue | null, path: string): GantryError {
  const what = `${method === ANY_METHOD ? 'every method' : method}${hostLabel(host)} ${path}`;
  return new GantryError(
    'GANTRY_ERR_CONFLICT',
    `Routes "${other.name}" (${other.id}) and "${route.name}" (${route.id}) both match ${what}`,
    { details: [{ path: '/paths', message: `${what} is already served by route "${other.name}"` }] },
  );
}

/** Records that `route` answers `methods` on (pattern, host); throws on overlap with another route. */
function claim(claims: Map<string, Claims>, route: CompiledRoute, methods: readonly string[], host: HostValue | null, path: string): boolean {
  const key = `${normalizePattern(path)}\u0000${host === null ? '' : 'exact' in host ? `=${host.exact}` : `*${host.suffix}`}`;
  let c = claims.get(key);
  if (c === undefined) claims.set(key, (c = { any: null, methods: new Map() }));
  if (methods.length === 0) {
    if (c.any === route) return false; // listed twice by the same route
    if (c.any !== null) throw conflict(c.any, route, ANY_METHOD, host, path);
    const first = c.methods.entries().next();
    if (!first.done) throw conflict(first.value[1], route, first.value[0], host, path);
    c.any = route;
    return true;
  }
  if (c.any !== null) throw conflict(c.any, route, methods[0], host, path);
  if (methods.every((m) => c.methods.get(m) === route)) return false;
  for (const m of methods) {
    const other = c.methods.get(m);
    if (other !== undefined && other !== route) throw conflict(other, route, m, host, path);
  }
  for (const m of methods) c.methods.set(m, route);
  return true;
}

interface Registration {
  spec: RouteSpec;
  entry: RouteEntry;
  path: string;
  host: HostValue | null;
  verb: string;
  methods: readonly string[];
}

function hostRank(host: HostValue | null): number {
  return host === null ? 0 : 'suffix' in host ? 1 : 2;
}

export function buildRouter(specs: readonly RouteSpec[]): { router: Router; usesHosts: boolean } {
  const router = FindMyWay({
    querystringParser: skipQueryParsing,
    maxParamLength: 500,
    constraints: { verb: verbStrategy, vhost: vhostStrategy } as unknown as FindMyWay.Config<FindMyWay.HTTPVersion.V1>['constraints'],
  }) as Router;
  const claims = new Map<string, Claims>();
  const registrations: Registration[] = [];
  let usesHosts = false;

  for (const spec of specs) {
    const methods = [...new Set(spec.methods.map((m) => m.toUpperCase()))].sort();
    const verb = methods.length === 0 ? ANY_METHOD : methods.join('|');
    const hosts: (HostValue | null)[] = spec.hosts.length === 0 ? [null] : spec.hosts.map(hostValue);
    if (spec.hosts.length !== 0) usesHosts = true;
    for (const pattern of spec.paths) {
      const entry: RouteEntry = { route: spec.compiled, path: compilePath(pattern) };
      // `/static/*` also answers `/static`.
      const alias = pattern.length > 2 && pattern.endsWith('/*') ? pattern.slice(0, -2) : null;
      for (const host of hosts) {
        for (const path of alias === null ? [pattern] : [pattern, alias]) {
          if (claim(claims, spec.compiled, methods, host, path)) registrations.push({ spec, entry, path, host, verb, methods });
        }
      }
    }
  }

  // Registration order breaks ties between handlers with as many constraints: exact hosts last (win).
  registrations.sort((a, b) => hostRank(a.host) - hostRank(b.host));
  for (const r of registrations) {
    const constraints: Record<string, unknown> = { verb: r.verb };
    if (r.host !== null) constraints.vhost = r.host;
    try {
      router.on('GET', r.path, { constraints }, noop, r.entry);
    } catch (err) {
      throw validationError(`Route "${r.spec.compiled.name}": path ${r.path} cannot be routed: ${(err as Error).message}`, [
        { path: '/paths', message: (err as Error).message },
      ]);
    }
  }
  return { router, usesHosts };
}

/** Per-method constraint objects, shared (no allocation per request when hosts are not used). */
const VERB_ONLY = new Map<string, { verb: string }>();

export function lookupConstraints(method: string, usesHosts: boolean, host: string): { verb: string; vhost?: string } {
  if (usesHosts) return { verb: method, vhost: host };
  let c = VERB_ONLY.get(method);
  if (c === undefined) {
    c = Object.freeze({ verb: method });
    if (VERB_ONLY.size < 64) VERB_ONLY.set(method, c);
  }
  return c;
}
