import { describe, expect, test } from 'vitest';
import type { Store } from '../../../src/store/types.js';
import { expectError, providerInput, sortIds, type Harness } from './harness.js';

/** Teams alpha and beta, a provider of each, and an organisation-wide one. */
async function seedProviders(store: Store) {
  const a = await store.teams.create({ name: 'alpha' });
  const b = await store.teams.create({ name: 'beta' });
  const shared = await store.aiProviders.create(providerInput(null, 'shared'));
  const mine = await store.aiProviders.create(providerInput(a.id, 'mine', 'anthropic'));
  const theirs = await store.aiProviders.create(providerInput(b.id, 'theirs'));
  return { a, b, shared, mine, theirs };
}

export function aiAliasTests(h: Harness): void {
  describe('AI aliases', () => {
    test('CRUD: defaults, stored targets with weights, update replaces targets', async () => {
      const { a, shared, mine } = await seedProviders(h.store);
      const alias = await h.store.aiAliases.create({
        team_id: a.id,
        name: 'smart',
        targets: [
          { provider_id: mine.id, model: 'claude-sonnet-4-5' },
          { provider_id: shared.id, model: 'gpt-4o', weight: 3 },
        ],
      });
      expect(alias).toMatchObject({
        team_id: a.id,
        name: 'smart',
        description: '',
        strategy: 'fallback',
        targets: [
          { provider_id: mine.id, model: 'claude-sonnet-4-5', weight: 1 },
          { provider_id: shared.id, model: 'gpt-4o', weight: 3 },
        ],
      });
      expect(alias.id).toMatch(/^ali_/);
      expect(await h.store.aiAliases.get('all', alias.id)).toEqual(alias);
      expect(await h.store.aiAliases.getByName('all', a.id, 'smart')).toEqual(alias);
      expect(await h.store.aiAliases.getByName('all', null, 'smart')).toBeUndefined();

      const updated = await h.store.aiAliases.update('all', alias.id, {
        strategy: 'weighted',
        description: 'mostly anthropic',
        targets: [{ provider_id: shared.id, model: 'gpt-4o-mini', weight: 0 }],
      });
      expect(updated).toMatchObject({
        strategy: 'weighted',
        description: 'mostly anthropic',
        targets: [{ provider_id: shared.id, model: 'gpt-4o-mini', weight: 0 }],
      });
      expect(await h.store.aiAliases.get('all', alias.id)).toEqual(updated);
      expect((await h.store.aiAliases.update('all', alias.id, { name: 'clever' }))?.targets).toEqual(updated!.targets);
      expect(await h.store.aiAliases.delete('all', alias.id)).toBe(true);
      expect(await h.store.aiAliases.get('all', alias.id)).toBeUndefined();
      expect(await h.store.aiAliases.delete('all', alias.id)).toBe(false);
    });

    test('each target must name a provider of the alias’s team or an organisation-wide one', async () => {
      const { a, shared, mine, theirs } = await seedProviders(h.store);
      const err = await expectError(
        h.store.aiAliases.create({
          team_id: a.id,
          name: 'x',
          targets: [
            { provider_id: mine.id, model: 'm' },
            { provider_id: theirs.id, model: 'm' },
            { provider_id: 'aip_missing', model: 'm' },
          ],
        }),
        'GANTRY_ERR_VALIDATION',
      );
      expect(err.details?.map((d) => d.path)).toEqual(['/targets/1/provider', '/targets/2/provider']);
      expect(err.message).not.toMatch(/beta|theirs/);

      // An organisation-wide alias may use organisation-wide providers only.
      await expectError(
        h.store.aiAliases.create({ team_id: null, name: 'x', targets: [{ provider_id: mine.id, model: 'm' }] }),
        'GANTRY_ERR_VALIDATION',
        { path: '/targets/0/provider' },
      );
      const org = await h.store.aiAliases.create({ team_id: null, name: 'x', targets: [{ provider_id: shared.id, model: 'm' }] });
      expect(org.team_id).toBeNull();

      const alias = await h.store.aiAliases.create({ team_id: a.id, name: 'y', targets: [{ provider_id: mine.id, model: 'm' }] });
      await expectError(
        h.store.aiAliases.update('all', alias.id, { targets: [{ provider_id: shared.id, model: 'm' }, { provider_id: theirs.id, model: 'm' }] }),
        'GANTRY_ERR_VALIDATION',
        { path: '/targets/1/provider' },
      );
      expect(await h.store.aiAliases.get('all', alias.id)).toEqual(alias);
      await expectError(
        h.store.aiAliases.create({ team_id: 'team_missing', name: 'z', targets: [{ provider_id: shared.id, model: 'm' }] }),
        'GANTRY_ERR_VALIDATION',
        { path: '/team_id' },
      );
    });

    test('names are unique per team and among organisation-wide aliases', async () => {
      const { a, b, shared } = await seedProviders(h.store);
      const targets = [{ provider_id: shared.id, model: 'm' }];
      await h.store.aiAliases.create({ team_id: null, name: 'fast', targets });
      await expectError(h.store.aiAliases.create({ team_id: null, name: 'fast', targets }), 'GANTRY_ERR_CONFLICT', {
        message: /organisation-wide AI alias named 'fast'/,
      });
      const mine = await h.store.aiAliases.create({ team_id: a.id, name: 'fast', targets });
      await h.store.aiAliases.create({ team_id: b.id, name: 'fast', targets });
      await expectError(h.store.aiAliases.create({ team_id: a.id, name: 'fast', targets }), 'GANTRY_ERR_CONFLICT', {
        message: /AI alias named 'fast' already exists in this team/,
      });
      const other = await h.store.aiAliases.create({ team_id: a.id, name: 'other', targets });
      await expectError(h.store.aiAliases.update('all', other.id, { name: 'fast' }), 'GANTRY_ERR_CONFLICT');
      expect(await h.store.aiAliases.getByName('all', a.id, 'fast')).toEqual(mine);
    });

    test('a team scope reads organisation-wide aliases but cannot change or delete them', async () => {
      const { a, b, shared, mine, theirs } = await seedProviders(h.store);
      const org = await h.store.aiAliases.create({ team_id: null, name: 'org', targets: [{ provider_id: shared.id, model: 'm' }] });
      const ours = await h.store.aiAliases.create({ team_id: a.id, name: 'ours', targets: [{ provider_id: mine.id, model: 'm' }] });
      const other = await h.store.aiAliases.create({ team_id: b.id, name: 'other', targets: [{ provider_id: theirs.id, model: 'm' }] });
      const scope = [a.id];

      expect(await h.store.aiAliases.get(scope, org.id)).toEqual(org);
      expect(await h.store.aiAliases.get(scope, other.id)).toBeUndefined();
      expect((await h.store.aiAliases.list(scope)).items.map((x) => x.id)).toEqual(sortIds([org.id, ours.id]));
      expect(await h.store.aiAliases.getByName(scope, null, 'org')).toEqual(org);
      expect(await h.store.aiAliases.getByName(scope, b.id, 'other')).toBeUndefined();
      expect(await h.store.aiAliases.update(scope, org.id, { description: 'x' })).toBeUndefined();
      expect(await h.store.aiAliases.delete(scope, org.id)).toBe(false);
      expect(await h.store.aiAliases.delete(scope, other.id)).toBe(false);
      expect(await h.store.aiAliases.get('all', org.id)).toEqual(org);
      expect((await h.store.aiAliases.update(scope, ours.id, { description: 'mine' }))?.description).toBe('mine');
      expect(await h.store.aiAliases.delete('all', org.id)).toBe(true);
    });

    test('a provider that an alias targets is GANTRY_ERR_IN_USE naming the alias; free once the alias goes', async () => {
      const { a, shared, mine } = await seedProviders(h.store);
      const spare = await h.store.aiProviders.create(providerInput(a.id, 'spare'));
      const alias = await h.store.aiAliases.create({
        team_id: a.id,
        name: 'smart',
        targets: [{ provider_id: mine.id, model: 'm' }, { provider_id: shared.id, model: 'n' }],
      });
      await expectError(h.store.aiProviders.delete('all', mine.id), 'GANTRY_ERR_IN_USE', { message: /alias 'smart'/ });
      // An organisation-wide provider used by a team's alias is in use too.
      await expectError(h.store.aiProviders.delete('all', shared.id), 'GANTRY_ERR_IN_USE', { message: /'smart'/ });
      expect(await h.store.aiProviders.get('all', mine.id)).toBeDefined();
      expect(await h.store.aiProviders.delete('all', spare.id)).toBe(true);

      await h.store.aiAliases.update('all', alias.id, { targets: [{ provider_id: shared.id, model: 'n' }] });
      expect(await h.store.aiProviders.delete('all', mine.id)).toBe(true);
      await h.store.aiAliases.delete('all', alias.id);
      expect(await h.store.aiProviders.delete('all', shared.id)).toBe(true);
    });
  });

  describe('AI model overrides', () => {
    test('put creates and replaces, list is in id order, delete', async () => {
      const first = await h.store.aiModels.put('openai/gpt-4o', { input_cost_per_mtok: 2.5, context_window: 128_000 });
      expect(first).toMatchObject({ id: 'openai/gpt-4o', data: { input_cost_per_mtok: 2.5, context_window: 128_000 } });
      expect(first.updated_at).toBe(first.created_at);
      const added = await h.store.aiModels.put('acme/in-house', { provider: 'acme', modes: ['chat'], nested: { a: [1, null] } });
      const replaced = await h.store.aiModels.put('openai/gpt-4o', { output_cost_per_mtok: 10 });
      expect(replaced).toMatchObject({ id: 'openai/gpt-4o', data: { output_cost_per_mtok: 10 }, created_at: first.created_at });
      expect(replaced.updated_at >= first.updated_at).toBe(true);
      expect(await h.store.aiModels.get('openai/gpt-4o')).toEqual(replaced);
      expect(await h.store.aiModels.list()).toEqual([added, replaced]);
      expect(await h.store.aiModels.delete('openai/gpt-4o')).toBe(true);
      expect(await h.store.aiModels.delete('openai/gpt-4o')).toBe(false);
      expect(await h.store.aiModels.get('openai/gpt-4o')).toBeUndefined();
      expect(await h.store.aiModels.list()).toEqual([added]);
    });
  });
}
