/**
 * What a purge removes, as cache tags: every entry is tagged with its route, service, team, URL and
 * (team-namespaced) surrogate keys, so every kind of purge is a purge by tag, the same on each node
 * and on the shared Redis store. Pure: the admin API computes the tags from the stored config, and
 * data planes only apply them.
 */
import { Value } from '@sinclair/typebox/value';
import type { ConfigData } from '../../../core/model.js';
import { cacheTags, DEFAULT_KEY_SHAPE, keyHost, keyShape, normalizeQuery, splitPath, type KeyShape } from './key.js';
import { CacheKeyOptions } from './schema.js';

export type PurgeTarget =
  | { kind: 'url'; routeId: string; host: string | undefined; path: string; shape: KeyShape }
  | { kind: 'route'; routeId: string }
  | { kind: 'service'; serviceId: string }
  | { kind: 'tags'; teamIds: readonly string[]; tags: readonly string[] };

export function purgeTags(target: PurgeTarget): string[] {
  switch (target.kind) {
    case 'url': {
      const { path, query } = splitPath(target.path);
      return [cacheTags.url(target.routeId, keyHost(target.host, target.shape), path + normalizeQuery(query, target.shape))];
    }
    case 'route':
      return [cacheTags.route(target.routeId)];
    case 'service':
      return [cacheTags.service(target.serviceId)];
    case 'tags': {
      const out: string[] = [];
      for (const team of target.teamIds) for (const tag of target.tags) out.push(cacheTags.surrogate(team, tag));
      return out;
    }
  }
}

/**
 * The key shape of the `cache` policy that applies to a route (route, else service, else global:
 * the most specific wins, as when the data plane binds policies); the default shape when none does.
 */
export function keyShapeForRoute(config: Pick<ConfigData, 'policies'>, routeId: string, serviceId: string): KeyShape {
  const enabled = config.policies.filter((p) => p.type === 'cache' && p.enabled);
  const policy =
    enabled.find((p) => p.scope === 'route' && p.target_id === routeId) ??
    enabled.find((p) => p.scope === 'service' && p.target_id === serviceId) ??
    enabled.find((p) => p.scope === 'global');
  if (policy === undefined) return DEFAULT_KEY_SHAPE;
  const options = Value.Default(CacheKeyOptions, Value.Clone(policy.config.key ?? {})) as CacheKeyOptions;
  return Value.Check(CacheKeyOptions, options) ? keyShape(options) : DEFAULT_KEY_SHAPE;
}
