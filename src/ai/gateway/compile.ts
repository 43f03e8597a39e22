/**
 * ConfigData → AiSnapshot, off the request path. Provider keys are opened here with the node's
 * SecretBox (AAD = key id); a key that does not open is skipped and logged without its secret.
 * Configuration mistakes (a provider without a usable base URL) throw GANTRY_ERR_VALIDATION, like
 * the rest of the snapshot, so `validateConfig` refuses them before they are committed.
 */
import type { Dispatcher } from 'undici';
import type { AiAlias, AiProvider, AiProviderKeyRecord } from '../../core/ai-model.js';
import { validationError } from '../../core/errors.js';
import type { ConfigData } from '../../core/model.js';
import type { SecretBox } from '../../core/secrets.js';
import type { CatalogModel, CatalogModelOverride, ModelCatalog } from '../catalog/index.js';
import type { CompiledProvider } from '../providers/compiled.js';
import { DEFAULT_AWS_REGION, descriptorOf } from '../providers/descriptors.js';
import { groupKeys, type AiKeyState, type ProviderKey } from '../providers/keys.js';
import { isReservedHeader } from '../providers/request.js';
import type { AiHooks } from './hooks.js';
import type { AiSnapshot, AiTeamView, CompiledAlias, ResolvedTarget } from './types.js';

export interface AiCompileResources {
  pool(origin: string, connectMs: number): { key: string; pool: Dispatcher };
  keyState(keyId: string, version: string): AiKeyState;
  catalog: ModelCatalog;
  hooks: AiHooks;
  /** Absent: keys are not opened (validation only, or a node without a secret key). */
  secretBox?: SecretBox;
  warn(obj: unknown, msg: string): void;
}

export interface CompiledAi {
  ai: AiSnapshot;
  poolKeys: string[];
  keyStateKeys: Set<string>;
}

const CONNECT_MS = 10_000;
const TOTAL_MS = 300_000;
const HEADER_MS = 120_000;
const AZURE_API_VERSION = '2024-10-21';

const bareNameIndex = new WeakMap<ModelCatalog, Map<string, CatalogModel[]>>();

function bareNamesOf(catalog: ModelCatalog): Map<string, CatalogModel[]> {
  let index = bareNameIndex.get(catalog);
  if (index === undefined) {
    index = new Map();
    const add = (name: string, m: CatalogModel): void => {
      const list = index!.get(name);
      if (list === undefined) index!.set(name, [m]);
      else if (!list.includes(m)) list.push(m);
    };
    for (const m of catalog.list()) {
      add(m.model, m);
      // `anthropic/claude-haiku-4-5` also answers to `claude-haiku-4-5`.
      for (const alias of m.aliases ?? []) if (alias.startsWith(`${m.provider}/`)) add(alias.slice(m.provider.length + 1), m);
    }
    bareNameIndex.set(catalog, index);
  }
  return index;
}

function openKey(record: AiProviderKeyRecord, sigv4: boolean, resources: AiCompileResources): ProviderKey | undefined {
  const box = resources.secretBox;
  if (box === undefined) return undefined;
  let plain: string;
  try {
    plain = box.open(record.sealed_secret, record.id);
  } catch (err) {
    resources.warn({ keyId: record.id, providerId: record.provider_id, code: (err as { code?: unknown }).code }, 'AI provider key cannot be opened; it is skipped');
    return undefined;
  }
  const base = { id: record.id, name: record.name, priority: record.priority, state: resources.keyState(record.id, record.updated_at) };
  if (!sigv4) return { ...base, secret: plain, aws: null };
  try {
    const c = JSON.parse(plain) as { access_key_id?: unknown; secret_access_key?: unknown; session_token?: unknown };
    if (typeof c.access_key_id !== 'string' || typeof c.secret_access_key !== 'string') throw new Error('missing fields');
    const aws = { accessKeyId: c.access_key_id, secretAccessKey: c.secret_access_key, ...(typeof c.session_token === 'string' ? { sessionToken: c.session_token } : {}) };
    return { ...base, secret: null, aws };
  } catch {
    resources.warn({ keyId: record.id, providerId: record.provider_id }, 'AI provider key is not AWS credentials JSON; it is skipped');
    return undefined;
  }
}

function compileProvider(p: AiProvider, keys: readonly AiProviderKeyRecord[], resources: AiCompileResources): CompiledProvider {
  const descriptor = descriptorOf(p.kind);
  if (descriptor === undefined) {
    throw validationError(`AI provider "${p.name}": unknown kind "${p.kind}"`, [{ path: '/kind', message: 'unknown provider kind' }]);
  }
  const settings = p.settings ?? {};
  const region = settings.region ?? DEFAULT_AWS_REGION;
  const base = (p.base_url ?? descriptor.defaultBaseUrl)?.replace('{region}', region);
  if (!base) {
    throw validationError(`AI provider "${p.name}" (${p.kind}) needs a base_url`, [{ path: '/base_url', message: 'required for this kind' }]);
  }
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw validationError(`AI provider "${p.name}": base_url ${base} is not a URL`, [{ path: '/base_url', message: 'not a URL' }]);
  }
  const basePath = url.pathname.replace(/\/+$/, '');
  const extraHeaders: string[] = [];
  for (const [name, value] of Object.entries(settings.headers ?? {})) {
    if (!isReservedHeader(name)) extraHeaders.push(name.toLowerCase(), value);
  }
  const opened: ProviderKey[] = [];
  for (const k of keys) {
    if (!k.enabled || k.status === 'auth_failed') continue;
    const key = openKey(k, descriptor.auth === 'sigv4', resources);
    if (key !== undefined) opened.push(key);
  }
  const totalMs = settings.timeout_ms ?? TOTAL_MS;
  const handle = resources.pool(url.origin, CONNECT_MS);
  return {
    id: p.id,
    name: p.name,
    kind: p.kind,
    teamId: p.team_id,
    descriptor,
    origin: url.origin,
    basePath,
    apiVersion: settings.api_version ?? AZURE_API_VERSION,
    deployments: settings.deployments ?? {},
    region,
    extraHeaders,
    totalMs,
    headerMs: Math.min(HEADER_MS, totalMs),
    keyGroups: groupKeys(opened),
    keyCount: keys.length,
    pool: handle.pool,
    poolKey: handle.key,
  };
}

