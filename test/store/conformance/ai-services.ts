import { describe, expect, test } from 'vitest';
import { expectError, seedStack, type Harness } from './harness.js';

export function aiServiceTests(h: Harness): void {
  describe('service kinds', () => {
    test('a service is http by default with empty ai settings', async () => {
      const { service, upstream } = await seedStack(h.store, 'acme');
      expect(service).toMatchObject({ kind: 'http', upstream_id: upstream.id, ai: {} });
    });

    test('an ai service has no upstream; kind and ai settings round-trip', async () => {
      const team = await h.store.teams.create({ name: 'acme' });
      const ai = { models: ['openai/gpt-4o', 'smart'], default_max_tokens: 4096, retries: 1 };
      const svc = await h.store.services.create({ team_id: team.id, name: 'llm', kind: 'ai', ai });
      expect(svc).toMatchObject({ kind: 'ai', upstream_id: null, ai, enabled: true, retries: 2 });
      expect(await h.store.services.get('all', svc.id)).toEqual(svc);
      const explicitNull = await h.store.services.create({ team_id: team.id, name: 'llm2', kind: 'ai', upstream_id: null });
      expect(explicitNull).toMatchObject({ kind: 'ai', upstream_id: null, ai: {} });
    });

    test('an http service needs an upstream_id; an ai service must not have one', async () => {
      const { team, upstream } = await seedStack(h.store, 'acme');
      await expectError(h.store.services.create({ team_id: team.id, name: 'x' }), 'GANTRY_ERR_VALIDATION', { path: '/upstream_id' });
      await expectError(h.store.services.create({ team_id: team.id, name: 'x', kind: 'http', upstream_id: null }), 'GANTRY_ERR_VALIDATION', {
        path: '/upstream_id',
      });
      await expectError(
        h.store.services.create({ team_id: team.id, name: 'x', kind: 'ai', upstream_id: upstream.id }),
        'GANTRY_ERR_VALIDATION',
        { path: '/upstream_id', message: /AI services call providers, not upstreams/ },
      );
      expect((await h.store.services.list('all')).items).toHaveLength(1);
    });

    test('updates keep the kind and its upstream rule; ai settings are replaced', async () => {
      const { team, service, upstream } = await seedStack(h.store, 'acme');
      await expectError(h.store.services.update('all', service.id, { upstream_id: null }), 'GANTRY_ERR_VALIDATION', { path: '/upstream_id' });
      expect((await h.store.services.get('all', service.id))?.upstream_id).toBe(upstream.id);

      const ai = await h.store.services.create({ team_id: team.id, name: 'llm', kind: 'ai', ai: { models: ['a'] } });
      await expectError(h.store.services.update('all', ai.id, { upstream_id: upstream.id }), 'GANTRY_ERR_VALIDATION', {
        path: '/upstream_id',
        message: /providers, not upstreams/,
      });
      const updated = await h.store.services.update('all', ai.id, { upstream_id: null, ai: { retries: 3 }, description: 'd' });
      expect(updated).toMatchObject({ kind: 'ai', upstream_id: null, ai: { retries: 3 }, description: 'd' });
      expect(await h.store.services.get('all', ai.id)).toEqual(updated);
    });
  });

  describe('app AI limits', () => {
    test('default to {}, round-trip, and an update replaces them', async () => {
      const team = await h.store.teams.create({ name: 'acme' });
      const plain = await h.store.apps.create({ team_id: team.id, name: 'plain' });
      expect(plain.ai_limits).toEqual({});
      const limits = { tokens_per_minute: 10_000, spend_per_day_usd: 12.5, spend_per_month_usd: null };
      const app = await h.store.apps.create({ team_id: team.id, name: 'limited', ai_limits: limits });
      expect(app.ai_limits).toEqual(limits);
      expect(await h.store.apps.get('all', app.id)).toEqual(app);
      const updated = await h.store.apps.update('all', app.id, { ai_limits: { spend_per_month_usd: 100 } });
      expect(updated?.ai_limits).toEqual({ spend_per_month_usd: 100 });
      expect((await h.store.apps.update('all', app.id, { description: 'd' }))?.ai_limits).toEqual({ spend_per_month_usd: 100 });
    });
  });
}
