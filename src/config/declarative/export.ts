/**
 * `gantry export`: the whole configuration as a declarative file, sorted by name so that two exports
 * of the same configuration are byte-identical and diffs in review are small. API keys are written
 * as their SHA-256 hashes (the keys themselves are never stored), which is enough to restore them.
 */
import { stringify } from 'yaml';
import type { ConfigData, Policy } from '../../core/model.js';
import type { DeclConfig, DeclPolicy, DeclTeam } from './schema.js';

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function policies(list: Policy[]): DeclPolicy[] | undefined {
  if (list.length === 0) return undefined;
  return [...list].sort(byName).map((p) => ({
    name: p.name,
    type: p.type,
    config: p.config,
    enabled: p.enabled,
    ...(p.priority === null ? {} : { priority: p.priority }),
  }));
}

export function exportConfig(data: ConfigData): DeclConfig {
  const policiesOf = (scope: Policy['scope'], targetId: string | null) =>
    policies(data.policies.filter((p) => p.scope === scope && p.target_id === targetId));
  const upstreamName = new Map(data.upstreams.map((u) => [u.id, u.name]));

  const teams: DeclTeam[] = [...data.teams].sort(byName).map((t) => {
    const mine = <T extends { team_id: string | null; name: string }>(rows: T[]) =>
      rows.filter((r) => r.team_id === t.id).sort(byName);
    const team: DeclTeam = { name: t.name, description: t.description };
    const upstreams = mine(data.upstreams);
    if (upstreams.length) {
      team.upstreams = upstreams.map((u) => ({
        name: u.name,
        description: u.description,
        algorithm: u.algorithm,
        targets: u.targets,
        health_checks: u.health_checks,
      }));
    }
    const services = mine(data.services);
    if (services.length) {
      team.services = services.map((s) => {
        const routes = data.routes.filter((r) => r.service_id === s.id).sort(byName);
        return {
          name: s.name,
          description: s.description,
          kind: s.kind,
          ...optional('upstream', s.upstream_id === null ? undefined : upstreamName.get(s.upstream_id)!),
          ...optional('ai', s.kind === 'ai' ? s.ai : undefined),
          path: s.path,
          preserve_host: s.preserve_host,
          timeouts: s.timeouts,
          retries: s.retries,
          enabled: s.enabled,
          ...optional('policies', policiesOf('service', s.id)),
          ...optional(
            'routes',
            routes.length
              ? routes.map((r) => ({
                  name: r.name,
                  description: r.description,
                  methods: r.methods as never,
                  hosts: r.hosts,
                  paths: r.paths,
                  strip_prefix: r.strip_prefix,
                  rewrite_path: r.rewrite_path,
                  enabled: r.enabled,
                  ...optional('policies', policiesOf('route', r.id)),
                }))
              : undefined,
          ),
        };
      });
    }
    const apps = mine(data.apps);
    if (apps.length) {
      team.apps = apps.map((a) => {
        const keys = data.apiKeys.filter((k) => k.app_id === a.id);
        return {
          name: a.name,
          description: a.description,
          ...optional('ai_limits', Object.keys(a.ai_limits).length ? a.ai_limits : undefined),
          ...optional(
            'keys',
            keys.length
              ? keys.map((k) => ({
                  name: k.name,
                  hint: k.hint,
                  key_hash: k.key_hash,
                  enabled: k.enabled,
                  expires_at: k.expires_at,
                }))
              : undefined,
          ),
        };
      });
    }
    return team;
  });

  return { version: 1, teams, ...optional('policies', policiesOf('global', null)) };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function exportConfigYaml(data: ConfigData): string {
  const header =
    `# Gantry configuration, exported at config version ${data.version}.\n` +
    '# Apply with: gantry apply -f <this file>   (preview with --dry-run)\n';
  return header + stringify(exportConfig(data), { lineWidth: 0 });
}
