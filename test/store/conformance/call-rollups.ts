import { describe, expect, test } from 'vitest';
import { histBounds, histBucket } from '../../../src/analytics/histogram.js';
import type { CallRecord } from '../../../src/core/call-record.js';
import type { RollupSeriesPoint } from '../../../src/store/types.js';
import { DAY, HOUR, MIN, T0, aiPart, callRecord } from './call-fixtures.js';
import { expectError, type Harness } from './harness.js';

const compact = (points: RollupSeriesPoint[]) => points.map((p) => ({ t: (p.time - T0) / MIN, ...(p.group ? { g: p.group } : {}), ...p.values }));

/** A few calls of two teams, three services, at known minutes, hours and days. */
function seed(): CallRecord[] {
  return [
    callRecord({ time: T0 + 10_000, latency_total_ms: 10, bytes_in: 1, bytes_out: 10 }),
    callRecord({ time: T0 + 20_000, latency_total_ms: 30, bytes_in: 2, bytes_out: 20, status: 503, error_code: 'GANTRY_ERR_UPSTREAM_FAILED' }),
    callRecord({ time: T0 + 70_000, service_id: 'svc_b', route_id: 'rt_b', app_id: 'app_b', status: 404, error_code: 'GANTRY_ERR_ROUTE_NOT_FOUND', cache_status: 'MISS' }),
    callRecord({ time: T0 + 80_000, service_id: 'svc_b', route_id: 'rt_b', app_id: 'app_b', cache_status: 'HIT' }),
    callRecord({ time: T0 + 2 * HOUR, team_id: 'team_b', service_id: 'svc_c', route_id: 'rt_c', app_id: 'app_c', ai: aiPart({ cost_usd: 0.1 }) }),
    callRecord({ time: T0 + 2 * HOUR + 1, team_id: 'team_b', service_id: 'svc_c', route_id: 'rt_c', app_id: 'app_c', ai: aiPart({ cost_usd: 0.2, model_served: 'openai/gpt-4o-mini' }) }),
    callRecord({ time: T0 + DAY + 30 * MIN, team_id: 'team_b', service_id: 'svc_c', route_id: 'rt_c', app_id: null, ai: aiPart({ cost_usd: 0.1 }) }),
  ];
}

