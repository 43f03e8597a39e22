import { describe, expect, test } from 'vitest';
import type { AiUsageRow, Store } from '../../../src/store/types.js';
import { expectError, usageDelta, type Harness } from './harness.js';

/** Two teams' usage over three days, two providers and models, some with app/key/service. */
async function seedUsage(store: Store) {
  const t = { a: 'team_a', b: 'team_b' };
  await store.aiUsage.record([
    usageDelta({ day: '2025-06-01', team_id: t.a, app_id: 'app_1', key_id: 'key_1', service_id: 'svc_1', provider_id: 'aip_oa', model: 'openai/gpt-4o', requests: 2, prompt_tokens: 100, completion_tokens: 10, cost_usd: 0.5 }),
    usageDelta({ day: '2025-06-01', team_id: t.a, app_id: 'app_2', provider_id: 'aip_an', model: 'anthropic/claude', requests: 1, prompt_tokens: 50, cost_usd: 0.25 }),
    usageDelta({ day: '2025-06-02', team_id: t.a, app_id: 'app_1', key_id: 'key_1', service_id: 'svc_1', provider_id: 'aip_oa', model: 'openai/gpt-4o', requests: 3, errors: 1, prompt_tokens: 300, cost_usd: 1 }),
    usageDelta({ day: '2025-06-02', team_id: t.b, app_id: 'app_9', provider_id: 'aip_oa', model: 'openai/gpt-4o', requests: 5, prompt_tokens: 500, cost_usd: 2 }),
    usageDelta({ day: '2025-06-03', team_id: t.b, provider_id: 'aip_an', model: 'anthropic/claude', requests: 7, prompt_tokens: 700, cost_usd: 4, saved_usd: 1 }),
  ]);
  return t;
}

const pick = (rows: AiUsageRow[], ...keys: (keyof AiUsageRow)[]) =>
  rows.map((r) => Object.fromEntries(keys.map((k) => [k, r[k]])));

