import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { RetentionJob } from '../../src/telemetry/retention.js';
import { DAY, T0, callRecord } from '../store/conformance/call-fixtures.js';
import { tempDir } from './helpers.js';

const root = tempDir();
let n = 0;
let store: Store;

beforeEach(async () => {
  store = await createStore({ url: join(root, `r${++n}.db`) });
  await store.migrate();
});
afterEach(() => store.close());

describe('call-log retention', () => {
  test('global days, per-team overrides (longer and shorter) and rollup days, in one pass', async () => {
    const now = T0 + 10 * DAY;
    const at = (daysAgo: number, team: string) => callRecord({ time: now - daysAgo * DAY, team_id: team, request_id: `${team}-${daysAgo}` });
    await store.callLogs.insertBatch([
      at(2, 'team_a'),
      at(8, 'team_a'),
      at(8, 'team_long'),
      at(40, 'team_long'),
      at(0.5, 'team_short'),
      at(2, 'team_short'),
    ]);
    const job = new RetentionJob({
      store,
      settings: { days: 7, teams: { team_long: 30, team_short: 1 }, rollups: { minute: 5, hour: 0 } },
      now: () => now,
    });
    const result = await job.runOnce();
    expect(result.records).toBe(3);
    const left = (await store.callLogs.query('all')).items.map((r) => r.request_id).sort();
    expect(left).toEqual(['team_a-2', 'team_long-8', 'team_short-0.5']);
    expect(result.rollups.minute).toBeGreaterThan(0);
    expect(result.rollups.hour).toBe(0);
    const minutes = await store.callRollups.series('all', { from: now - 9 * DAY, to: now, resolution: 'hour', metrics: ['requests'] });
    expect(minutes.points.reduce((s, p) => s + (p.values.requests ?? 0), 0)).toBe(5);
    expect((await job.runOnce()).records).toBe(0);
  });

  test('days 0 keeps records forever; settings are read at every run', async () => {
    await store.callLogs.insertBatch([callRecord({ time: T0 - 400 * DAY })]);
    let days = 0;
    const job = new RetentionJob({ store, settings: () => ({ days }), now: () => T0 });
    expect((await job.runOnce()).records).toBe(0);
    days = 365;
    expect((await job.runOnce()).records).toBe(1);
  });

  test('start() runs on its schedule until stop()', async () => {
    await store.callLogs.insertBatch([callRecord({ time: T0 - 40 * DAY })]);
    const job = new RetentionJob({ store, settings: { days: 30 }, firstRunMs: 10, intervalMs: 10, now: () => T0 });
    job.start();
    for (let i = 0; i < 100 && (await store.callLogs.query('all')).items.length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    await job.stop();
    expect((await store.callLogs.query('all')).items).toEqual([]);
  });
});
