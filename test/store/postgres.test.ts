import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { CONFIG_CHANNEL, createStore } from '../../src/store/index.js';
import { createTempDatabase, postgresTestUrl } from '../helpers/postgres.js';
import { describeStoreConformance } from './conformance.js';

const baseUrl = postgresTestUrl();

if (!baseUrl) {
  if (process.env.CI) {
    throw new Error('GANTRY_TEST_POSTGRES_URL is not set: CI must run the PostgreSQL store suites');
  }
  console.warn('PostgreSQL suites skipped: set GANTRY_TEST_POSTGRES_URL');
  describe.skip('store conformance: postgres', () => {
    test('needs GANTRY_TEST_POSTGRES_URL', () => undefined);
  });
} else {
  const url = baseUrl;

  describeStoreConformance('postgres', async () => {
    const tmp = await createTempDatabase(url);
    const store = await createStore({ url: tmp.url });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await tmp.drop();
      },
    };
  });

  describe('postgres store', () => {
    test('several nodes migrating one fresh database at once all succeed, one applies', async () => {
      const tmp = await createTempDatabase(url);
      const stores = await Promise.all(Array.from({ length: 4 }, () => createStore({ url: tmp.url })));
      try {
        const results = await Promise.all(stores.map((s) => s.migrate()));
        const applied = results.flatMap((r) => r.applied);
        expect(applied).toEqual(['0001_initial', '0002_call_logs', '0003_call_trace_ids', '0004_call_team_totals', '0005_call_search_buckets_1s', '0006_call_segments']);
        expect(stores[0]?.dialect).toBe('postgres');
        const team = await stores[1]!.teams.create({ name: 'acme' });
        expect(await stores[2]!.teams.get('all', team.id)).toEqual(team);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
        await tmp.drop();
      }
    });

    test('each committed change notifies gantry_config with the new version', async () => {
      const tmp = await createTempDatabase(url);
      const store = await createStore({ url: tmp.url });
      const listener = new pg.Client({ connectionString: tmp.url });
      try {
        await store.migrate();
        await listener.connect();
        const payloads: string[] = [];
        listener.on('notification', (msg) => {
          if (msg.channel === CONFIG_CHANNEL && msg.payload) payloads.push(msg.payload);
        });
        await listener.query(`LISTEN ${CONFIG_CHANNEL}`);
        await store.teams.create({ name: 'acme' });
        await store.transaction(async (tx) => {
          await tx.teams.create({ name: 'b' });
          await tx.teams.create({ name: 'c' });
        });
        await store.transaction(async (tx) => tx.teams.create({ name: 'd' })).catch(() => undefined);
        await expect(store.transaction(async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
        const deadline = Date.now() + 2000;
        while (payloads.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(payloads).toEqual(['1', '2', '3']);
        expect(await store.getConfigVersion()).toBe(3);
      } finally {
        await listener.end();
        await store.close();
        await tmp.drop();
      }
    });
  });
}
