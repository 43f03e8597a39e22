import { describe, expect, it } from 'vitest';
import { compilePath, compileTemplate, rawParams, upstreamPath } from '../../src/gateway/paths.js';
import { normalizePattern } from '../../src/gateway/router.js';
import type { CompiledRoute } from '../../src/gateway/snapshot/types.js';

const route = (opts: Partial<CompiledRoute> & { prefix?: string }): CompiledRoute =>
  ({ stripPrefix: false, rewrite: null, ...opts, service: { pathPrefix: opts.prefix ?? '' } }) as unknown as CompiledRoute;

describe('upstream paths', () => {
  it('finds the literal prefix before the first param or wildcard', () => {
    expect(compilePath('/api/users/:id').literalPrefix).toBe('/api/users/');
    expect(compilePath('/static/*').literalPrefix).toBe('/static/');
    expect(compilePath('/exact/path').literalPrefix).toBe('/exact/path');
    expect(compilePath('/time/10::30/:x').literalPrefix).toBe('/time/10:30/');
  });

  it('strips the prefix, keeping a leading slash, even when the client escaped it', () => {
    const r = route({ stripPrefix: true });
    const p = compilePath('/api/v1/*');
    expect(upstreamPath(r, p, '/api/v1/users', '?a=1', {})).toBe('/users?a=1');
    expect(upstreamPath(r, p, '/api/v1', '', {})).toBe('/');
    expect(upstreamPath(r, p, '/%61pi/v1/users', '', {})).toBe('/users');
    expect(upstreamPath(r, compilePath('/exact'), '/exact', '', {})).toBe('/');
  });

  it('prepends the service path', () => {
    expect(upstreamPath(route({ prefix: '/v2' }), compilePath('/x/*'), '/x/y', '?q', {})).toBe('/v2/x/y?q');
  });

  it('renders a rewrite template with raw params', () => {
    const path = compilePath('/old/:id/items/*');
    const r = route({ rewrite: compileTemplate('/new/:id/*', ['/old/:id/items/*'], 'r') });
    expect(upstreamPath(r, path, '/old/7/items/a/b', '', { id: '7', '*': 'a/b' })).toBe('/new/7/a/b');
    // find-my-way hands decoded params; the raw ones are read back from the path.
    expect(upstreamPath(r, path, '/old/a%2Fb/items/%C3%A9', '', { id: 'a/b', '*': 'é' })).toBe('/new/a%2Fb/%C3%A9');
  });

  it('re-escapes params it cannot read back from a segment', () => {
    expect(rawParams(compilePath('/f/:name.:ext'), '/f/a%20b.txt', { name: 'a b', ext: 'txt' })).toEqual({ name: 'a%20b', ext: 'txt' });
  });

  it('refuses a template substitution no path defines', () => {
    expect(() => compileTemplate('/x/:nope', ['/a/:id'], 'r')).toThrow(/:nope/);
    expect(() => compileTemplate('/x/*', ['/a/:id'], 'r')).toThrow(/\*/);
  });

  it('normalizes patterns the way the router compares them', () => {
    expect(normalizePattern('/users/:id')).toBe(normalizePattern('/users/:uid'));
    expect(normalizePattern('/users/:id(\\d+)')).not.toBe(normalizePattern('/users/:id'));
    expect(normalizePattern('/t/10::30')).toBe('/t/10::30');
  });
});