export function targetOf(provider: CompiledProvider, model: string, catalog: ModelCatalog): ResolvedTarget {
  const catalogId = `${provider.kind}/${model}`;
  return { provider, model, catalogId, catalogModel: catalog.get(catalogId) };
}

function compileAlias(a: AiAlias, providers: ReadonlyMap<string, CompiledProvider>, catalog: ModelCatalog): CompiledAlias {
  const targets: CompiledAlias['targets'] = [];
  for (const t of a.targets) {
    const provider = providers.get(t.provider_id);
    // Disabled or missing providers drop out; another team's provider is never reachable.
    if (provider === undefined || (provider.teamId !== null && provider.teamId !== a.team_id)) continue;
    targets.push({ target: targetOf(provider, t.model, catalog), weight: t.weight ?? 1 });
  }
  return { name: a.name, teamId: a.team_id, strategy: a.strategy, targets, totalWeight: targets.reduce((n, t) => n + t.weight, 0) };
}

function emptyView(): AiTeamView {
  return { aliases: new Map(), providersByName: new Map(), providersByKind: new Map() };
}

function addProvider(view: AiTeamView, p: CompiledProvider): void {
  view.providersByName.set(p.name, p);
  const list = view.providersByKind.get(p.kind);
  if (list === undefined) view.providersByKind.set(p.kind, [p]);
  else list.push(p);
}

function teamView(org: AiTeamView, providers: readonly CompiledProvider[], aliases: readonly CompiledAlias[]): AiTeamView {
  const view = emptyView();
  for (const p of providers) addProvider(view, p);
  for (const [name, p] of org.providersByName) if (!view.providersByName.has(name)) view.providersByName.set(name, p);
  for (const [kind, list] of org.providersByKind) view.providersByKind.set(kind, [...(view.providersByKind.get(kind) ?? []), ...list]);
  for (const [name, a] of org.aliases) view.aliases.set(name, a);
  for (const a of aliases) view.aliases.set(a.name, a);
  return view;
}

export function compileAi(data: ConfigData, resources: AiCompileResources): CompiledAi {
  // Producers written before the AI tables existed may leave these out.
  const providerRecords = data.aiProviders ?? [];
  const keyRecords = data.aiProviderKeys ?? [];
  const overrides = data.aiModelOverrides ?? [];
  const catalog =
    overrides.length === 0
      ? resources.catalog
      : resources.catalog.withOverrides(overrides.map((o) => ({ ...o.data, id: o.id }) as CatalogModelOverride));

  const keysByProvider = new Map<string, AiProviderKeyRecord[]>();
  for (const k of keyRecords) {
    const list = keysByProvider.get(k.provider_id);
    if (list === undefined) keysByProvider.set(k.provider_id, [k]);
    else list.push(k);
  }
  const providers = new Map<string, CompiledProvider>();
  const poolKeys: string[] = [];
  const keyStateKeys = new Set<string>();
  for (const p of providerRecords) {
    if (!p.enabled) continue; // never reached: aliases skip it, resolution does not see it
    const compiled = compileProvider(p, keysByProvider.get(p.id) ?? [], resources);
    providers.set(p.id, compiled);
    poolKeys.push(compiled.poolKey);
    for (const g of compiled.keyGroups) for (const k of g.keys) keyStateKeys.add(k.state.key);
  }

  const aliases = (data.aiAliases ?? []).map((a) => compileAlias(a, providers, catalog));
  const org = emptyView();
  for (const p of providers.values()) if (p.teamId === null) addProvider(org, p);
  for (const a of aliases) if (a.teamId === null) org.aliases.set(a.name, a);

  const teams = new Set<string>();
  for (const p of providers.values()) if (p.teamId !== null) teams.add(p.teamId);
  for (const a of aliases) if (a.teamId !== null) teams.add(a.teamId);
  const views = new Map<string, AiTeamView>();
  for (const team of teams) {
    views.set(
      team,
      teamView(
        org,
        [...providers.values()].filter((p) => p.teamId === team),
        aliases.filter((a) => a.teamId === team),
      ),
    );
  }

  const appLimits = new Map<string, NonNullable<ConfigData['apps'][number]['ai_limits']>>();
  for (const app of data.apps) {
    const l = app.ai_limits;
    if (l && (l.tokens_per_minute != null || l.spend_per_day_usd != null || l.spend_per_month_usd != null)) appLimits.set(app.id, l);
  }

  return {
    ai: { catalog, bareNames: bareNamesOf(catalog), providers, views, orgView: org, appLimits, hooks: resources.hooks },
    poolKeys,
    keyStateKeys,
  };
}
