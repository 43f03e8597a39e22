import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import { createStore, parseStoreUrl } from '../../src/store/index.js';
import { describeStoreConformance } from './conformance.js';

const root = mkdtempSync(join(tmpdir(), 'gantry-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

describeStoreConformance('sqlite', async () => {
  const path = join(root, `db-${++n}`, 'gantry.db');
  const store = await createStore({ url: path });
  return { store, cleanup: () => store.close() };
});

describe('sqlite store', () => {
  test('creates the file and its missing directories, in WAL mode', async () => {
    const path = join(root, 'nested', 'deeper', 'gantry.db');
    const store = await createStore({ url: `sqlite:${path}` });
    expect(store.dialect).toBe('sqlite');
    expect(await store.migrate()).toEqual({ applied: ['0001_initial', '0002_call_logs', '0003_call_trace_ids', '0004_call_team_totals', '0005_call_search_buckets_1s', '0006_call_segments'] });
    await store.teams.create({ name: 'acme' });
    await store.close();
    expect(existsSync(path)).toBe(true);
    const raw = new BetterSqlite3(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.prepare('select name from teams').all()).toEqual([{ name: 'acme' }]);
    } finally {
      raw.close();
    }
  });

  test('reopening an existing file keeps the data and has nothing to migrate', async () => {
    const path = join(root, 'reopen.db');
    const first = await createStore({ url: path });
    await first.migrate();
    const team = await first.teams.create({ name: 'acme' });
    await first.close();
    const second = await createStore({ url: path });
    expect(await second.migrate()).toEqual({ applied: [] });
    expect(await second.teams.get('all', team.id)).toEqual(team);
    expect(await second.getConfigVersion()).toBe(1);
    await second.close();
  });

  test(':memory: works', async () => {
    const store = await createStore({ url: ':memory:' });
    await store.migrate();
    expect((await store.teams.create({ name: 'acme' })).name).toBe('acme');
    await store.close();
  });

  test('an unmigrated database fails with a GantryError that says to migrate', async () => {
    const store = await createStore({ url: ':memory:' });
    await expect(store.teams.list('all')).rejects.toMatchObject({ code: 'GANTRY_ERR_INTERNAL', message: /gantry migrate/ });
    await store.close();
  });

  test('URLs: postgres and sqlite forms are told apart; other schemes are refused', () => {
    expect(parseStoreUrl('postgres://u@h/db')).toEqual({ dialect: 'postgres', url: 'postgres://u@h/db' });
    expect(parseStoreUrl('postgresql://u@h/db').dialect).toBe('postgres');
    expect(parseStoreUrl('sqlite:data/g.db')).toEqual({ dialect: 'sqlite', path: 'data/g.db' });
    expect(parseStoreUrl('sqlite:///var/lib/g.db')).toEqual({ dialect: 'sqlite', path: '/var/lib/g.db' });
    expect(parseStoreUrl('./data/gantry.db')).toEqual({ dialect: 'sqlite', path: './data/gantry.db' });
    expect(parseStoreUrl(':memory:')).toEqual({ dialect: 'sqlite', path: ':memory:' });
    expect(() => parseStoreUrl('mysql://h/db')).toThrow(/Unsupported database URL/);
    expect(() => parseStoreUrl('')).toThrow(/Unsupported database URL/);
  });
});
