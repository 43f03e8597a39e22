/**
 * `gantry apply`: makes the store match a declarative file, in one transaction. Resources missing
 * from the file are deleted (the `default` team is kept). The whole result is compiled by the data
 * plane's validator before commit, so an apply that would break routing changes nothing.
 * A dry run executes the same plan and rolls it back, so it proves the apply would succeed.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { parse as parseYaml } from 'yaml';
import { GantryError, validationError } from '../../core/errors.js';
import type { ConfigData, PolicyCreate, RouteCreate, ServiceCreate, UpstreamCreate } from '../../core/model.js';
import type { ApiKeyCreateInput } from '../../store/types.js';
import { validateConfig } from '../../gateway/index.js';
import type { Store } from '../../store/types.js';
import { diff, entriesFromConfig, entriesFromFile, type Change, type Entry, type Kind } from './plan.js';
import { DeclConfig } from './schema.js';

const checkDecl = TypeCompiler.Compile(DeclConfig);

export function parseConfigFile(text: string, source = 'config'): DeclConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw validationError(`${source} is not valid YAML: ${(err as Error).message}`);
  }
  if (checkDecl.Check(doc)) return doc;
  const details = [...checkDecl.Errors(doc)].slice(0, 20).map((e) => ({ path: e.path || '/', message: e.message }));
  throw validationError(`${source}: ${details[0]!.path}: ${details[0]!.message}`, details);
}

export interface ApplyResult {
  changes: Change[];
  dryRun: boolean;
}

class DryRunRollback extends Error {}

export async function applyConfig(store: Store, doc: DeclConfig, opts: { dryRun?: boolean } = {}): Promise<ApplyResult> {
  let desired: Map<string, Entry>;
  try {
    desired = entriesFromFile(doc);
  } catch (err) {
    throw err instanceof GantryError ? err : validationError((err as Error).message);
  }
  let changes: Change[] = [];
  try {
    await store.transaction(async (tx) => {
      const before = await tx.loadConfig();
      changes = diff(desired, entriesFromConfig(before), { keepTeams: ['default'] });
      await execute(tx, before, changes);
      validateConfig(await tx.loadConfig());
      if (opts.dryRun) throw new DryRunRollback();
    });
  } catch (err) {
    if (!(err instanceof DryRunRollback)) throw err;
  }
  return { changes, dryRun: opts.dryRun ?? false };
}

/** Order that never references what does not exist yet nor deletes what is still referenced. */
const STEPS: Array<{ kinds: Kind[]; do: 'upsert' | 'delete' }> = [
  { kinds: ['team', 'upstream'], do: 'upsert' },
  { kinds: ['policy', 'key', 'route'], do: 'delete' },
  { kinds: ['service'], do: 'upsert' },
  { kinds: ['service'], do: 'delete' },
  { kinds: ['route', 'app', 'key', 'policy'], do: 'upsert' },
  { kinds: ['app', 'upstream', 'team'], do: 'delete' },
];

async function execute(tx: Store, before: ConfigData, changes: Change[]): Promise<void> {
  const ids = new Map<string, string>();
  for (const [key, e] of entriesFromConfig(before)) ids.set(key, e.id!);
  const ref = (key: string, from: string) => {
    const id = ids.get(key);
    if (!id) throw validationError(`${from} refers to ${key}, which is not in the file or the store`);
    return id;
  };
  for (const step of STEPS) {
    for (const c of step.kinds.flatMap((kind) => changes.filter((ch) => ch.kind === kind))) {
      const deletes = c.action === 'delete' || c.action === 'replace';
      if (step.do === 'delete' && deletes) {
        await remove(tx, c.kind, ids.get(c.key)!);
        ids.delete(c.key);
      } else if (step.do === 'upsert' && c.action !== 'delete') {
        const e = c.desired!;
        if (c.action === 'update') await update(tx, e, ids.get(c.key)!, ref);
        else ids.set(c.key, await create(tx, e, ref));
      }
    }
  }
}

type Ref = (key: string, from: string) => string;

function teamRef(e: Entry, ref: Ref): string {
  return ref(`team ${e.team}`, e.key);
}

async function create(tx: Store, e: Entry, ref: Ref): Promise<string> {
  const f = e.fields as Record<string, never>;
  switch (e.kind) {
    case 'team':
      return (await tx.teams.create({ name: e.name, description: f.description })).id;
    case 'upstream': {
      const fields = f as unknown as Omit<UpstreamCreate, 'name' | 'team_id'>;
      return (await tx.upstreams.create({ team_id: teamRef(e, ref), name: e.name, ...fields })).id;
    }
    case 'service': {
      const { upstream, ...rest } = f as unknown as Omit<ServiceCreate, 'upstream_id' | 'name' | 'team_id'> & { upstream: string | null };
      const upstream_id = upstream === null ? null : ref(`upstream ${e.team}/${upstream}`, e.key);
      return (await tx.services.create({ team_id: teamRef(e, ref), name: e.name, upstream_id, ...rest })).id;
    }
    case 'route': {
      const { service, ...rest } = f;
      const service_id = ref(`service ${e.team}/${service}`, e.key);
      const input = { team_id: teamRef(e, ref), service_id, name: e.name, ...rest } as RouteCreate & { team_id: string };
      return (await tx.routes.create(input)).id;
    }
    case 'app':
      return (await tx.apps.create({ team_id: teamRef(e, ref), name: e.name, description: f.description, ai_limits: f.ai_limits })).id;
    case 'key': {
      const fields = f as unknown as Omit<ApiKeyCreateInput, 'team_id' | 'app_id'>;
      return (await tx.apiKeys.create({ team_id: teamRef(e, ref), app_id: ref(e.parent!, e.key), ...fields })).id;
    }
    case 'policy': {
      const { target: _target, scope, ...rest } = f as unknown as PolicyCreate & { target: string | null; type: string };
      const team_id = e.team === null ? null : teamRef(e, ref);
      const target_id = scope === 'global' ? null : ref(e.parent!, e.key);
      return (await tx.policies.create({ ...rest, scope, team_id, target_id, name: e.name })).id;
    }
  }
}

async function update(tx: Store, e: Entry, id: string, ref: Ref): Promise<void> {
  const f = e.fields as Record<string, never>;
  switch (e.kind) {
    case 'team':
      await tx.teams.update('all', id, { description: f.description });
      return;
    case 'upstream':
      await tx.upstreams.update('all', id, f);
      return;
    case 'service': {
      const { upstream, kind: _kind, ...rest } = f;
      const upstream_id = upstream === null ? null : ref(`upstream ${e.team}/${upstream}`, e.key);
      await tx.services.update('all', id, { ...rest, upstream_id });
      return;
    }
    case 'route': {
      const { service: _service, ...rest } = f;
      await tx.routes.update('all', id, rest);
      return;
    }
    case 'app':
      await tx.apps.update('all', id, { description: f.description, ai_limits: f.ai_limits });
      return;
    case 'key':
      await tx.apiKeys.update('all', id, { name: f.name, enabled: f.enabled, expires_at: f.expires_at });
      return;
    case 'policy':
      await tx.policies.update('all', id, { config: f.config, enabled: f.enabled, priority: f.priority });
      return;
  }
}

async function remove(tx: Store, kind: Kind, id: string): Promise<void> {
  const repo = {
    team: tx.teams,
    upstream: tx.upstreams,
    service: tx.services,
    route: tx.routes,
    app: tx.apps,
    key: tx.apiKeys,
    policy: tx.policies,
  }[kind];
  // Cascades (a route's policies, an app's keys) may have removed it already.
  await repo.delete('all', id);
}
