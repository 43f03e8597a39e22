import { describe, expect, test } from 'vitest';
import { expectError, providerInput, providerKeyInput, sortIds, type Harness } from './harness.js';

export function aiProviderTests(h: Harness): void {
  describe('AI providers', () => {
    test('CRUD: defaults, JSON settings, update sets and clears fields, delete', async () => {
      const team = await h.store.teams.create({ name: 'acme' });
      const p = await h.store.aiProviders.create(providerInput(team.id, 'openai'));
      expect(p).toMatchObject({ team_id: team.id, name: 'openai', kind: 'openai', description: '', base_url: null, settings: {}, enabled: true });
      expect(p.id).toMatch(/^aip_/);
      expect(await h.store.aiProviders.get('all', p.id)).toEqual(p);
      expect(await h.store.aiProviders.getByName('all', team.id, 'openai')).toEqual(p);
      expect(await h.store.aiProviders.getByName('all', null, 'openai')).toBeUndefined();

      const settings = { api_version: '2024-10-21', deployments: { 'gpt-4o': 'prod-4o' }, headers: { 'x-org': 'acme' }, timeout_ms: 30_000 };
      const azure = await h.store.aiProviders.create({
        team_id: team.id,
        name: 'azure',
        kind: 'azure-openai',
        base_url: 'https://acme.openai.azure.com',
        settings,
        enabled: false,
        description: 'EU',
      });
      expect(azure).toMatchObject({ kind: 'azure-openai', base_url: 'https://acme.openai.azure.com', settings, enabled: false, description: 'EU' });
      const updated = await h.store.aiProviders.update('all', azure.id, { base_url: null, settings: { timeout_ms: 5000 }, enabled: true });
      expect(updated).toMatchObject({ base_url: null, settings: { timeout_ms: 5000 }, enabled: true, description: 'EU', kind: 'azure-openai' });
      expect(await h.store.aiProviders.get('all', azure.id)).toEqual(updated);
      expect((await h.store.aiProviders.list('all')).items.map((x) => x.id)).toEqual(sortIds([p.id, azure.id]));

      expect(await h.store.aiProviders.delete('all', p.id)).toBe(true);
      expect(await h.store.aiProviders.get('all', p.id)).toBeUndefined();
      expect(await h.store.aiProviders.delete('all', p.id)).toBe(false);
      expect(await h.store.aiProviders.update('all', p.id, { enabled: false })).toBeUndefined();
    });

    test('names are unique per team and among organisation-wide providers', async () => {
      const a = await h.store.teams.create({ name: 'alpha' });
      const b = await h.store.teams.create({ name: 'beta' });
      const org = await h.store.aiProviders.create(providerInput(null, 'openai'));
      await expectError(h.store.aiProviders.create(providerInput(null, 'openai', 'groq')), 'GANTRY_ERR_CONFLICT', {
        message: /organisation-wide AI provider named 'openai'/,
      });
      await h.store.aiProviders.create(providerInput(a.id, 'openai'));
      await h.store.aiProviders.create(providerInput(b.id, 'openai'));
      await expectError(h.store.aiProviders.create(providerInput(a.id, 'openai')), 'GANTRY_ERR_CONFLICT', {
        message: /AI provider named 'openai' already exists in this team/,
      });
      const other = await h.store.aiProviders.create(providerInput(null, 'groq', 'groq'));
      await expectError(h.store.aiProviders.update('all', other.id, { name: 'openai' }), 'GANTRY_ERR_CONFLICT', { message: /organisation-wide/ });
      expect(await h.store.aiProviders.getByName('all', null, 'openai')).toEqual(org);
      await expectError(h.store.aiProviders.create(providerInput('team_missing', 'x')), 'GANTRY_ERR_VALIDATION', { path: '/team_id' });
    });

    test('a team scope reads organisation-wide providers but cannot change or delete them', async () => {
      const a = await h.store.teams.create({ name: 'alpha' });
      const b = await h.store.teams.create({ name: 'beta' });
      const shared = await h.store.aiProviders.create(providerInput(null, 'shared'));
      const mine = await h.store.aiProviders.create(providerInput(a.id, 'mine'));
      const theirs = await h.store.aiProviders.create(providerInput(b.id, 'theirs'));
      const scope = [a.id];

      expect(await h.store.aiProviders.get(scope, shared.id)).toEqual(shared);
      expect(await h.store.aiProviders.get(scope, mine.id)).toEqual(mine);
      expect(await h.store.aiProviders.get(scope, theirs.id)).toBeUndefined();
      expect((await h.store.aiProviders.list(scope)).items.map((p) => p.id)).toEqual(sortIds([shared.id, mine.id]));
      expect((await h.store.aiProviders.list(scope, { team_id: a.id })).items.map((p) => p.id)).toEqual([mine.id]);
      expect((await h.store.aiProviders.list(scope, { team_id: b.id })).items).toEqual([]);
      expect((await h.store.aiProviders.list([])).items.map((p) => p.id)).toEqual([shared.id]);
      expect(await h.store.aiProviders.getByName(scope, null, 'shared')).toEqual(shared);
      expect(await h.store.aiProviders.getByName(scope, b.id, 'theirs')).toBeUndefined();

      expect(await h.store.aiProviders.update(scope, shared.id, { enabled: false })).toBeUndefined();
      expect(await h.store.aiProviders.delete(scope, shared.id)).toBe(false);
      expect(await h.store.aiProviders.update(scope, theirs.id, { enabled: false })).toBeUndefined();
      expect(await h.store.aiProviders.delete(scope, theirs.id)).toBe(false);
      expect(await h.store.aiProviders.get('all', shared.id)).toEqual(shared);
      expect((await h.store.aiProviders.update(scope, mine.id, { description: 'ours' }))?.description).toBe('ours');
      expect((await h.store.aiProviders.update('all', shared.id, { enabled: false }))?.enabled).toBe(false);
      expect(await h.store.aiProviders.delete('all', shared.id)).toBe(true);
    });
  });

  describe('AI provider keys', () => {
    test('create keeps the caller’s id and sealed secret; defaults; update; list by provider; delete', async () => {
      const team = await h.store.teams.create({ name: 'acme' });
      const p1 = await h.store.aiProviders.create(providerInput(team.id, 'openai'));
      const p2 = await h.store.aiProviders.create(providerInput(team.id, 'groq', 'groq'));
      const input = providerKeyInput(p1, 'primary');
      const k1 = await h.store.aiProviderKeys.create(input);
      expect(k1).toMatchObject({
        ...input,
        status: 'active',
        status_reason: null,
        status_changed_at: null,
      });
      expect(k1.id).toBe(input.id);
      const k2 = await h.store.aiProviderKeys.create({ ...providerKeyInput(p1, 'backup'), priority: 10, enabled: false });
      const k3 = await h.store.aiProviderKeys.create(providerKeyInput(p2));
      expect(k2).toMatchObject({ priority: 10, enabled: false });
      expect(await h.store.aiProviderKeys.get('all', k1.id)).toEqual(k1);

      const ids = async (q?: { provider_id?: string; team_id?: string }) =>
        (await h.store.aiProviderKeys.list('all', q)).items.map((k) => k.id);
      expect(await ids({ provider_id: p1.id })).toEqual(sortIds([k1.id, k2.id]));
      expect(await ids({ provider_id: p2.id })).toEqual([k3.id]);
      expect(await ids({ team_id: team.id })).toEqual(sortIds([k1.id, k2.id, k3.id]));

      const updated = await h.store.aiProviderKeys.update('all', k2.id, { name: 'second', priority: 5 });
      expect(updated).toMatchObject({ name: 'second', priority: 5, enabled: false, sealed_secret: k2.sealed_secret });
      expect(await h.store.aiProviderKeys.get('all', k2.id)).toEqual(updated);
      expect(await h.store.aiProviderKeys.delete('all', k2.id)).toBe(true);
      expect(await h.store.aiProviderKeys.get('all', k2.id)).toBeUndefined();
      expect(await h.store.aiProviderKeys.delete('all', k2.id)).toBe(false);
      expect(await h.store.aiProviderKeys.update('all', k2.id, { name: 'x' })).toBeUndefined();
      await expectError(h.store.aiProviderKeys.create({ ...providerKeyInput(p1), id: k1.id }), 'GANTRY_ERR_CONFLICT');
    });

    test('a key needs an existing provider and has the provider’s team', async () => {
      const a = await h.store.teams.create({ name: 'alpha' });
      const b = await h.store.teams.create({ name: 'beta' });
      const mine = await h.store.aiProviders.create(providerInput(a.id, 'openai'));
      const shared = await h.store.aiProviders.create(providerInput(null, 'shared'));
      await expectError(h.store.aiProviderKeys.create({ ...providerKeyInput(mine), provider_id: 'aip_missing' }), 'GANTRY_ERR_VALIDATION', {
        path: '/provider_id',
      });
      await expectError(h.store.aiProviderKeys.create({ ...providerKeyInput(mine), team_id: b.id }), 'GANTRY_ERR_VALIDATION', { path: '/team_id' });
      await expectError(h.store.aiProviderKeys.create({ ...providerKeyInput(shared), team_id: a.id }), 'GANTRY_ERR_VALIDATION', { path: '/team_id' });
      await expectError(h.store.aiProviderKeys.create({ ...providerKeyInput(mine), team_id: null }), 'GANTRY_ERR_VALIDATION', { path: '/team_id' });
      expect((await h.store.aiProviderKeys.list('all')).items).toEqual([]);
    });

    test('keys are never shared: organisation-wide provider keys are visible only to all, team keys to their team', async () => {
      const a = await h.store.teams.create({ name: 'alpha' });
      const b = await h.store.teams.create({ name: 'beta' });
      const shared = await h.store.aiProviders.create(providerInput(null, 'shared'));
      const mine = await h.store.aiProviders.create(providerInput(a.id, 'mine'));
      const orgKey = await h.store.aiProviderKeys.create(providerKeyInput(shared));
      const teamKey = await h.store.aiProviderKeys.create(providerKeyInput(mine));
      const scope = [a.id];

      expect(await h.store.aiProviderKeys.get(scope, orgKey.id)).toBeUndefined();
      expect((await h.store.aiProviderKeys.list(scope)).items.map((k) => k.id)).toEqual([teamKey.id]);
      expect((await h.store.aiProviderKeys.list(scope, { provider_id: shared.id })).items).toEqual([]);
      expect(await h.store.aiProviderKeys.update(scope, orgKey.id, { enabled: false })).toBeUndefined();
      expect(await h.store.aiProviderKeys.delete(scope, orgKey.id)).toBe(false);
      expect(await h.store.aiProviderKeys.get(scope, teamKey.id)).toEqual(teamKey);
      expect(await h.store.aiProviderKeys.get([b.id], teamKey.id)).toBeUndefined();
      expect(await h.store.aiProviderKeys.delete([b.id], teamKey.id)).toBe(false);
      expect((await h.store.aiProviderKeys.list('all')).items.map((k) => k.id)).toEqual(sortIds([orgKey.id, teamKey.id]));
      expect(await h.store.aiProviderKeys.get('all', orgKey.id)).toEqual(orgKey);
    });

    test('setStatus marks a key; enabling it again clears the status', async () => {
      const team = await h.store.teams.create({ name: 'acme' });
      const p = await h.store.aiProviders.create(providerInput(team.id, 'openai'));
      const key = await h.store.aiProviderKeys.create(providerKeyInput(p));

      await h.store.aiProviderKeys.setStatus(key.id, 'auth_failed', 'the provider answered 401');
      const failed = await h.store.aiProviderKeys.get('all', key.id);
      expect(failed).toMatchObject({ status: 'auth_failed', status_reason: 'the provider answered 401', enabled: true });
      expect(new Date(failed!.status_changed_at!).toISOString()).toBe(failed!.status_changed_at);

      const disabled = await h.store.aiProviderKeys.update('all', key.id, { enabled: false });
      expect(disabled).toMatchObject({ enabled: false, status: 'auth_failed', status_reason: 'the provider answered 401' });
      const renamed = await h.store.aiProviderKeys.update('all', key.id, { name: 'renamed' });
      expect(renamed).toMatchObject({ status: 'auth_failed' });

      const enabled = await h.store.aiProviderKeys.update('all', key.id, { enabled: true });
      expect(enabled).toMatchObject({ enabled: true, status: 'active', status_reason: null });
      expect(enabled!.status_changed_at! >= failed!.status_changed_at!).toBe(true);
      expect(await h.store.aiProviderKeys.get('all', key.id)).toEqual(enabled);

      await h.store.aiProviderKeys.setStatus('aik_missing', 'auth_failed', null);
    });

    test('deleting a provider deletes its keys and only its keys', async () => {
      const team = await h.store.teams.create({ name: 'acme' });
      const p1 = await h.store.aiProviders.create(providerInput(team.id, 'openai'));
      const p2 = await h.store.aiProviders.create(providerInput(team.id, 'groq', 'groq'));
      const k1 = await h.store.aiProviderKeys.create(providerKeyInput(p1, 'a'));
      const k2 = await h.store.aiProviderKeys.create(providerKeyInput(p1, 'b'));
      const k3 = await h.store.aiProviderKeys.create(providerKeyInput(p2));
      expect(await h.store.aiProviders.delete('all', p1.id)).toBe(true);
      expect(await h.store.aiProviderKeys.get('all', k1.id)).toBeUndefined();
      expect(await h.store.aiProviderKeys.get('all', k2.id)).toBeUndefined();
      expect((await h.store.aiProviderKeys.list('all')).items).toEqual([k3]);
    });
  });
}
