import type { Kysely } from 'kysely';
import { describe, expect } from 'vitest';
import { callTeamTotals } from '../../src/store/migrations/0004_call_team_totals.js';
import type { Store } from '../../src/store/types.js';
import { aiPart, callRecord, DAY, HOUR, MIN, T0 } from './conformance/call-fixtures.js';
import { testOnBothDialects } from './migration-harness.js';

const seed = () =>
  Array.from({ length: 120 }, (_, i) =>
    callRecord({
      time: T0 + i * 37 * MIN,
      team_id: ['team_a', 'team_b', null][i % 3]!,
      service_id: `svc_${i % 4}`,
      status: [200, 200, 404, 503, 302][i % 5]!,
      latency_total_ms: 1 + (i % 17) * 7,
      ai: i % 6 === 0 ? aiPart({ cost_usd: 0.01 * (i % 4) }) : null,
    }),
  );

const questions = async (store: Store) => {
  const range = { from: T0, to: T0 + 4 * DAY };
  const metrics = ['requests' as const, 'errors' as const, 'requests_3xx' as const, 'latency_p95_ms' as const, 'cost_usd' as const];
  return {
    minutes: await store.callRollups.series('all', { from: T0 + HOUR, to: T0 + 5 * HOUR, resolution: 'minute', metrics }),
    hours: await store.callRollups.series(['team_a'], { ...range, resolution: 'hour', metrics }),
    days: await store.callRollups.series('all', { ...range, resolution: 'day', metrics, group_by: ['team'] }),
    p95: await store.callRollups.percentiles('all', { ...range, by: 'team' }),
  };
};

/** Empties the per-team tables and runs the migration again: what it copies from the totals must answer the same. */
async function backfillAnswersTheSame(store: Store, db: Kysely<unknown>): Promise<void> {
  await store.migrate();
  await store.callLogs.insertBatch(seed());
  const written = await questions(store);
  expect(written.minutes.points.length).toBeGreaterThan(0);
  await callTeamTotals.down!(db);
  await callTeamTotals.up(db);
  expect(await questions(store)).toEqual(written);
}

describe('migration 0004: per-team rollups copied from the totals', () => {
  testOnBothDialects((store, db) => backfillAnswersTheSame(store, db));
});
