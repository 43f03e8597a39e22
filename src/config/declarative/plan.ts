/**
 * Turns both a declarative file and the store's current configuration into flat, normalized entries
 * keyed by name, and diffs them into a plan. Defaults are applied to the file's side the same way the
 * store applies them, so applying an exported file is a no-op.
 */
import { hashSecret, secretHint } from '../../core/ids.js';
import { SERVICE_DEFAULTS, type ConfigData } from '../../core/model.js';
import { validatePolicyConfig } from '../../gateway/index.js';
import type { DeclConfig, DeclPolicy } from './schema.js';

export type Kind = 'team' | 'upstream' | 'service' | 'route' | 'app' | 'key' | 'policy';

export interface Entry {
  kind: Kind;
  /** Unique across the file, e.g. `service payments/users`. */
  key: string;
  team: string | null;
  name: string;
  /** The entry this one hangs from (`service payments/users` for its route), when any. */
  parent: string | null;
  /** Compared and written fields; references are by name. */
  fields: Record<string, unknown>;
  /** Fields that cannot change in place: a change replaces the resource. */
  immutable: string[];
  /** The store's id, for entries read from the store. */
  id?: string;
}

export interface Change {
  action: 'create' | 'update' | 'replace' | 'delete';
  kind: Kind;
  key: string;
  desired?: Entry;
  current?: Entry;
  /** Changed fields, for update and replace. */
  fields?: string[];
}

export const KIND_ORDER: Kind[] = ['team', 'upstream', 'service', 'route', 'app', 'key', 'policy'];

function entry(kind: Kind, key: string, team: string | null, name: string, fields: Entry['fields'], parent: string | null = null, immutable: string[] = []): Entry {
  return { kind, key: `${kind} ${key}`, team, name, parent, fields, immutable };
}

function policyEntry(p: DeclPolicy, scope: 'global' | 'service' | 'route', team: string | null, target: string | null): Entry {
  const name = p.name ?? p.type;
  const where = scope === 'global' ? 'global' : `${scope}:${team}/${target}`;
  const parent = scope === 'global' ? null : `${scope} ${team}/${target}`;
  return entry('policy', `${where}/${name}`, team, name, {
    scope,
    target,
    type: p.type,
    config: validatePolicyConfig(p.type, p.config ?? {}),
    enabled: p.enabled ?? true,
    priority: p.priority ?? null,
  }, parent, ['type']);
}

/** The file's entries, defaults applied. Throws on duplicate names. */
export function entriesFromFile(doc: DeclConfig): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const add = (e: Entry) => {
    if (out.has(e.key)) throw new Error(`${e.key} appears twice in the file`);
    out.set(e.key, e);
  };
  for (const p of doc.policies ?? []) add(policyEntry(p, 'global', null, null));
  for (const t of doc.teams ?? []) {
    add(entry('team', t.name, t.name, t.name, { description: t.description ?? '' }));
    for (const u of t.upstreams ?? []) {
      add(entry('upstream', `${t.name}/${u.name}`, t.name, u.name, {
        description: u.description ?? '',
        algorithm: u.algorithm ?? 'round-robin',
        targets: u.targets.map((x) => ({ url: x.url, weight: x.weight ?? 1 })),
        health_checks: u.health_checks ?? {},
      }, `team ${t.name}`));
    }
    for (const s of t.services ?? []) {
      add(entry('service', `${t.name}/${s.name}`, t.name, s.name, {
        description: s.description ?? '',
        kind: s.kind ?? SERVICE_DEFAULTS.kind,
        upstream: s.upstream ?? null,
        ai: s.ai ?? SERVICE_DEFAULTS.ai,
        path: s.path ?? SERVICE_DEFAULTS.path,
        preserve_host: s.preserve_host ?? SERVICE_DEFAULTS.preserve_host,
        timeouts: { ...SERVICE_DEFAULTS.timeouts, ...s.timeouts },
        retries: s.retries ?? SERVICE_DEFAULTS.retries,
        enabled: s.enabled ?? SERVICE_DEFAULTS.enabled,
      }, `team ${t.name}`, ['kind']));
      for (const p of s.policies ?? []) add(policyEntry(p, 'service', t.name, s.name));
      for (const r of s.routes ?? []) {
        add(entry('route', `${t.name}/${r.name}`, t.name, r.name, {
          service: s.name,
          description: r.description ?? '',
          methods: r.methods ?? [],
          hosts: r.hosts ?? [],
          paths: r.paths,
          strip_prefix: r.strip_prefix ?? false,
          rewrite_path: r.rewrite_path ?? null,
          enabled: r.enabled ?? true,
        }, `service ${t.name}/${s.name}`, ['service']));
        for (const p of r.policies ?? []) add(policyEntry(p, 'route', t.name, r.name));
      }
    }
    for (const a of t.apps ?? []) {
      add(entry('app', `${t.name}/${a.name}`, t.name, a.name, { description: a.description ?? '', ai_limits: a.ai_limits ?? {} }, `team ${t.name}`));
      for (const k of a.keys ?? []) {
        if (!k.key_hash === !k.key) throw new Error(`a key of app ${t.name}/${a.name} needs exactly one of key or key_hash`);
        const hash = k.key_hash ?? hashSecret(k.key!);
        add(entry('key', `${t.name}/${a.name}/${hash.slice(0, 16)}`, t.name, k.name ?? 'default', {
          name: k.name ?? 'default',
          key_hash: hash,
          hint: k.hint ?? (k.key ? secretHint(k.key) : 'imported'),
          enabled: k.enabled ?? true,
          expires_at: k.expires_at ?? null,
        }, `app ${t.name}/${a.name}`, ['key_hash']));
      }
    }
  }
  return out;
}