export function aiUsageTests(h: Harness): void {
  describe('AI usage', () => {
    test('record adds counters into daily buckets across rows, batches and days', async () => {
      const base = { team_id: 'team_a', provider_id: 'aip_1', app_id: 'app_1' };
      await h.store.aiUsage.record([
        usageDelta({ ...base, requests: 1, prompt_tokens: 10, completion_tokens: 5, cached_read_tokens: 4, estimated_requests: 1, cost_usd: 0.01 }),
        usageDelta({ ...base, requests: 1, errors: 1, prompt_tokens: 20, reasoning_tokens: 7, cost_usd: 0.02 }),
        usageDelta({ ...base, day: '2025-06-02', requests: 4, prompt_tokens: 1 }),
      ]);
      await h.store.aiUsage.record([usageDelta({ ...base, requests: 2, cache_write_tokens: 3, completion_tokens: 1, cost_usd: 0.03, saved_usd: 0.5 })]);
      await h.store.aiUsage.record([]);
      const rows = await h.store.aiUsage.query('all', { from: '2025-06-01', to: '2025-06-30', group_by: ['day'] });
      expect(rows).toEqual([
        {
          day: '2025-06-01', requests: 4, errors: 1, prompt_tokens: 30, completion_tokens: 6, cached_read_tokens: 4,
          cache_write_tokens: 3, reasoning_tokens: 7, estimated_requests: 1, cost_usd: 0.06, saved_usd: 0.5,
        },
        {
          day: '2025-06-02', requests: 4, errors: 0, prompt_tokens: 1, completion_tokens: 0, cached_read_tokens: 0,
          cache_write_tokens: 0, reasoning_tokens: 0, estimated_requests: 0, cost_usd: 0, saved_usd: 0,
        },
      ]);
    });

    test('money is exact: micro-dollars add without floating-point drift', async () => {
      const base = { team_id: 'team_a', provider_id: 'aip_1' };
      await h.store.aiUsage.record([usageDelta({ ...base, cost_usd: 0.1, saved_usd: 0.7 })]);
      await h.store.aiUsage.record([usageDelta({ ...base, cost_usd: 0.2, saved_usd: 0.1 })]);
      const [row] = await h.store.aiUsage.query('all', { from: '2025-06-01', to: '2025-06-01', group_by: [] });
      expect(0.1 + 0.2).not.toBe(0.3);
      expect(row?.cost_usd).toBe(0.3);
      expect(row?.saved_usd).toBe(0.8);

      await h.store.aiUsage.record(Array.from({ length: 10 }, () => usageDelta({ ...base, day: '2025-06-02', cost_usd: 0.1 })));
      await h.store.aiUsage.record([usageDelta({ ...base, day: '2025-06-02', cost_usd: 0.0000004 })]);
      const [day2] = await h.store.aiUsage.query('all', { from: '2025-06-02', to: '2025-06-02', group_by: [] });
      expect(day2?.cost_usd).toBe(1);
    });

    test('groups by each dimension, ordered by it; absent app, key and service come back as null', async () => {
      await seedUsage(h.store);
      const q = (group_by: Parameters<Store['aiUsage']['query']>[1]['group_by']) =>
        h.store.aiUsage.query('all', { from: '2025-06-01', to: '2025-06-03', group_by });
      expect(pick(await q(['day']), 'day', 'requests')).toEqual([
        { day: '2025-06-01', requests: 3 },
        { day: '2025-06-02', requests: 8 },
        { day: '2025-06-03', requests: 7 },
      ]);
      expect(pick(await q(['team']), 'team_id', 'requests', 'cost_usd')).toEqual([
        { team_id: 'team_a', requests: 6, cost_usd: 1.75 },
        { team_id: 'team_b', requests: 12, cost_usd: 6 },
      ]);
      const byApp = await q(['app']);
      expect(new Set(byApp.map((r) => r.app_id))).toEqual(new Set([null, 'app_1', 'app_2', 'app_9']));
      expect(byApp.find((r) => r.app_id === null)?.requests).toBe(7);
      expect(byApp.find((r) => r.app_id === 'app_1')?.requests).toBe(5);
      const byKey = await q(['key']);
      expect(byKey).toHaveLength(2);
      expect(byKey.find((r) => r.key_id === 'key_1')).toMatchObject({ requests: 5, errors: 1, prompt_tokens: 400 });
      expect(byKey.find((r) => r.key_id === null)?.requests).toBe(13);
      expect(pick(await q(['service']), 'service_id', 'requests').sort((x, y) => Number(x.requests) - Number(y.requests))).toEqual([
        { service_id: 'svc_1', requests: 5 },
        { service_id: null, requests: 13 },
      ]);
      expect(pick(await q(['provider']), 'provider_id', 'requests', 'saved_usd')).toEqual([
        { provider_id: 'aip_an', requests: 8, saved_usd: 1 },
        { provider_id: 'aip_oa', requests: 10, saved_usd: 0 },
      ]);
      expect(pick(await q(['model']), 'model', 'prompt_tokens')).toEqual([
        { model: 'anthropic/claude', prompt_tokens: 750 },
        { model: 'openai/gpt-4o', prompt_tokens: 900 },
      ]);
      // Rows carry only the requested dimensions.
      expect(Object.keys((await q(['model']))[0]!).sort()).toEqual(
        ['model', 'requests', 'errors', 'prompt_tokens', 'completion_tokens', 'cached_read_tokens', 'cache_write_tokens',
          'reasoning_tokens', 'estimated_requests', 'cost_usd', 'saved_usd'].sort(),
      );
    });

    test('groups by combinations in the order given', async () => {
      await seedUsage(h.store);
      const rows = await h.store.aiUsage.query('all', { from: '2025-06-01', to: '2025-06-03', group_by: ['team', 'model'] });
      expect(pick(rows, 'team_id', 'model', 'requests')).toEqual([
        { team_id: 'team_a', model: 'anthropic/claude', requests: 1 },
        { team_id: 'team_a', model: 'openai/gpt-4o', requests: 5 },
        { team_id: 'team_b', model: 'anthropic/claude', requests: 7 },
        { team_id: 'team_b', model: 'openai/gpt-4o', requests: 5 },
      ]);
      const byProviderDay = await h.store.aiUsage.query('all', { from: '2025-06-01', to: '2025-06-03', group_by: ['provider', 'day'] });
      expect(pick(byProviderDay, 'provider_id', 'day', 'cost_usd')).toEqual([
        { provider_id: 'aip_an', day: '2025-06-01', cost_usd: 0.25 },
        { provider_id: 'aip_an', day: '2025-06-03', cost_usd: 4 },
        { provider_id: 'aip_oa', day: '2025-06-01', cost_usd: 0.5 },
        { provider_id: 'aip_oa', day: '2025-06-02', cost_usd: 3 },
      ]);
      const fine = await h.store.aiUsage.query('all', {
        from: '2025-06-01', to: '2025-06-03', group_by: ['day', 'team', 'app', 'key', 'service', 'provider', 'model'],
      });
      expect(fine).toHaveLength(5);
      expect(fine[0]).toMatchObject({ day: '2025-06-01', team_id: 'team_a', app_id: 'app_1', key_id: 'key_1', service_id: 'svc_1' });
    });

    test('without dimensions: one row of totals, zeros when nothing was recorded', async () => {
      const empty = await h.store.aiUsage.query('all', { from: '2025-06-01', to: '2025-06-03', group_by: [] });
      expect(empty).toEqual([expect.objectContaining({ requests: 0, prompt_tokens: 0, cost_usd: 0, saved_usd: 0 })]);
      await seedUsage(h.store);
      const [total] = await h.store.aiUsage.query('all', { from: '2025-06-01', to: '2025-06-03', group_by: [] });
      expect(total).toMatchObject({ requests: 18, errors: 1, prompt_tokens: 1650, completion_tokens: 10, cost_usd: 7.75, saved_usd: 1 });
      expect(await h.store.aiUsage.query('all', { from: '2025-06-01', to: '2025-06-03', group_by: ['team'] })).toHaveLength(2);
      expect(await h.store.aiUsage.query('all', { from: '2025-07-01', to: '2025-07-31', group_by: ['team'] })).toEqual([]);
    });

    test('filters: day range inclusive, team, app, provider and model; the scope limits to its teams', async () => {
      await seedUsage(h.store);
      const total = async (q: Partial<Parameters<Store['aiUsage']['query']>[1]>, scope: 'all' | string[] = 'all') =>
        (await h.store.aiUsage.query(scope, { from: '2025-06-01', to: '2025-06-03', group_by: [], ...q }))[0]?.requests;
      expect(await total({ from: '2025-06-02', to: '2025-06-02' })).toBe(8);
      expect(await total({ from: '2025-06-02', to: '2025-06-03' })).toBe(15);
      expect(await total({ from: '2025-06-03', to: '2025-06-01' })).toBe(0);
      expect(await total({ team_id: 'team_a' })).toBe(6);
      expect(await total({ app_id: 'app_1' })).toBe(5);
      expect(await total({ provider_id: 'aip_an' })).toBe(8);
      expect(await total({ model: 'openai/gpt-4o' })).toBe(10);
      expect(await total({ model: 'openai/gpt-4o', team_id: 'team_b' })).toBe(5);

      expect(await total({}, ['team_a'])).toBe(6);
      expect(await total({ team_id: 'team_b' }, ['team_a'])).toBe(0);
      expect(await total({}, [])).toBe(0);
      expect(await total({}, ['team_a', 'team_b'])).toBe(18);
      const scoped = await h.store.aiUsage.query(['team_b'], { from: '2025-06-01', to: '2025-06-03', group_by: ['team', 'app'] });
      // No app sorts first: it is stored as ''.
      expect(pick(scoped, 'team_id', 'app_id')).toEqual([
        { team_id: 'team_b', app_id: null },
        { team_id: 'team_b', app_id: 'app_9' },
      ]);
    });

    test('does not bump the config version', async () => {
      const before = await h.store.getConfigVersion();
      await seedUsage(h.store);
      await h.store.aiUsage.record([usageDelta({ team_id: 'team_a', provider_id: 'aip_1', requests: 1 })]);
      expect(await h.store.getConfigVersion()).toBe(before);
    });

    test('invalid rows and queries are validation errors, and a bad batch writes nothing', async () => {
      const ok = usageDelta({ team_id: 'team_a', provider_id: 'aip_1', requests: 1 });
      await expectError(h.store.aiUsage.record([ok, { ...ok, day: '2025-6-1' }]), 'GANTRY_ERR_VALIDATION', { path: '/1/day' });
      await expectError(h.store.aiUsage.record([{ ...ok, requests: 1.5 }]), 'GANTRY_ERR_VALIDATION', { path: '/0/requests' });
      await expectError(h.store.aiUsage.record([{ ...ok, cost_usd: Number.NaN }]), 'GANTRY_ERR_VALIDATION', { path: '/0/cost_usd' });
      await expectError(h.store.aiUsage.record([{ ...ok, model: '' }]), 'GANTRY_ERR_VALIDATION', { path: '/0/model' });
      const q = { from: '2025-06-01', to: '2025-06-30', group_by: [] };
      expect((await h.store.aiUsage.query('all', q))[0]?.requests).toBe(0);
      await expectError(h.store.aiUsage.query('all', { ...q, from: 'yesterday' }), 'GANTRY_ERR_VALIDATION', { path: '/from' });
      await expectError(h.store.aiUsage.query('all', { ...q, group_by: ['colour' as 'day'] }), 'GANTRY_ERR_VALIDATION', {
        path: '/group_by/0',
      });
    });
  });
}