export function callRollupTests(h: Harness): void {
  describe('call rollups', () => {
    test('series per minute, hour and day add up the records: counts by class, bytes, tokens, exact cost, cache ratio', async () => {
      // Two batches: the second adds to buckets the first created.
      const records = seed();
      await h.store.callLogs.insertBatch(records.slice(0, 3));
      await h.store.callLogs.insertBatch(records.slice(3));
      const minutes = await h.store.callRollups.series('all', {
        from: T0 + 5000,
        to: T0 + 3 * MIN - 1,
        resolution: 'minute',
        metrics: ['requests', 'requests_2xx', 'requests_4xx', 'requests_5xx', 'errors', 'error_rate', 'bytes_in', 'bytes_out', 'cache_hit_ratio', 'latency_avg_ms'],
      });
      expect(minutes.from).toBe(T0);
      expect(minutes.to).toBe(T0 + 3 * MIN);
      expect(compact(minutes.points)).toEqual([
        { t: 0, requests: 2, requests_2xx: 1, requests_4xx: 0, requests_5xx: 1, errors: 1, error_rate: 0.5, bytes_in: 3, bytes_out: 30, cache_hit_ratio: null, latency_avg_ms: 20 },
        { t: 1, requests: 2, requests_2xx: 1, requests_4xx: 1, requests_5xx: 0, errors: 1, error_rate: 0.5, bytes_in: 200, bytes_out: 2000, cache_hit_ratio: 0.5, latency_avg_ms: 12.5 },
      ]);
      const hours = await h.store.callRollups.series('all', {
        from: T0,
        to: T0 + DAY,
        resolution: 'hour',
        metrics: ['requests', 'ai_requests', 'prompt_tokens', 'total_tokens', 'cost_usd'],
      });
      expect(compact(hours.points)).toEqual([
        { t: 0, requests: 4, ai_requests: 0, prompt_tokens: 0, total_tokens: 0, cost_usd: 0 },
        { t: 120, requests: 2, ai_requests: 2, prompt_tokens: 200, total_tokens: 240, cost_usd: 0.3 },
      ]);
      const days = await h.store.callRollups.series('all', { from: T0, to: T0 + 3 * DAY, resolution: 'day', metrics: ['requests', 'cost_usd'] });
      expect(compact(days.points)).toEqual([
        { t: 0, requests: 6, cost_usd: 0.3 },
        { t: 1440, requests: 1, cost_usd: 0.1 },
      ]);
    });

    test('series grouped and filtered: the narrow and the full tables give the same answers', async () => {
      await h.store.callLogs.insertBatch(seed());
      const q = { from: T0, to: T0 + DAY, resolution: 'hour' as const, metrics: ['requests' as const, 'requests_5xx' as const] };
      const byService = await h.store.callRollups.series('all', { ...q, group_by: ['service'] });
      expect(compact(byService.points)).toEqual([
        { t: 0, g: { service: 'svc_a' }, requests: 2, requests_5xx: 1 },
        { t: 0, g: { service: 'svc_b' }, requests: 2, requests_5xx: 0 },
        { t: 120, g: { service: 'svc_c' }, requests: 2, requests_5xx: 0 },
      ]);
      // service alone: the totals table; service + route: the full table and its keys.
      const viaTotals = await h.store.callRollups.series('all', { ...q, filters: { service_id: 'svc_b' } });
      const viaFull = await h.store.callRollups.series('all', { ...q, filters: { service_id: 'svc_b', route_id: 'rt_b' } });
      expect(compact(viaFull.points)).toEqual(compact(viaTotals.points));
      // Team alone: the per-team table; every status class as a filter: the totals table.
      for (const resolution of ['minute', 'hour', 'day'] as const) {
        const teamQ = { from: T0, to: T0 + 2 * DAY, resolution, metrics: ['requests' as const, 'errors' as const, 'requests_5xx' as const, 'latency_p95_ms' as const, 'cost_usd' as const] };
        const viaTeams = await h.store.callRollups.series(['team_a', 'team_b'], { ...teamQ, group_by: ['team'] });
        const viaClasses = await h.store.callRollups.series(['team_a', 'team_b'], { ...teamQ, group_by: ['team'], filters: { status_class: [1, 2, 3, 4, 5] } });
        expect(viaTeams.points.length).toBeGreaterThan(0);
        expect(compact(viaTeams.points)).toEqual(compact(viaClasses.points));
      }
      const p95Teams = await h.store.callRollups.percentiles('all', { from: T0, to: T0 + 2 * DAY, by: 'team' });
      const p95Classes = await h.store.callRollups.percentiles('all', { from: T0, to: T0 + 2 * DAY, by: 'team', filters: { status_class: [1, 2, 3, 4, 5] } });
      expect(p95Teams).toEqual(p95Classes);
      const byClass = await h.store.callRollups.series('all', { ...q, metrics: ['requests'], group_by: ['status_class', 'app'], filters: { team_id: 'team_a' } });
      expect(compact(byClass.points)).toEqual([
        { t: 0, g: { status_class: 2, app: 'app_a' }, requests: 1 },
        { t: 0, g: { status_class: 2, app: 'app_b' }, requests: 1 },
        { t: 0, g: { status_class: 4, app: 'app_b' }, requests: 1 },
        { t: 0, g: { status_class: 5, app: 'app_a' }, requests: 1 },
      ]);
      const noApp = await h.store.callRollups.series('all', { from: T0, to: T0 + 3 * DAY, resolution: 'day', metrics: ['requests'], filters: { app_id: null } });
      expect(compact(noApp.points)).toEqual([{ t: 1440, requests: 1 }]);
      const models = await h.store.callRollups.series('all', { ...q, metrics: ['cost_usd'], group_by: ['model'], filters: { status_class: 2, provider_id: 'aip_openai' } });
      expect(compact(models.points)).toEqual([
        { t: 120, g: { model: 'openai/gpt-4o' }, cost_usd: 0.1 },
        { t: 120, g: { model: 'openai/gpt-4o-mini' }, cost_usd: 0.2 },
      ]);
    });

    test('top-N over a range not aligned to days or hours counts exactly what falls in it', async () => {
      // One call every 17 minutes over ~56 hours, from seven apps of two teams.
      const records = Array.from({ length: 200 }, (_, i) =>
        callRecord({
          time: T0 - 50 * MIN + i * 17 * MIN + (i % 5) * 1000,
          app_id: `app_${i % 7}`,
          team_id: i % 7 < 5 ? 'team_a' : 'team_b',
          status: i % 3 === 0 ? 500 : 200,
        }),
      );
      await h.store.callLogs.insertBatch(records);
      const ranges = [
        [T0 - 37 * MIN, T0 + DAY + 13 * HOUR + 11 * MIN],
        [T0 + 5 * HOUR, T0 + 7 * HOUR],
        [T0 + 13 * MIN, T0 + 40 * MIN],
        [T0 - DAY, T0 + 3 * DAY],
      ] as const;
      for (const [from, to] of ranges) {
        const expected = new Map<string, number>();
        for (const r of records) {
          // Ranges are widened to whole minutes.
          if (r.time >= Math.floor(from / MIN) * MIN && r.time < Math.ceil(to / MIN) * MIN) {
            expected.set(r.app_id!, (expected.get(r.app_id!) ?? 0) + 1);
          }
        }
        const top = await h.store.callRollups.top('all', { from, to, dimension: 'app', metric: 'requests', limit: 100 });
        expect(new Map(top.map((t) => [t.key as string, t.value]))).toEqual(expected);
        const values = top.map((t) => t.value!);
        expect(values).toEqual([...values].sort((a, b) => b - a));
      }
      const top3 = await h.store.callRollups.top(['team_b'], { from: T0 - DAY, to: T0 + 3 * DAY, dimension: 'app', metric: 'requests', limit: 3 });
      expect(top3.map((t) => t.key).sort()).toEqual(['app_5', 'app_6']);
      const errors = await h.store.callRollups.top('all', { from: T0 - DAY, to: T0 + 3 * DAY, dimension: 'status_class', metric: 'requests' });
      expect(errors.map((t) => [t.key, t.value])).toEqual([
        [2, records.filter((r) => r.status === 200).length],
        [5, records.filter((r) => r.status === 500).length],
      ]);
      const rate = await h.store.callRollups.top('all', { from: T0 - DAY, to: T0 + 3 * DAY, dimension: 'app', metric: 'error_rate', limit: 1 });
      expect(rate).toHaveLength(1);
      expect(rate[0]!.value).toBeGreaterThan(0);
    });

    test('percentiles from summed histograms fall in the bucket of the true value', async () => {
      const p = Array.from({ length: 1000 }, (_, i) => callRecord({ time: T0 + (i % 120) * MIN, service_id: 'svc_p', latency_total_ms: i + 1 }));
      const q = Array.from({ length: 100 }, (_, i) => callRecord({ time: T0 + HOUR + i, service_id: 'svc_q', latency_total_ms: 5 }));
      await h.store.callLogs.insertBatch([...p.slice(0, 400), ...q]);
      await h.store.callLogs.insertBatch(p.slice(400));
      const rows = await h.store.callRollups.percentiles('all', { from: T0, to: T0 + DAY, by: 'service', quantiles: [0.5, 0.95, 0.99] });
      expect(rows.map((r) => [r.key, r.requests])).toEqual([
        ['svc_p', 1000],
        ['svc_q', 100],
      ]);
      const within = (estimate: number | null, truth: number) => {
        const [lower, upper] = histBounds(histBucket(truth));
        expect(estimate).not.toBeNull();
        expect(estimate!).toBeGreaterThanOrEqual(lower);
        expect(estimate!).toBeLessThanOrEqual(upper);
      };
      within(rows[0]!.latency_ms.p50!, 500);
      within(rows[0]!.latency_ms.p95!, 950);
      within(rows[0]!.latency_ms.p99!, 990);
      within(rows[1]!.latency_ms.p50!, 5);
      within(rows[1]!.latency_ms.p99!, 5);
      const overall = await h.store.callRollups.percentiles('all', { from: T0, to: T0 + DAY, quantiles: [0.999] });
      expect(overall).toHaveLength(1);
      within(overall[0]!.latency_ms['p99.9']!, 999);
      const empty = await h.store.callRollups.percentiles('all', { from: T0 + 2 * DAY, to: T0 + 3 * DAY });
      expect(empty).toEqual([{ requests: 0, latency_ms: { p50: null, p95: null, p99: null } }]);
      const series = await h.store.callRollups.series('all', { from: T0, to: T0 + 2 * HOUR, resolution: 'hour', metrics: ['latency_p95_ms'], filters: { service_id: 'svc_p' } });
      expect(series.points).toHaveLength(2);
      for (const point of series.points) expect(point.values.latency_p95_ms).toBeGreaterThan(0);
    });

    test('team scope: series, top-N and percentiles only see the scope’s teams', async () => {
      await h.store.callLogs.insertBatch(seed());
      const range = { from: T0, to: T0 + 3 * DAY };
      const series = await h.store.callRollups.series(['team_b'], { ...range, resolution: 'day', metrics: ['requests'] });
      expect(compact(series.points)).toEqual([
        { t: 0, requests: 2 },
        { t: 1440, requests: 1 },
      ]);
      const services = await h.store.callRollups.top(['team_a'], { ...range, dimension: 'service', metric: 'requests' });
      expect(services.map((s) => s.key).sort()).toEqual(['svc_a', 'svc_b']);
      expect(await h.store.callRollups.top(['team_a'], { ...range, dimension: 'model', metric: 'cost_usd', filters: { team_id: 'team_b' } })).toEqual([]);
      const [all] = await h.store.callRollups.percentiles([], range);
      expect(all!.requests).toBe(0);
    });

    test('deleteBefore drops whole buckets of one resolution; the others stay', async () => {
      await h.store.callLogs.insertBatch(seed());
      expect(await h.store.callRollups.deleteBefore('minute', T0 + DAY)).toBeGreaterThan(0);
      const q = { from: T0, to: T0 + 2 * DAY, metrics: ['requests' as const] };
      expect(compact((await h.store.callRollups.series('all', { ...q, resolution: 'minute' })).points)).toEqual([{ t: 1470, requests: 1 }]);
      expect((await h.store.callRollups.series('all', { ...q, resolution: 'hour' })).points).toHaveLength(3);
      expect(await h.store.callRollups.deleteBefore('day', T0)).toBe(0);
    });

    test('invalid questions are validation errors', async () => {
      const base = { from: T0, to: T0 + HOUR };
      await expectError(h.store.callRollups.series('all', { ...base, resolution: 'minute', metrics: ['nope' as 'requests'] }), 'GANTRY_ERR_VALIDATION', { path: '/metrics/0' });
      await expectError(h.store.callRollups.series('all', { ...base, resolution: 'week' as 'day', metrics: ['requests'] }), 'GANTRY_ERR_VALIDATION', { path: '/resolution' });
      await expectError(h.store.callRollups.series('all', { ...base, resolution: 'minute', metrics: [] }), 'GANTRY_ERR_VALIDATION', { path: '/metrics' });
      await expectError(h.store.callRollups.series('all', { from: T0, to: T0 + 30 * DAY, resolution: 'minute', metrics: ['requests'] }), 'GANTRY_ERR_VALIDATION', { path: '/to' });
      await expectError(h.store.callRollups.top('all', { ...base, dimension: 'colour' as 'app', metric: 'requests' }), 'GANTRY_ERR_VALIDATION', { path: '/dimension' });
      await expectError(h.store.callRollups.top('all', { from: T0 + HOUR, to: T0, dimension: 'app', metric: 'requests' }), 'GANTRY_ERR_VALIDATION', { path: '/to' });
      await expectError(h.store.callRollups.percentiles('all', { ...base, quantiles: [1.5] }), 'GANTRY_ERR_VALIDATION', { path: '/quantiles' });
      await expectError(h.store.callRollups.series('all', { ...base, resolution: 'hour', metrics: ['requests'], filters: { colour: 'red' } as object }), 'GANTRY_ERR_VALIDATION', { path: '/filters/colour' });
    });
  });
}