/** The store's entries, in the same shape. */
export function entriesFromConfig(data: ConfigData): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const teams = new Map(data.teams.map((t) => [t.id, t.name]));
  const upstreams = new Map(data.upstreams.map((u) => [u.id, u.name]));
  const services = new Map(data.services.map((s) => [s.id, s.name]));
  const routes = new Map(data.routes.map((r) => [r.id, r.name]));
  const apps = new Map(data.apps.map((a) => [a.id, a.name]));
  const add = (e: Entry, id: string) => out.set(e.key, { ...e, id });
  for (const t of data.teams) add(entry('team', t.name, t.name, t.name, { description: t.description }), t.id);
  for (const u of data.upstreams) {
    const t = teams.get(u.team_id)!;
    add(entry('upstream', `${t}/${u.name}`, t, u.name, {
      description: u.description,
      algorithm: u.algorithm,
      targets: u.targets,
      health_checks: u.health_checks,
    }, `team ${t}`), u.id);
  }
  for (const s of data.services) {
    const t = teams.get(s.team_id)!;
    add(entry('service', `${t}/${s.name}`, t, s.name, {
      description: s.description,
      kind: s.kind,
      upstream: s.upstream_id === null ? null : upstreams.get(s.upstream_id),
      ai: s.ai,
      path: s.path,
      preserve_host: s.preserve_host,
      timeouts: s.timeouts,
      retries: s.retries,
      enabled: s.enabled,
    }, `team ${t}`, ['kind']), s.id);
  }
  for (const r of data.routes) {
    const t = teams.get(r.team_id)!;
    const svc = services.get(r.service_id)!;
    add(entry('route', `${t}/${r.name}`, t, r.name, {
      service: svc,
      description: r.description,
      methods: r.methods,
      hosts: r.hosts,
      paths: r.paths,
      strip_prefix: r.strip_prefix,
      rewrite_path: r.rewrite_path,
      enabled: r.enabled,
    }, `service ${t}/${svc}`, ['service']), r.id);
  }
  for (const a of data.apps) {
    const t = teams.get(a.team_id)!;
    add(entry('app', `${t}/${a.name}`, t, a.name, { description: a.description, ai_limits: a.ai_limits }, `team ${t}`), a.id);
  }
  for (const k of data.apiKeys) {
    const t = teams.get(k.team_id)!;
    const app = apps.get(k.app_id)!;
    add(entry('key', `${t}/${app}/${k.key_hash.slice(0, 16)}`, t, k.name, {
      name: k.name,
      key_hash: k.key_hash,
      hint: k.hint,
      enabled: k.enabled,
      expires_at: k.expires_at,
    }, `app ${t}/${app}`, ['key_hash']), k.id);
  }
  for (const p of data.policies) {
    const t = p.team_id ? teams.get(p.team_id)! : null;
    const target = p.scope === 'service' ? services.get(p.target_id!)! : p.scope === 'route' ? routes.get(p.target_id!)! : null;
    add(policyEntry({ name: p.name, type: p.type, config: p.config, enabled: p.enabled, priority: p.priority }, p.scope, t, target), p.id);
  }
  return out;
}

/** Deterministic JSON: object keys sorted, so equal values compare equal. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** Fields that a key's hint or an imported hint may differ in without meaning a change. */
const IGNORED: Partial<Record<Kind, string[]>> = { key: ['hint'] };

export function diff(desired: Map<string, Entry>, current: Map<string, Entry>, opts: { keepTeams?: string[] } = {}): Change[] {
  const changes: Change[] = [];
  for (const [key, d] of desired) {
    const c = current.get(key);
    if (!c) {
      changes.push({ action: 'create', kind: d.kind, key, desired: d });
      continue;
    }
    const ignored = IGNORED[d.kind] ?? [];
    const fields = Object.keys(d.fields).filter(
      (f) => !ignored.includes(f) && stableJson(d.fields[f]) !== stableJson(c.fields[f]),
    );
    if (fields.length === 0) continue;
    const replace = fields.some((f) => d.immutable.includes(f));
    changes.push({ action: replace ? 'replace' : 'update', kind: d.kind, key, desired: d, current: c, fields });
  }
  for (const [key, c] of current) {
    if (desired.has(key)) continue;
    if (c.kind === 'team' && opts.keepTeams?.includes(c.name)) continue;
    changes.push({ action: 'delete', kind: c.kind, key, current: c });
  }
  const rank = (c: Change) => KIND_ORDER.indexOf(c.kind);
  return changes.sort((a, b) => rank(a) - rank(b) || (a.key < b.key ? -1 : 1));
}

export function formatPlan(changes: Change[]): string {
  if (changes.length === 0) return 'No changes: the store already matches the file.\n';
  const sign = { create: '+', update: '~', replace: '-/+', delete: '-' } as const;
  const lines = changes.map((c) => {
    const what = c.fields ? ` (${c.fields.join(', ')})` : '';
    return `${sign[c.action]} ${c.key}${what}`;
  });
  const count = (a: Change['action']) => changes.filter((c) => c.action === a).length;
  lines.push(
    '',
    `Plan: ${count('create')} to create, ${count('update')} to update, ${count('replace')} to replace, ${count('delete')} to delete.`,
  );
  return lines.join('\n') + '\n';
}
