import { describe, expect, test } from 'vitest';
import { keyInput, seedStack, sortIds, tokenInput, type Harness } from './harness.js';

type Scoped = {
  get(scope: readonly string[] | 'all', id: string): Promise<{ id: string } | undefined>;
  update(scope: readonly string[] | 'all', id: string, patch: { name: string }): Promise<unknown>;
  delete(scope: readonly string[] | 'all', id: string): Promise<boolean>;
  list(scope: readonly string[] | 'all', q?: { team_id?: string }): Promise<{ items: { id: string }[] }>;
};

export function scopingTests(h: Harness): void {
  describe('team scoping', () => {
    test('a team scope cannot get, update, delete or list another team’s rows', async () => {
      const a = await seedStack(h.store, 'alpha');
      const b = await seedStack(h.store, 'beta');
      const key = await h.store.apiKeys.create(keyInput(a.team.id, a.app.id));
      const policy = await h.store.policies.create({
        team_id: a.team.id, name: 'p', type: 'cors', scope: 'service', target_id: a.service.id,
      });
      const onlyB = [b.team.id];
      const cases: [string, Scoped, string][] = [
        ['upstreams', h.store.upstreams, a.upstream.id],
        ['services', h.store.services, a.service.id],
        ['routes', h.store.routes, a.route.id],
        ['apps', h.store.apps, a.app.id],
        ['policies', h.store.policies, policy.id],
        ['apiKeys', h.store.apiKeys as unknown as Scoped, key.id],
        ['teams', h.store.teams, a.team.id],
      ];
      for (const [name, repo, id] of cases) {
        expect(await repo.get(onlyB, id), name).toBeUndefined();
        expect(await repo.update(onlyB, id, { name: 'stolen' }), name).toBeUndefined();
        expect(await repo.delete(onlyB, id), name).toBe(false);
        expect(await repo.get('all', id), name).toBeDefined();
        expect(await repo.get([a.team.id], id), name).toBeDefined();
        const visible = (await repo.list(onlyB)).items.map((x) => x.id);
        expect(visible, name).not.toContain(id);
        expect((await repo.list(onlyB, { team_id: a.team.id })).items, name).toEqual([]);
        expect((await repo.list([], {})).items, name).toEqual([]);
      }
      expect((await h.store.upstreams.get('all', a.upstream.id))?.name).toBe('alpha-ups');
      expect(await h.store.upstreams.getByName(onlyB, a.team.id, 'alpha-ups')).toBeUndefined();
      expect(await h.store.teams.getByName(onlyB, a.team.id, 'alpha')).toBeUndefined();
      expect((await h.store.services.list(onlyB)).items.map((s) => s.id)).toEqual([b.service.id]);
      expect((await h.store.teams.list([a.team.id, b.team.id])).items.map((t) => t.id)).toEqual(sortIds([a.team.id, b.team.id]));
    });

    test('team-scoped deletes of in-scope rows work', async () => {
      const a = await seedStack(h.store, 'alpha');
      expect(await h.store.routes.delete([a.team.id], a.route.id)).toBe(true);
      expect(await h.store.routes.get('all', a.route.id)).toBeUndefined();
    });

    test('global policies and org tokens are visible only to the all scope', async () => {
      const a = await seedStack(h.store, 'alpha');
      const global = await h.store.policies.create({ team_id: null, name: 'cors', type: 'cors', scope: 'global' });
      const scope = [a.team.id];
      expect(await h.store.policies.get(scope, global.id)).toBeUndefined();
      expect((await h.store.policies.list(scope)).items).toEqual([]);
      expect((await h.store.policies.list(scope, { scope: 'global' })).items).toEqual([]);
      expect(await h.store.policies.update(scope, global.id, { enabled: false })).toBeUndefined();
      expect(await h.store.policies.delete(scope, global.id)).toBe(false);
      expect((await h.store.policies.list('all')).items.map((p) => p.id)).toEqual([global.id]);

      const org = await h.store.adminTokens.create(tokenInput('org_admin', null));
      const mine = await h.store.adminTokens.create(tokenInput('team_admin', a.team.id));
      expect((await h.store.adminTokens.list(scope)).map((t) => t.id)).toEqual([mine.id]);
      expect(await h.store.adminTokens.get(scope, org.id)).toBeUndefined();
      expect(await h.store.adminTokens.delete(scope, org.id)).toBe(false);
      expect((await h.store.adminTokens.list('all')).map((t) => t.id)).toEqual(sortIds([org.id, mine.id]));
    });
  });
}
