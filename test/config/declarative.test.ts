import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applyConfig, exportConfigYaml, formatPlan, parseConfigFile } from '../../src/config/declarative/index.js';
import { hashSecret } from '../../src/core/ids.js';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';

const FILE = `
version: 1
policies:
  - type: cors
    config: { origins: ['https://app.example.com'] }
teams:
  - name: payments
    description: Payments team
    upstreams:
      - name: ledger
        targets: [{ url: 'http://127.0.0.1:3001', weight: 2 }, { url: 'http://127.0.0.1:3002' }]
    services:
      - name: ledger
        upstream: ledger
        timeouts: { connect_ms: 1000 }
        policies:
          - type: key-auth
        routes:
          - name: entries
            paths: ['/ledger/*']
            strip_prefix: true
          - name: entry
            methods: [GET]
            paths: ['/entries/:id']
            policies:
              - type: ip-restriction
                config: { allow: ['10.0.0.0/8'] }
    apps:
      - name: checkout
        keys:
          - name: prod
            key: gk_checkout_prod_key_0123456789
`;

describe('declarative config: export and apply', () => {
  let store: Store;
  let dir: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-decl-'));
    store = await createStore({ url: join(dir, 'gantry.db') });
    await store.migrate();
    await store.teams.create({ name: 'default' });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates everything in the file, then finds nothing to do the second time', async () => {
    const doc = parseConfigFile(FILE);
    const first = await applyConfig(store, doc);
    expect(first.changes.map((c) => `${c.action} ${c.key}`)).toEqual(
      expect.arrayContaining([
        'create team payments',
        'create upstream payments/ledger',
        'create service payments/ledger',
        'create route payments/entries',
        'create route payments/entry',
        'create app payments/checkout',
        'create policy global/cors',
        'create policy service:payments/ledger/key-auth',
        'create policy route:payments/entry/ip-restriction',
      ]),
    );
    const data = await store.loadConfig();
    const svc = data.services.find((s) => s.name === 'ledger')!;
    expect(svc.timeouts.connect_ms).toBe(1000);
    expect(data.upstreams[0]!.targets).toEqual([
      { url: 'http://127.0.0.1:3001', weight: 2 },
      { url: 'http://127.0.0.1:3002', weight: 1 },
    ]);
    // Only the hash of a key given in the file is stored.
    expect(data.apiKeys.map((k) => k.key_hash)).toEqual([hashSecret('gk_checkout_prod_key_0123456789')]);

    const version = await store.getConfigVersion();
    const second = await applyConfig(store, doc);
    expect(second.changes).toEqual([]);
    expect(formatPlan(second.changes)).toMatch(/No changes/);
    expect(await store.getConfigVersion()).toBe(version);
  });

  it('round-trips: applying an export changes nothing, and the export is stable', async () => {
    await applyConfig(store, parseConfigFile(FILE));
    const exported = exportConfigYaml(await store.loadConfig());
    expect(exported).not.toContain('gk_checkout_prod_key'); // never the key itself
    expect(parse(exported).teams.find((t: any) => t.name === 'payments').apps[0].keys[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    const again = await applyConfig(store, parseConfigFile(exported));
    expect(again.changes).toEqual([]);
    expect(exportConfigYaml(await store.loadConfig()).split('\n').slice(1)).toEqual(exported.split('\n').slice(1));
  });

  it('updates in place, replaces what cannot change in place, and deletes what the file omits', async () => {
    await applyConfig(store, parseConfigFile(FILE));
    const before = await store.loadConfig();
    const doc = parseConfigFile(FILE);
    const team = doc.teams![0]!;
    team.upstreams![0]!.targets = [{ url: 'http://127.0.0.1:3009' }];
    team.services![0]!.routes = team.services![0]!.routes!.filter((r) => r.name === 'entry');
    team.services!.push({ name: 'audit', upstream: 'ledger', routes: [{ name: 'audit-log', paths: ['/audit'] }] });
    // Moving a route to another service replaces it.
    team.services![1]!.routes!.push({ ...team.services![0]!.routes![0]!, policies: [] });
    team.services![0]!.routes = [];
    doc.policies = [];

    const plan = await applyConfig(store, doc, { dryRun: true });
    expect(plan.changes.map((c) => `${c.action} ${c.key}`)).toEqual(
      expect.arrayContaining([
        'update upstream payments/ledger',
        'create service payments/audit',
        'create route payments/audit-log',
        'replace route payments/entry',
        'delete route payments/entries',
        'delete policy global/cors',
        'delete policy route:payments/entry/ip-restriction',
      ]),
    );
    // A dry run changes nothing.
    expect(await store.loadConfig()).toEqual(before);

    await applyConfig(store, doc);
    const after = await store.loadConfig();
    const audit = after.services.find((s) => s.name === 'audit')!;
    expect(after.routes.find((r) => r.name === 'entry')!.service_id).toBe(audit.id);
    expect(after.routes.map((r) => r.name).sort()).toEqual(['audit-log', 'entry']);
    expect(after.upstreams[0]!.id).toBe(before.upstreams[0]!.id); // updated, not recreated
    expect(after.upstreams[0]!.targets).toEqual([{ url: 'http://127.0.0.1:3009', weight: 1 }]);
    expect(after.policies.map((p) => p.type)).toEqual(['key-auth']);
    expect((await applyConfig(store, doc)).changes).toEqual([]);
  });

  it('keeps the default team when the file does not list it, and deletes other teams it omits', async () => {
    await applyConfig(store, parseConfigFile(FILE));
    const result = await applyConfig(store, parseConfigFile('version: 1\n'));
    expect(result.changes.some((c) => c.key === 'team payments' && c.action === 'delete')).toBe(true);
    const data = await store.loadConfig();
    expect(data.teams.map((t) => t.name)).toEqual(['default']);
    expect(data.routes).toEqual([]);
  });

  it('rejects a file whose routes conflict, and writes nothing', async () => {
    const doc = parseConfigFile(FILE);
    doc.teams![0]!.services![0]!.routes!.push({ name: 'dup', methods: ['GET'], paths: ['/entries/:id'] });
    const version = await store.getConfigVersion();
    await expect(applyConfig(store, doc)).rejects.toMatchObject({ code: 'GANTRY_ERR_CONFLICT' });
    expect(await store.getConfigVersion()).toBe(version);
    expect((await store.loadConfig()).teams.map((t) => t.name)).toEqual(['default']);
  });

  it('explains what is wrong with a bad file', () => {
    expect(() => parseConfigFile('version: 1\nteams: [{ name: x, upstreams: [{ name: u, targets: [{ url: nope }] }] }]')).toThrow(
      expect.objectContaining({ code: 'GANTRY_ERR_VALIDATION', message: expect.stringContaining('/teams/0/upstreams/0/targets/0/url') }),
    );
    expect(() => parseConfigFile('version: 2')).toThrow(expect.objectContaining({ code: 'GANTRY_ERR_VALIDATION' }));
    expect(() => parseConfigFile('version: [')).toThrow(/not valid YAML/);
  });

  it('rejects a bad policy config and a dangling reference with a clear error', async () => {
    const badPolicy = parseConfigFile(FILE);
    badPolicy.teams![0]!.services![0]!.routes![1]!.policies = [{ type: 'ip-restriction', config: { allow: ['10.0.0.300/8'] } }];
    await expect(applyConfig(store, badPolicy)).rejects.toMatchObject({ code: 'GANTRY_ERR_VALIDATION' });

    const dangling = parseConfigFile(FILE);
    dangling.teams![0]!.services![0]!.upstream = 'missing';
    await expect(applyConfig(store, dangling)).rejects.toThrow(/upstream payments\/missing/);
    expect((await store.loadConfig()).services).toEqual([]);
  });
});
