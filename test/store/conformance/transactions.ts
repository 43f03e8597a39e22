import { describe, expect, test } from 'vitest';
import { GantryError } from '../../../src/core/errors.js';
import { byId, expectError, keyInput, seedStack, tokenInput, type Harness } from './harness.js';

export function transactionTests(h: Harness): void {
  describe('config version', () => {
    test('every configuration change bumps it; failed and no-op writes do not', async () => {
      const s = h.store;
      let last = await s.getConfigVersion();
      const bumped = async <T>(what: string, p: Promise<T>): Promise<T> => {
        const result = await p;
        const now = await s.getConfigVersion();
        expect(now, what).toBeGreaterThan(last);
        last = now;
        return result;
      };
      const unchanged = async (what: string, p: Promise<unknown>) => {
        await p.catch(() => undefined);
        expect(await s.getConfigVersion(), what).toBe(last);
      };
      const team = await bumped('team create', s.teams.create({ name: 'acme' }));
      await bumped('team update', s.teams.update('all', team.id, { description: 'd' }));
      const ups = await bumped('upstream create', s.upstreams.create({ team_id: team.id, name: 'u', targets: [{ url: 'http://u:1' }] }));
      await bumped('upstream update', s.upstreams.update('all', ups.id, { algorithm: 'least-connections' }));
      const svc = await bumped('service create', s.services.create({ team_id: team.id, name: 's', upstream_id: ups.id }));
      await bumped('service update', s.services.update('all', svc.id, { retries: 1 }));
      const rt = await bumped('route create', s.routes.create({ team_id: team.id, service_id: svc.id, name: 'r', paths: ['/'] }));
      await bumped('route update', s.routes.update('all', rt.id, { paths: ['/a'] }));
      const app = await bumped('app create', s.apps.create({ team_id: team.id, name: 'a' }));
      await bumped('app update', s.apps.update('all', app.id, { description: 'd' }));
      const key = await bumped('key create', s.apiKeys.create(keyInput(team.id, app.id)));
      await bumped('key update', s.apiKeys.update('all', key.id, { enabled: false }));
      const pol = await bumped('policy create', s.policies.create({ team_id: null, name: 'c', type: 'cors', scope: 'global' }));
      await bumped('policy update', s.policies.update('all', pol.id, { config: { a: 1 } }));

      await unchanged('conflict', s.teams.create({ name: 'acme' }));
      await unchanged('update of a missing id', s.apps.update('all', 'app_missing', { name: 'x' }));
      await unchanged('delete of a missing id', s.routes.delete('all', 'rt_missing'));
      await unchanged('in use', s.upstreams.delete('all', ups.id));
      await unchanged('out of scope', s.apps.delete(['team_other'], app.id));
      await unchanged('admin token create', s.adminTokens.create(tokenInput('org_admin', null)));
      const token = await s.adminTokens.create(tokenInput('team_admin', team.id));
      await unchanged('admin token delete', s.adminTokens.delete('all', token.id));

      await bumped('policy delete', s.policies.delete('all', pol.id));
      await bumped('key delete', s.apiKeys.delete('all', key.id));
      await bumped('app delete', s.apps.delete('all', app.id));
      await bumped('route delete', s.routes.delete('all', rt.id));
      await bumped('service delete', s.services.delete('all', svc.id));
      await bumped('upstream delete', s.upstreams.delete('all', ups.id));
    });

    test('concurrent writers each change the version', async () => {
      const team = await h.store.teams.create({ name: 'acme' });
      const before = await h.store.getConfigVersion();
      const apps = await Promise.all(
        Array.from({ length: 10 }, (_, i) => h.store.apps.create({ team_id: team.id, name: `app-${i}` })),
      );
      expect(new Set(apps.map((a) => a.id)).size).toBe(10);
      expect(await h.store.getConfigVersion()).toBeGreaterThanOrEqual(before + 10);
    });
  });

  describe('transactions', () => {
    test('commit: writes through the bound store are visible after, and bump the version', async () => {
      const before = await h.store.getConfigVersion();
      const result = await h.store.transaction(async (tx) => {
        const team = await tx.teams.create({ name: 'acme' });
        const app = await tx.apps.create({ team_id: team.id, name: 'a' });
        expect(await tx.apps.get('all', app.id)).toEqual(app);
        return app;
      });
      expect(await h.store.apps.get('all', result.id)).toEqual(result);
      expect(await h.store.getConfigVersion()).toBeGreaterThan(before);
    });

    test('a throwing fn writes nothing, keeps the version and rethrows its own error', async () => {
      const before = await h.store.getConfigVersion();
      const boom = new Error('boom');
      let caught: unknown;
      try {
        await h.store.transaction(async (tx) => {
          const team = await tx.teams.create({ name: 'acme' });
          await tx.upstreams.create({ team_id: team.id, name: 'u', targets: [{ url: 'http://u:1' }] });
          throw boom;
        });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBe(boom);
      expect(await h.store.teams.getByName('all', '', 'acme')).toBeUndefined();
      expect((await h.store.upstreams.list('all')).items).toEqual([]);
      expect(await h.store.getConfigVersion()).toBe(before);
    });

    test('nested transactions join the outer one and roll back with it', async () => {
      const before = await h.store.getConfigVersion();
      await expect(
        h.store.transaction(async (tx) => {
          await tx.transaction(async (inner) => {
            await inner.teams.create({ name: 'inner' });
          });
          // A call on the root store inside the transaction joins it instead of deadlocking.
          await h.store.transaction(async (rootInner) => rootInner.teams.create({ name: 'via-root' }));
          await h.store.teams.create({ name: 'root-direct' });
          expect((await tx.teams.list('all')).items.map((t) => t.name).sort()).toEqual(['inner', 'root-direct', 'via-root']);
          throw new Error('undo');
        }),
      ).rejects.toThrow('undo');
      expect((await h.store.teams.list('all')).items).toEqual([]);
      expect(await h.store.getConfigVersion()).toBe(before);

      await h.store.transaction(async (tx) => {
        await tx.transaction(async (inner) => inner.teams.create({ name: 'kept' }));
      });
      expect((await h.store.teams.list('all')).items.map((t) => t.name)).toEqual(['kept']);
    });

    test('a failed write inside a transaction leaves it usable', async () => {
      await h.store.transaction(async (tx) => {
        await tx.teams.create({ name: 'acme' });
        await expectError(tx.teams.create({ name: 'acme' }), 'GANTRY_ERR_CONFLICT');
        const a = await seedStack(tx, 'alpha');
        await expectError(tx.upstreams.delete('all', a.upstream.id), 'GANTRY_ERR_IN_USE');
        await tx.teams.create({ name: 'after' });
      });
      expect((await h.store.teams.list('all')).items.map((t) => t.name).sort()).toEqual(['acme', 'after', 'alpha']);
    });

    test('concurrent writes on one transaction store are serialized safely', async () => {
      await h.store.transaction(async (tx) => {
        const results = await Promise.allSettled([
          tx.teams.create({ name: 'one' }),
          tx.teams.create({ name: 'one' }),
          tx.teams.create({ name: 'two' }),
        ]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        const rejected = results[1] as PromiseRejectedResult;
        expect(rejected.reason).toBeInstanceOf(GantryError);
        expect((rejected.reason as GantryError).code).toBe('GANTRY_ERR_CONFLICT');
      });
      expect((await h.store.teams.list('all')).items.map((t) => t.name).sort()).toEqual(['one', 'two']);
    });
  });

  describe('loadConfig', () => {
    test('returns every resource in id order, with key hashes, at the current version', async () => {
      const a = await seedStack(h.store, 'alpha');
      const b = await seedStack(h.store, 'beta');
      const key = await h.store.apiKeys.create(keyInput(b.team.id, b.app.id));
      const global = await h.store.policies.create({ team_id: null, name: 'cors', type: 'cors', scope: 'global', config: { origins: ['*'] } });
      const local = await h.store.policies.create({ team_id: a.team.id, name: 'l', type: 'cors', scope: 'route', target_id: a.route.id });
      await h.store.adminTokens.create(tokenInput('org_admin', null));

      const config = await h.store.loadConfig();
      expect(config.version).toBe(await h.store.getConfigVersion());
      expect(config.teams).toEqual(byId([a.team, b.team]));
      expect(config.upstreams).toEqual(byId([a.upstream, b.upstream]));
      expect(config.services).toEqual(byId([a.service, b.service]));
      expect(config.routes).toEqual(byId([a.route, b.route]));
      expect(config.apps).toEqual(byId([a.app, b.app]));
      expect(config.apiKeys).toEqual([key]);
      expect(config.apiKeys[0]?.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(config.policies).toEqual(byId([global, local]));
    });

    test('is one consistent snapshot while writers commit', async () => {
      const team = await h.store.teams.create({ name: 'acme' });
      const writers = Array.from({ length: 8 }, (_, i) =>
        h.store.transaction(async (tx) => {
          const ups = await tx.upstreams.create({ team_id: team.id, name: `u${i}`, targets: [{ url: 'http://u:1' }] });
          await tx.services.create({ team_id: team.id, name: `s${i}`, upstream_id: ups.id });
        }),
      );
      const readers = Array.from({ length: 8 }, () => h.store.loadConfig());
      const [, snapshots] = await Promise.all([Promise.all(writers), Promise.all(readers)]);
      for (const snapshot of snapshots) {
        expect(snapshot.services.length).toBe(snapshot.upstreams.length);
        const upstreamIds = new Set(snapshot.upstreams.map((u) => u.id));
        for (const svc of snapshot.services) expect(upstreamIds.has(svc.upstream_id ?? '')).toBe(true);
      }
      const final = await h.store.loadConfig();
      expect(final.services).toHaveLength(8);
    });
  });

  describe('migrations', () => {
    test('the first migrate applies the schema, a second is a no-op', async () => {
      expect(h.applied).toContain('0001_initial');
      expect(await h.store.migrate()).toEqual({ applied: [] });
      expect(await h.store.getConfigVersion()).toBe(0);
    });
  });
}
