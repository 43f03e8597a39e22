import { afterEach, beforeEach, expect } from 'vitest';
import { GantryError, type ErrorCode } from '../../../src/core/errors.js';
import type { ProviderKindName } from '../../../src/core/ai-model.js';
import { hashSecret, newId, newSecret, secretHint } from '../../../src/core/ids.js';
import type { App, Route, Service, Team, Upstream } from '../../../src/core/model.js';
import type { AiProviderKeyCreateInput, AiUsageDelta, Store } from '../../../src/store/types.js';

export type OpenStore = () => Promise<{ store: Store; cleanup(): Promise<void> }>;

export interface Harness {
  readonly store: Store;
  /** What the first migrate() of this store applied. */
  readonly applied: string[];
}

/** A fresh, migrated store for every test. */
export function useStore(open: OpenStore): Harness {
  let current: { store: Store; cleanup(): Promise<void>; applied: string[] } | undefined;
  beforeEach(async () => {
    const opened = await open();
    const { applied } = await opened.store.migrate();
    current = { ...opened, applied };
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  return {
    get store() {
      if (!current) throw new Error('no store outside a test');
      return current.store;
    },
    get applied() {
      if (!current) throw new Error('no store outside a test');
      return current.applied;
    },
  };
}

/** Awaits a rejection and checks it is a GantryError with this code (and detail path, if given). */
export async function expectError(
  promise: Promise<unknown>,
  code: ErrorCode,
  opts: { message?: RegExp; path?: string } = {},
): Promise<GantryError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(GantryError);
  const err = caught as GantryError;
  expect(err.code).toBe(code);
  if (opts.message) expect(err.message).toMatch(opts.message);
  if (opts.path) expect(err.details?.map((d) => d.path)).toContain(opts.path);
  return err;
}

export interface Stack {
  team: Team;
  upstream: Upstream;
  service: Service;
  route: Route;
  app: App;
}

/** A team with one of everything, named after the team. */
export async function seedStack(store: Store, teamName: string): Promise<Stack> {
  const team = await store.teams.create({ name: teamName });
  const upstream = await store.upstreams.create({
    team_id: team.id,
    name: `${teamName}-ups`,
    targets: [{ url: 'http://127.0.0.1:9001' }],
  });
  const service = await store.services.create({ team_id: team.id, name: `${teamName}-svc`, upstream_id: upstream.id });
  const route = await store.routes.create({
    team_id: team.id,
    service_id: service.id,
    name: `${teamName}-rt`,
    paths: ['/things'],
  });
  const app = await store.apps.create({ team_id: team.id, name: `${teamName}-app` });
  return { team, upstream, service, route, app };
}

export function keyInput(teamId: string, appId: string, name = 'default') {
  const secret = newSecret('gk');
  return { team_id: teamId, app_id: appId, name, hint: secretHint(secret), key_hash: hashSecret(secret), expires_at: null };
}

export function tokenInput(role: 'org_admin' | 'team_admin' | 'team_viewer', teamId: string | null, name = 'ops') {
  const secret = newSecret('gadm');
  return { name, role, team_id: teamId, hint: secretHint(secret), token_hash: hashSecret(secret), expires_at: null };
}

/**
 * Ids sort by creation time to the millisecond only (random within one), so tests that create
 * several rows quickly state expected orders as id order, the order lists and loadConfig return.
 */
export function sortIds(ids: string[]): string[] {
  return [...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

export function byId<T extends { id: string }>(items: T[]): T[] {
  return [...items].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}

export function providerInput(teamId: string | null, name: string, kind: ProviderKindName = 'openai') {
  return { team_id: teamId, name, kind };
}

/** A key of `provider`, with a stand-in for the sealed secret (the store never opens it). */
export function providerKeyInput(provider: { id: string; team_id: string | null }, name = 'main'): AiProviderKeyCreateInput {
  const id = newId('aiProviderKey');
  return {
    id,
    provider_id: provider.id,
    team_id: provider.team_id,
    name,
    hint: 'sk-…wxyz',
    sealed_secret: `v1.sealed.${id}`,
    priority: 0,
    enabled: true,
  };
}

/** A usage delta with zero counters and no app, key or service unless given. */
export function usageDelta(d: Partial<AiUsageDelta> & Pick<AiUsageDelta, 'team_id' | 'provider_id'>): AiUsageDelta {
  return {
    day: '2025-06-01',
    app_id: null,
    key_id: null,
    service_id: null,
    model: 'openai/gpt-4o',
    requests: 0,
    errors: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    cached_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    estimated_requests: 0,
    cost_usd: 0,
    saved_usd: 0,
    ...d,
  };
}
