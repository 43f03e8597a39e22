import { describe, expect, test } from 'vitest';
import { SERVICE_DEFAULTS } from '../../../src/core/model.js';
import { expectError, keyInput, seedStack, sortIds, tokenInput, type Harness } from './harness.js';

export function crudTests(h: Harness): void {
  describe('teams', () => {
    test('create applies defaults; get, getByName, update and delete round-trip', async () => {
      const team = await h.store.teams.create({ name: 'acme' });
      expect(team).toMatchObject({ name: 'acme', description: '' });
      expect(team.id).toMatch(/^team_/);
      expect(new Date(team.created_at).toISOString()).toBe(team.created_at);
      expect(team.updated_at).toBe(team.created_at);

      expect(await h.store.teams.get('all', team.id)).toEqual(team);
      expect(await h.store.teams.getByName('all', team.id, 'acme')).toEqual(team);
      expect(await h.store.teams.getByName('all', team.id, 'nope')).toBeUndefined();

      const updated = await h.store.teams.update('all', team.id, { description: 'the acme team' });
      expect(updated).toMatchObject({ id: team.id, name: 'acme', description: 'the acme team', created_at: team.created_at });
      expect(updated!.updated_at >= team.updated_at).toBe(true);
      expect(await h.store.teams.get('all', team.id)).toEqual(updated);

      expect(await h.store.teams.delete('all', team.id)).toBe(true);
      expect(await h.store.teams.get('all', team.id)).toBeUndefined();
      expect(await h.store.teams.delete('all', team.id)).toBe(false);
      expect(await h.store.teams.update('all', team.id, { description: 'x' })).toBeUndefined();
    });
  });

  describe('upstreams', () => {
    test('defaults: algorithm round-robin, target weight 1, health_checks {}, description empty', async () => {
      const team = await h.store.teams.create({ name: 'acme' });
      const ups = await h.store.upstreams.create({
        team_id: team.id,
        name: 'users',
        targets: [{ url: 'http://10.0.0.1:8080' }, { url: 'http://10.0.0.2:8080', weight: 0 }],
      });
      expect(ups).toMatchObject({
        team_id: team.id,
        name: 'users',
        description: '',
        algorithm: 'round-robin',
        targets: [
          { url: 'http://10.0.0.1:8080', weight: 1 },
          { url: 'http://10.0.0.2:8080', weight: 0 },
        ],
        health_checks: {},
      });
      expect(ups.id).toMatch(/^ups_/);
      expect(await h.store.upstreams.get('all', ups.id)).toEqual(ups);
      expect(await h.store.upstreams.getByName('all', team.id, 'users')).toEqual(ups);
    });

    test('health checks and targets round-trip as JSON; update replaces them', async () => {
      const team = await h.store.teams.create({ name: 'acme' });
      const health_checks = {
        active: { enabled: true, path: '/healthz', interval_ms: 2000, expected_statuses: [200, 204] },
        passive: { enabled: true, max_failures: 5, failure_statuses: [502, 503] },
      };
      const ups = await h.store.upstreams.create({
        team_id: team.id,
        name: 'users',
        algorithm: 'least-connections',
        targets: [{ url: 'http://a:1', weight: 7 }],
        health_checks,
      });
      expect((await h.store.upstreams.get('all', ups.id))?.health_checks).toEqual(health_checks);
      const updated = await h.store.upstreams.update('all', ups.id, {
        targets: [{ url: 'http://b:2' }],
        health_checks: {},
        description: 'moved',
      });
      expect(updated).toMatchObject({
        algorithm: 'least-connections',
        targets: [{ url: 'http://b:2', weight: 1 }],
        health_checks: {},
        description: 'moved',
      });
      expect(await h.store.upstreams.get('all', ups.id)).toEqual(updated);
    });
  });

  describe('services', () => {
    test('defaults come from SERVICE_DEFAULTS; booleans are booleans', async () => {
      const { team, upstream } = await seedStack(h.store, 'acme');
      const svc = await h.store.services.create({ team_id: team.id, name: 'users', upstream_id: upstream.id });
      expect(svc).toMatchObject({ ...SERVICE_DEFAULTS, team_id: team.id, upstream_id: upstream.id, description: '' });
      expect(svc.preserve_host).toBe(false);
      expect(svc.enabled).toBe(true);
      expect(await h.store.services.get('all', svc.id)).toEqual(svc);
      expect(await h.store.services.getByName('all', team.id, 'users')).toEqual(svc);
    });

    test('partial timeouts take defaults for the rest; update changes fields and the upstream', async () => {
      const { team, upstream } = await seedStack(h.store, 'acme');
      const other = await h.store.upstreams.create({ team_id: team.id, name: 'other', targets: [{ url: 'http://o:1' }] });
      const svc = await h.store.services.create({
        team_id: team.id,
        name: 'users',
        upstream_id: upstream.id,
        path: '/v1',
        preserve_host: true,
        timeouts: { connect_ms: 100 },
        retries: 0,
        enabled: false,
      });
      expect(svc).toMatchObject({
        path: '/v1',
        preserve_host: true,
        timeouts: { connect_ms: 100, header_ms: 60_000, total_ms: 300_000 },
        retries: 0,
        enabled: false,
      });
      const updated = await h.store.services.update('all', svc.id, {
        upstream_id: other.id,
        enabled: true,
        timeouts: { total_ms: 1000 },
      });
      expect(updated).toMatchObject({
        upstream_id: other.id,
        enabled: true,
        preserve_host: true,
        timeouts: { connect_ms: 5000, header_ms: 60_000, total_ms: 1000 },
      });
      expect(await h.store.services.get('all', svc.id)).toEqual(updated);
    });
  });

  describe('routes', () => {
    test('defaults; team taken from the input; update sets and clears fields', async () => {
      const { team, service } = await seedStack(h.store, 'acme');
      const route = await h.store.routes.create({ team_id: team.id, service_id: service.id, name: 'list', paths: ['/users', '/people/*'] });
      expect(route).toMatchObject({
        team_id: team.id,
        service_id: service.id,
        description: '',
        methods: [],
        hosts: [],
        paths: ['/users', '/people/*'],
        strip_prefix: false,
        rewrite_path: null,
        enabled: true,
      });
      expect(route.id).toMatch(/^rt_/);
      const updated = await h.store.routes.update('all', route.id, {
        methods: ['GET', 'HEAD'],
        hosts: ['*.example.com'],
        strip_prefix: true,
        rewrite_path: '/v2/users',
      });
      expect(updated).toMatchObject({ methods: ['GET', 'HEAD'], hosts: ['*.example.com'], strip_prefix: true, rewrite_path: '/v2/users' });
      const cleared = await h.store.routes.update('all', route.id, { rewrite_path: null, enabled: false });
      expect(cleared).toMatchObject({ rewrite_path: null, enabled: false, strip_prefix: true });
      expect(await h.store.routes.get('all', route.id)).toEqual(cleared);
      expect(await h.store.routes.getByName('all', team.id, 'list')).toEqual(cleared);
    });

    test('list filters by service', async () => {
      const { team, service, route, upstream } = await seedStack(h.store, 'acme');
      const svc2 = await h.store.services.create({ team_id: team.id, name: 'svc2', upstream_id: upstream.id });
      const r2 = await h.store.routes.create({ team_id: team.id, service_id: svc2.id, name: 'r2', paths: ['/r2'] });
      expect((await h.store.routes.list('all', { service_id: service.id })).items.map((r) => r.id)).toEqual([route.id]);
      expect((await h.store.routes.list('all', { service_id: svc2.id })).items.map((r) => r.id)).toEqual([r2.id]);
    });
  });

  describe('apps and API keys', () => {
    test('app CRUD; keys default enabled, keep their hash, filter by app', async () => {
      const { team, app } = await seedStack(h.store, 'acme');
      expect(app).toMatchObject({ team_id: team.id, name: 'acme-app', description: '' });
      expect(await h.store.apps.getByName('all', team.id, 'acme-app')).toEqual(app);
      const renamed = await h.store.apps.update('all', app.id, { name: 'mobile' });
      expect(renamed?.name).toBe('mobile');

      const input = keyInput(team.id, app.id, 'ci');
      const key = await h.store.apiKeys.create(input);
      expect(key).toMatchObject({ team_id: team.id, app_id: app.id, name: 'ci', hint: input.hint, key_hash: input.key_hash, enabled: true, expires_at: null });
      expect(key.id).toMatch(/^key_/);
      const app2 = await h.store.apps.create({ team_id: team.id, name: 'web' });
      const key2 = await h.store.apiKeys.create({ ...keyInput(team.id, app2.id), enabled: false });
      expect(key2.enabled).toBe(false);

      expect((await h.store.apiKeys.list('all', { app_id: app.id })).items).toEqual([key]);
      expect((await h.store.apiKeys.list('all', { team_id: team.id })).items.map((k) => k.id)).toEqual(sortIds([key.id, key2.id]));

      const expires = '2030-01-01T00:00:00.000Z';
      const updated = await h.store.apiKeys.update('all', key.id, { enabled: false, expires_at: expires });
      expect(updated).toMatchObject({ enabled: false, expires_at: expires, key_hash: input.key_hash });
      expect(await h.store.apiKeys.get('all', key.id)).toEqual(updated);
      expect(await h.store.apiKeys.delete('all', key.id)).toBe(true);
      expect(await h.store.apiKeys.get('all', key.id)).toBeUndefined();
      expect(await h.store.apiKeys.delete('all', key.id)).toBe(false);
    });
  });

  describe('policies', () => {
    test('global, service and route policies: defaults, JSON config, filters, update', async () => {
      const { team, service, route } = await seedStack(h.store, 'acme');
      const global = await h.store.policies.create({ team_id: null, name: 'cors', type: 'cors', scope: 'global' });
      expect(global).toMatchObject({ team_id: null, scope: 'global', target_id: null, config: {}, enabled: true, priority: null });
      expect(global.id).toMatch(/^pol_/);
      const config = { limit: 10, window: '1m', keys: ['ip', 'app'], nested: { on: true, ratio: 0.5 } };
      const onService = await h.store.policies.create({
        team_id: team.id, name: 'limit', type: 'rate-limit', scope: 'service', target_id: service.id, config, priority: -5,
      });
      expect(onService).toMatchObject({ team_id: team.id, target_id: service.id, config, priority: -5 });
      const onRoute = await h.store.policies.create({
        team_id: team.id, name: 'limit', type: 'rate-limit', scope: 'route', target_id: route.id, enabled: false,
      });
      expect(onRoute.enabled).toBe(false);

      expect(await h.store.policies.get('all', onService.id)).toEqual(onService);
      expect(await h.store.policies.getByName('all', team.id, 'limit')).toEqual(onService);
      const ids = async (q: Parameters<typeof h.store.policies.list>[1]) =>
        (await h.store.policies.list('all', q)).items.map((p) => p.id);
      expect(await ids({})).toEqual(sortIds([global.id, onService.id, onRoute.id]));
      expect(await ids({ scope: 'route' })).toEqual([onRoute.id]);
      expect(await ids({ target_id: service.id })).toEqual([onService.id]);
      expect(await ids({ type: 'cors' })).toEqual([global.id]);
      expect(await ids({ team_id: team.id })).toEqual(sortIds([onService.id, onRoute.id]));

      const updated = await h.store.policies.update('all', onService.id, { config: { limit: 20 }, priority: null, enabled: false });
      expect(updated).toMatchObject({ config: { limit: 20 }, priority: null, enabled: false, name: 'limit' });
      expect(await h.store.policies.get('all', onService.id)).toEqual(updated);
      expect(await h.store.policies.delete('all', global.id)).toBe(true);
      expect(await h.store.policies.get('all', global.id)).toBeUndefined();
    });
  });

  describe('admin tokens', () => {
    test('create, find by hash, list, count, delete', async () => {
      const team = await h.store.teams.create({ name: 'acme' });
      const org = tokenInput('org_admin', null, 'root');
      const created = await h.store.adminTokens.create(org);
      expect(created).toMatchObject({ name: 'root', role: 'org_admin', team_id: null, hint: org.hint, token_hash: org.token_hash, expires_at: null });
      expect(created.id).toMatch(/^adm_/);
      const teamToken = await h.store.adminTokens.create(tokenInput('team_viewer', team.id));
      expect(await h.store.adminTokens.findByHash(org.token_hash)).toEqual(created);
      expect(await h.store.adminTokens.findByHash('0'.repeat(64))).toBeUndefined();
      expect(await h.store.adminTokens.get('all', teamToken.id)).toEqual(teamToken);
      expect((await h.store.adminTokens.list('all')).map((t) => t.id)).toEqual(sortIds([created.id, teamToken.id]));
      expect(await h.store.adminTokens.count()).toBe(2);
      expect(await h.store.adminTokens.delete('all', created.id)).toBe(true);
      expect(await h.store.adminTokens.delete('all', created.id)).toBe(false);
      expect(await h.store.adminTokens.count()).toBe(1);
    });
  });

  describe('lists', () => {
    test('pages in id order with an opaque cursor until next_cursor is null', async () => {
      const team = await h.store.teams.create({ name: 'acme' });
      const created: string[] = [];
      for (let i = 0; i < 7; i++) created.push((await h.store.apps.create({ team_id: team.id, name: `app-${i}` })).id);
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await h.store.apps.list('all', { limit: 3, ...(cursor ? { cursor } : {}) });
        sizes.push(page.items.length);
        seen.push(...page.items.map((a) => a.id));
        cursor = page.next_cursor ?? undefined;
        if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      } while (cursor);
      expect(sizes).toEqual([3, 3, 1]);
      expect(seen).toEqual(sortIds(created));
      const exact = await h.store.apps.list('all', { limit: 7 });
      expect(exact.items).toHaveLength(7);
      expect(exact.next_cursor).toBeNull();
      expect((await h.store.apps.list('all')).items).toHaveLength(7);
    });

    test('team filter and case-insensitive name filter with LIKE wildcards taken literally', async () => {
      const a = await h.store.teams.create({ name: 'alpha' });
      const b = await h.store.teams.create({ name: 'beta' });
      await h.store.apps.create({ team_id: a.id, name: 'Mobile-App' });
      await h.store.apps.create({ team_id: a.id, name: 'web_app' });
      await h.store.apps.create({ team_id: a.id, name: 'webXapp' });
      await h.store.apps.create({ team_id: b.id, name: 'mobile' });
      const names = async (q: Parameters<typeof h.store.apps.list>[1]) =>
        (await h.store.apps.list('all', q)).items.map((x) => x.name).sort();
      expect(await names({ team_id: a.id })).toEqual(['Mobile-App', 'web_app', 'webXapp'].sort());
      expect(await names({ name: 'MOBILE' })).toEqual(['Mobile-App', 'mobile'].sort());
      expect(await names({ name: 'mobile', team_id: b.id })).toEqual(['mobile']);
      expect(await names({ name: 'b_a' })).toEqual(['web_app']);
      expect(await names({ name: '%' })).toEqual([]);
      expect((await h.store.teams.list('all', { name: 'ALP' })).items.map((t) => t.id)).toEqual([a.id]);
    });

    test('limit outside 1..500 and a forged cursor are validation errors', async () => {
      await expectError(h.store.apps.list('all', { limit: 0 }), 'GANTRY_ERR_VALIDATION', { path: '/limit' });
      await expectError(h.store.apps.list('all', { limit: 501 }), 'GANTRY_ERR_VALIDATION', { path: '/limit' });
      await expectError(h.store.teams.list('all', { cursor: '!!not a cursor' }), 'GANTRY_ERR_VALIDATION', { path: '/cursor' });
      await expectError(h.store.routes.list('all', { cursor: 'Zm9v' }), 'GANTRY_ERR_VALIDATION', { path: '/cursor' });
      await expectError(h.store.policies.list('all', { limit: -1 }), 'GANTRY_ERR_VALIDATION', { path: '/limit' });
      expect((await h.store.apps.list('all', { limit: 500 })).items).toEqual([]);
    });
  });
}
