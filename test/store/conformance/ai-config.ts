import { describe, expect, test } from 'vitest';
import { byId, expectError, providerInput, providerKeyInput, seedStack, usageDelta, type Harness } from './harness.js';

export function aiConfigTests(h: Harness): void {
  describe('AI configuration', () => {
    test('every AI configuration change bumps the version; usage, no-ops and refused writes do not', async () => {
      const s = h.store;
      const team = await s.teams.create({ name: 'acme' });
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

      const shared = await bumped('provider create', s.aiProviders.create(providerInput(null, 'shared')));
      const mine = await bumped('team provider create', s.aiProviders.create(providerInput(team.id, 'mine')));
      await bumped('provider update', s.aiProviders.update('all', shared.id, { enabled: false }));
      const key = await bumped('key create', s.aiProviderKeys.create(providerKeyInput(mine)));
      await bumped('key update', s.aiProviderKeys.update('all', key.id, { priority: 3 }));
      await bumped('key setStatus', s.aiProviderKeys.setStatus(key.id, 'auth_failed', '401'));
      await unchanged('key setStatus to the status it has', s.aiProviderKeys.setStatus(key.id, 'auth_failed', '401'));
      await bumped('key setStatus with another reason', s.aiProviderKeys.setStatus(key.id, 'auth_failed', '403'));
      await bumped('key re-enabled', s.aiProviderKeys.update('all', key.id, { enabled: true }));
      await bumped('key marked again', s.aiProviderKeys.setStatus(key.id, 'auth_failed', null));
      await bumped('key setStatus active', s.aiProviderKeys.setStatus(key.id, 'active', null));
      const alias = await bumped(
        'alias create',
        s.aiAliases.create({ team_id: team.id, name: 'smart', targets: [{ provider_id: mine.id, model: 'm' }] }),
      );
      await bumped('alias update', s.aiAliases.update('all', alias.id, { strategy: 'weighted' }));
      await bumped('model put', s.aiModels.put('openai/gpt-4o', { input_cost_per_mtok: 2 }));
      await bumped('model put again', s.aiModels.put('openai/gpt-4o', { input_cost_per_mtok: 3 }));
      await bumped('ai service create', s.services.create({ team_id: team.id, name: 'llm', kind: 'ai' }));

      await unchanged('usage', s.aiUsage.record([usageDelta({ team_id: team.id, provider_id: mine.id, requests: 1, cost_usd: 1 })]));
      await unchanged('team update of an organisation-wide provider', s.aiProviders.update([team.id], shared.id, { enabled: true }));
      await unchanged('team delete of an organisation-wide provider', s.aiProviders.delete([team.id], shared.id));
      await unchanged('provider in use', s.aiProviders.delete('all', mine.id));
      await unchanged('bad alias target', s.aiAliases.update('all', alias.id, { targets: [{ provider_id: 'aip_missing', model: 'm' }] }));
      await unchanged('setStatus of a missing key', s.aiProviderKeys.setStatus('aik_missing', 'auth_failed', null));
      await unchanged('delete of a missing model', s.aiModels.delete('nope/nope'));
      await unchanged('provider name conflict', s.aiProviders.create(providerInput(null, 'shared')));

      await bumped('model delete', s.aiModels.delete('openai/gpt-4o'));
      await bumped('alias delete', s.aiAliases.delete('all', alias.id));
      await bumped('key delete', s.aiProviderKeys.delete('all', key.id));
      await bumped('provider delete', s.aiProviders.delete('all', mine.id));
    });

    test('loadConfig includes AI services, app limits, providers, keys with sealed secrets, aliases and overrides', async () => {
      const a = await seedStack(h.store, 'alpha');
      const llm = await h.store.services.create({ team_id: a.team.id, name: 'llm', kind: 'ai', ai: { models: ['smart'] } });
      const app = await h.store.apps.create({ team_id: a.team.id, name: 'bot', ai_limits: { tokens_per_minute: 1000 } });
      const shared = await h.store.aiProviders.create(providerInput(null, 'shared'));
      const mine = await h.store.aiProviders.create({ ...providerInput(a.team.id, 'bedrock', 'bedrock'), settings: { region: 'eu-west-1' } });
      const orgKey = await h.store.aiProviderKeys.create(providerKeyInput(shared));
      const teamKey = await h.store.aiProviderKeys.create(providerKeyInput(mine));
      await h.store.aiProviderKeys.setStatus(teamKey.id, 'auth_failed', '401');
      const failedKey = await h.store.aiProviderKeys.get('all', teamKey.id);
      const alias = await h.store.aiAliases.create({
        team_id: a.team.id,
        name: 'smart',
        strategy: 'weighted',
        targets: [{ provider_id: mine.id, model: 'anthropic.claude', weight: 2 }, { provider_id: shared.id, model: 'gpt-4o' }],
      });
      const orgAlias = await h.store.aiAliases.create({ team_id: null, name: 'fast', targets: [{ provider_id: shared.id, model: 'gpt-4o-mini' }] });
      const override = await h.store.aiModels.put('openai/gpt-4o', { input_cost_per_mtok: 2.5 });
      await h.store.aiUsage.record([usageDelta({ team_id: a.team.id, provider_id: mine.id, requests: 1 })]);

      const config = await h.store.loadConfig();
      expect(config.version).toBe(await h.store.getConfigVersion());
      expect(config.services).toEqual(byId([a.service, llm]));
      expect(config.services.find((x) => x.id === llm.id)).toMatchObject({ kind: 'ai', upstream_id: null, ai: { models: ['smart'] } });
      expect(config.apps).toEqual(byId([a.app, app]));
      expect(config.aiProviders).toEqual(byId([shared, mine]));
      expect(config.aiProviderKeys).toEqual(byId([orgKey, failedKey!]));
      expect(config.aiProviderKeys.find((k) => k.id === teamKey.id)).toMatchObject({
        status: 'auth_failed',
        sealed_secret: teamKey.sealed_secret,
      });
      expect(config.aiAliases).toEqual(byId([alias, orgAlias]));
      expect(config.aiModelOverrides).toEqual([override]);
    });

    test('a team with AI providers or aliases is GANTRY_ERR_IN_USE; without them it can go', async () => {
      const team = await h.store.teams.create({ name: 'acme' });
      const p = await h.store.aiProviders.create(providerInput(team.id, 'openai'));
      await h.store.aiProviderKeys.create(providerKeyInput(p));
      const alias = await h.store.aiAliases.create({ team_id: team.id, name: 'smart', targets: [{ provider_id: p.id, model: 'm' }] });
      const err = await expectError(h.store.teams.delete('all', team.id), 'GANTRY_ERR_IN_USE', { message: /1 AI alias/ });
      expect(err.message).toMatch(/1 AI provider/);
      await h.store.aiAliases.delete('all', alias.id);
      await h.store.aiProviders.delete('all', p.id);
      expect(await h.store.teams.delete('all', team.id)).toBe(true);
    });
  });
}
