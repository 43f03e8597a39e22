import { describe, expect, test } from 'vitest';
import { expectError, keyInput, seedStack, tokenInput, type Harness } from './harness.js';

export function errorTests(h: Harness): void {
  describe('conflicts', () => {
    test('duplicate names per kind and team are GANTRY_ERR_CONFLICT with an actionable message', async () => {
      const a = await seedStack(h.store, 'alpha');
      const s = h.store;
      await expectError(s.teams.create({ name: 'alpha' }), 'GANTRY_ERR_CONFLICT', { message: /a team named 'alpha' already exists/ });
      await expectError(
        s.upstreams.create({ team_id: a.team.id, name: 'alpha-ups', targets: [{ url: 'http://x:1' }] }),
        'GANTRY_ERR_CONFLICT',
        { message: /an upstream named 'alpha-ups' already exists in this team/ },
      );
      await expectError(
        s.services.create({ team_id: a.team.id, name: 'alpha-svc', upstream_id: a.upstream.id }),
        'GANTRY_ERR_CONFLICT',
        { message: /service named 'alpha-svc'/ },
      );
      // Route names are unique per team, across services.
      const svc2 = await s.services.create({ team_id: a.team.id, name: 'svc2', upstream_id: a.upstream.id });
      await expectError(
        s.routes.create({ team_id: a.team.id, service_id: svc2.id, name: 'alpha-rt', paths: ['/x'] }),
        'GANTRY_ERR_CONFLICT',
        { message: /route named 'alpha-rt'/ },
      );
      await expectError(s.apps.create({ team_id: a.team.id, name: 'alpha-app' }), 'GANTRY_ERR_CONFLICT', { message: /app named 'alpha-app'/ });
    });

    test('the same names in another team are fine', async () => {
      const a = await seedStack(h.store, 'alpha');
      const b = await h.store.teams.create({ name: 'beta' });
      const ups = await h.store.upstreams.create({ team_id: b.id, name: 'alpha-ups', targets: [{ url: 'http://x:1' }] });
      const svc = await h.store.services.create({ team_id: b.id, name: 'alpha-svc', upstream_id: ups.id });
      await h.store.routes.create({ team_id: b.id, service_id: svc.id, name: 'alpha-rt', paths: ['/x'] });
      await h.store.apps.create({ team_id: b.id, name: 'alpha-app' });
      expect((await h.store.upstreams.getByName('all', a.team.id, 'alpha-ups'))?.id).toBe(a.upstream.id);
      expect((await h.store.upstreams.getByName('all', b.id, 'alpha-ups'))?.id).toBe(ups.id);
    });

    test('renaming onto an existing name conflicts and changes nothing', async () => {
      const a = await seedStack(h.store, 'alpha');
      const other = await h.store.apps.create({ team_id: a.team.id, name: 'other' });
      await expectError(h.store.apps.update('all', other.id, { name: 'alpha-app' }), 'GANTRY_ERR_CONFLICT', { message: /alpha-app/ });
      expect((await h.store.apps.get('all', other.id))?.name).toBe('other');
      await h.store.teams.create({ name: 'beta' });
      await expectError(h.store.teams.update('all', a.team.id, { name: 'beta' }), 'GANTRY_ERR_CONFLICT');
    });

    test('policies are unique per scope target; key and token hashes are unique', async () => {
      const a = await seedStack(h.store, 'alpha');
      const s = h.store;
      await s.policies.create({ team_id: null, name: 'cors', type: 'cors', scope: 'global' });
      await expectError(s.policies.create({ team_id: null, name: 'cors', type: 'cors', scope: 'global' }), 'GANTRY_ERR_CONFLICT', {
        message: /global policy named 'cors'/,
      });
      const p = { team_id: a.team.id, name: 'limit', type: 'rate-limit', scope: 'service' as const, target_id: a.service.id };
      await s.policies.create(p);
      await expectError(s.policies.create(p), 'GANTRY_ERR_CONFLICT', { message: /policy named 'limit' already exists on this service/ });
      // Same name on another target, or the same target in another scope kind, is fine.
      await s.policies.create({ ...p, scope: 'route', target_id: a.route.id });
      await s.policies.create({ ...p, name: 'cors' });

      const key = keyInput(a.team.id, a.app.id);
      await s.apiKeys.create(key);
      await expectError(s.apiKeys.create({ ...key, name: 'again' }), 'GANTRY_ERR_CONFLICT');
      const token = tokenInput('org_admin', null);
      await s.adminTokens.create(token);
      await expectError(s.adminTokens.create({ ...token, name: 'again' }), 'GANTRY_ERR_CONFLICT');
    });
  });

  describe('references', () => {
    test('a service needs an upstream of its own team', async () => {
      const a = await seedStack(h.store, 'alpha');
      const b = await seedStack(h.store, 'beta');
      const err = await expectError(
        h.store.services.create({ team_id: a.team.id, name: 'x', upstream_id: b.upstream.id }),
        'GANTRY_ERR_VALIDATION',
        { path: '/upstream_id' },
      );
      expect(err.message).not.toMatch(/beta/);
      await expectError(h.store.services.create({ team_id: a.team.id, name: 'x', upstream_id: 'ups_missing' }), 'GANTRY_ERR_VALIDATION', {
        path: '/upstream_id',
      });
      await expectError(h.store.services.update('all', a.service.id, { upstream_id: b.upstream.id }), 'GANTRY_ERR_VALIDATION', {
        path: '/upstream_id',
      });
      expect((await h.store.services.get('all', a.service.id))?.upstream_id).toBe(a.upstream.id);
    });

    test('routes, keys, policies and team-owned resources reference only their own team', async () => {
      const a = await seedStack(h.store, 'alpha');
      const b = await seedStack(h.store, 'beta');
      const s = h.store;
      await expectError(s.routes.create({ team_id: a.team.id, service_id: b.service.id, name: 'x', paths: ['/'] }), 'GANTRY_ERR_VALIDATION', {
        path: '/service_id',
      });
      await expectError(s.apiKeys.create(keyInput(a.team.id, b.app.id)), 'GANTRY_ERR_VALIDATION', { path: '/app_id' });
      await expectError(
        s.policies.create({ team_id: a.team.id, name: 'p', type: 'cors', scope: 'service', target_id: b.service.id }),
        'GANTRY_ERR_VALIDATION',
        { path: '/target_id' },
      );
      await expectError(
        s.policies.create({ team_id: a.team.id, name: 'p', type: 'cors', scope: 'route', target_id: b.route.id }),
        'GANTRY_ERR_VALIDATION',
        { path: '/target_id' },
      );
      await expectError(s.policies.create({ team_id: a.team.id, name: 'p', type: 'cors', scope: 'global' }), 'GANTRY_ERR_VALIDATION', {
        path: '/team_id',
      });
      await expectError(s.policies.create({ team_id: a.team.id, name: 'p', type: 'cors', scope: 'route' }), 'GANTRY_ERR_VALIDATION', {
        path: '/target_id',
      });
      await expectError(s.upstreams.create({ team_id: 'team_missing', name: 'u', targets: [{ url: 'http://x:1' }] }), 'GANTRY_ERR_VALIDATION', {
        path: '/team_id',
      });
      await expectError(s.apps.create({ team_id: 'team_missing', name: 'u' }), 'GANTRY_ERR_VALIDATION', { path: '/team_id' });
      await expectError(s.adminTokens.create(tokenInput('team_admin', null)), 'GANTRY_ERR_VALIDATION', { path: '/team_id' });
      await expectError(s.adminTokens.create(tokenInput('team_admin', 'team_missing')), 'GANTRY_ERR_VALIDATION', { path: '/team_id' });
      await expectError(s.adminTokens.create(tokenInput('org_admin', a.team.id)), 'GANTRY_ERR_VALIDATION', { path: '/team_id' });
    });
  });

  describe('deletes', () => {
    test('an upstream used by services is GANTRY_ERR_IN_USE naming them', async () => {
      const a = await seedStack(h.store, 'alpha');
      await expectError(h.store.upstreams.delete('all', a.upstream.id), 'GANTRY_ERR_IN_USE', { message: /'alpha-svc'/ });
      expect(await h.store.upstreams.get('all', a.upstream.id)).toBeDefined();
    });

    test('a service with routes is GANTRY_ERR_IN_USE; without routes it goes with its policies', async () => {
      const a = await seedStack(h.store, 'alpha');
      const keep = await h.store.policies.create({ team_id: a.team.id, name: 'p', type: 'cors', scope: 'route', target_id: a.route.id });
      const gone = await h.store.policies.create({ team_id: a.team.id, name: 'p', type: 'cors', scope: 'service', target_id: a.service.id });
      await expectError(h.store.services.delete('all', a.service.id), 'GANTRY_ERR_IN_USE', { message: /'alpha-rt'/ });
      expect(await h.store.policies.get('all', gone.id)).toBeDefined();

      const svc2 = await h.store.services.create({ team_id: a.team.id, name: 'svc2', upstream_id: a.upstream.id });
      const p2 = await h.store.policies.create({ team_id: a.team.id, name: 'p', type: 'cors', scope: 'service', target_id: svc2.id });
      expect(await h.store.services.delete('all', svc2.id)).toBe(true);
      expect(await h.store.policies.get('all', p2.id)).toBeUndefined();
      expect(await h.store.policies.get('all', gone.id)).toBeDefined();
      expect(await h.store.policies.get('all', keep.id)).toBeDefined();
    });

    test('deleting a route deletes its route policies only; then the service and upstream can go', async () => {
      const a = await seedStack(h.store, 'alpha');
      const onRoute = await h.store.policies.create({ team_id: a.team.id, name: 'p', type: 'cors', scope: 'route', target_id: a.route.id });
      const onService = await h.store.policies.create({ team_id: a.team.id, name: 'p', type: 'cors', scope: 'service', target_id: a.service.id });
      expect(await h.store.routes.delete('all', a.route.id)).toBe(true);
      expect(await h.store.routes.get('all', a.route.id)).toBeUndefined();
      expect(await h.store.policies.get('all', onRoute.id)).toBeUndefined();
      expect(await h.store.policies.get('all', onService.id)).toBeDefined();
      expect(await h.store.services.delete('all', a.service.id)).toBe(true);
      expect(await h.store.policies.get('all', onService.id)).toBeUndefined();
      expect(await h.store.upstreams.delete('all', a.upstream.id)).toBe(true);
    });

    test('deleting an app deletes its keys', async () => {
      const a = await seedStack(h.store, 'alpha');
      const other = await h.store.apps.create({ team_id: a.team.id, name: 'other' });
      const k1 = await h.store.apiKeys.create(keyInput(a.team.id, a.app.id));
      const k2 = await h.store.apiKeys.create(keyInput(a.team.id, other.id));
      expect(await h.store.apps.delete('all', a.app.id)).toBe(true);
      expect(await h.store.apiKeys.get('all', k1.id)).toBeUndefined();
      expect(await h.store.apiKeys.get('all', k2.id)).toBeDefined();
    });

    test('a team that still owns anything is GANTRY_ERR_IN_USE; an empty team can go', async () => {
      const a = await seedStack(h.store, 'alpha');
      const err = await expectError(h.store.teams.delete('all', a.team.id), 'GANTRY_ERR_IN_USE', { message: /team 'alpha' still owns/ });
      expect(err.message).toMatch(/1 route/);
      expect(err.message).toMatch(/1 upstream/);
      const token = await h.store.adminTokens.create(tokenInput('team_admin', a.team.id));
      await h.store.routes.delete('all', a.route.id);
      await h.store.services.delete('all', a.service.id);
      await h.store.upstreams.delete('all', a.upstream.id);
      await h.store.apps.delete('all', a.app.id);
      await expectError(h.store.teams.delete('all', a.team.id), 'GANTRY_ERR_IN_USE', { message: /1 admin token/ });
      await h.store.adminTokens.delete('all', token.id);
      expect(await h.store.teams.delete('all', a.team.id)).toBe(true);
    });
  });
}
