import { describe, expect, test } from 'vitest';
import type { CallBodies, CallRecord } from '../../../src/core/call-record.js';
import type { CallLogFilters, Store, TeamScope } from '../../../src/store/types.js';
import { DAY, HOUR, MIN, T0, aiPart, callRecord } from './call-fixtures.js';
import { expectError, type Harness } from './harness.js';
import { callLogLimits, encodeCallCursor } from '../../../src/store/repos/call-logs.js';

const ids = (records: CallRecord[]) => records.map((r) => r.id);
/** Newest first, the order queries return. */
const newestFirst = (records: CallRecord[]) => [...records].sort((a, b) => (a.id < b.id ? 1 : -1));

async function all(store: Store, scope: TeamScope, filters: CallLogFilters = {}): Promise<CallRecord[]> {
  const out: CallRecord[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.callLogs.query(scope, filters, { limit: 3, cursor });
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return out;
}

/** The ids of each page of `filters` followed to the end, which must come within `max` pages. */
async function pageIds(store: Store, filters: CallLogFilters, limit: number, max: number): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<Store['callLogs']['query']>> = await store.callLogs.query('all', filters, { limit, cursor });
    pages.push(ids(page.items));
    cursor = page.next_cursor;
  } while (cursor !== null && pages.length < max);
  expect(cursor).toBeNull();
  return pages;
}

/** Runs `run` with some of the query budgets changed (tests make them tiny), then restores them. */
async function withLimits(limits: Partial<typeof callLogLimits>, run: () => Promise<void>): Promise<void> {
  const saved = { ...callLogLimits };
  Object.assign(callLogLimits, limits);
  try {
    await run();
  } finally {
    Object.assign(callLogLimits, saved);
  }
}

async function requestsOn(store: Store, from: number, to: number): Promise<number> {
  const [row] = await store.callRollups.percentiles('all', { from, to });
  return row!.requests;
}

export function callLogTests(h: Harness): void {
  describe('call logs', () => {
    test('records round-trip every field, AI ones included, newest first', async () => {
      const plain = callRecord({ time: T0 + 1000, key_id: null, latency_upstream_ms: null, upstream_target: null, upstream_status: null });
      const ai = callRecord({
        time: T0 + 2000,
        method: 'POST',
        path: '/v1/chat/completions',
        query: '',
        status: 502,
        error_code: 'GANTRY_ERR_AI_PROVIDER_ERROR',
        cache_status: 'MISS',
        rate_limit: 'allowed',
        trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
        retries: 1,
        ai: aiPart({ cost_usd: 0.000123, tokens_estimated: true }),
      });
      expect(await h.store.callLogs.insertBatch([plain, ai])).toEqual({ inserted: 2 });
      const page = await h.store.callLogs.query('all');
      expect(page).toEqual({ items: [ai, plain], next_cursor: null });
    });

    test('a replayed batch is skipped: nothing inserted twice, rollups not counted twice', async () => {
      const batch = [callRecord(), callRecord({ time: T0 + 5 }), callRecord({ time: T0 + 9 })];
      expect(await h.store.callLogs.insertBatch(batch)).toEqual({ inserted: 3 });
      expect(await h.store.callLogs.insertBatch([...batch, callRecord({ time: T0 + 20 })])).toEqual({ inserted: 1 });
      expect(await h.store.callLogs.insertBatch([batch[0]!, batch[0]!])).toEqual({ inserted: 0 });
      expect((await all(h.store, 'all')).length).toBe(4);
      expect(await requestsOn(h.store, T0, T0 + MIN)).toBe(4);
    });

    test('a bad record fails the whole batch with a validation error and writes nothing', async () => {
      const good = callRecord();
      await expectError(h.store.callLogs.insertBatch([good, { ...callRecord(), id: 'req-1' }]), 'GANTRY_ERR_VALIDATION', { path: '/1/id' });
      await expectError(h.store.callLogs.insertBatch([{ ...callRecord(), time: Number.NaN }]), 'GANTRY_ERR_VALIDATION', { path: '/0/time' });
      expect((await h.store.callLogs.query('all')).items).toEqual([]);
      expect(await requestsOn(h.store, T0, T0 + DAY)).toBe(0);
    });

    test('filters: time range, ids, status class and status, error code, provider, model, method, request id', async () => {
      const r = {
        early: callRecord({ time: T0 - HOUR }),
        ok: callRecord({ time: T0 + 1000, team_id: 'team_b', service_id: 'svc_b', route_id: 'rt_b', app_id: null, key_id: null }),
        redirect: callRecord({ time: T0 + 2000, status: 302 }),
        notFound: callRecord({ time: T0 + 3000, status: 404, error_code: 'GANTRY_ERR_ROUTE_NOT_FOUND', route_id: null, service_id: null }),
        failed: callRecord({ time: T0 + 4000, status: 502, error_code: 'GANTRY_ERR_UPSTREAM_FAILED', method: 'POST' }),
        ai: callRecord({ time: T0 + 5000, app_id: 'app_z', ai: aiPart({ provider_id: 'aip_anthropic', model_served: 'anthropic/claude' }) }),
        late: callRecord({ time: T0 + DAY, request_id: 'client-chosen-id' }),
      };
      await h.store.callLogs.insertBatch(Object.values(r));
      const q = (f: CallLogFilters) => all(h.store, 'all', f).then(ids);
      expect(await q({ from: T0, to: T0 + DAY })).toEqual(ids([r.ai, r.failed, r.notFound, r.redirect, r.ok]));
      expect(await q({ from: T0 + 2000, to: T0 + 4000 })).toEqual(ids([r.notFound, r.redirect]));
      expect(await q({ team_id: 'team_b' })).toEqual(ids([r.ok]));
      expect(await q({ service_id: 'svc_b' })).toEqual(ids([r.ok]));
      expect(await q({ route_id: 'rt_b' })).toEqual(ids([r.ok]));
      expect(await q({ app_id: 'app_z' })).toEqual(ids([r.ai]));
      expect(await q({ status_class: 5 })).toEqual(ids([r.failed]));
      expect(await q({ status_class: [4, 5] })).toEqual(ids([r.failed, r.notFound]));
      expect(await q({ status_class: [2, 3], from: T0 })).toEqual(ids([r.late, r.ai, r.redirect, r.ok]));
      expect(await q({ status: [302, 404] })).toEqual(ids([r.notFound, r.redirect]));
      expect(await q({ error_code: 'GANTRY_ERR_UPSTREAM_FAILED' })).toEqual(ids([r.failed]));
      expect(await q({ provider_id: 'aip_anthropic' })).toEqual(ids([r.ai]));
      expect(await q({ model: 'anthropic/claude' })).toEqual(ids([r.ai]));
      expect(await q({ method: 'POST', status_class: 5 })).toEqual(ids([r.failed]));
      expect(await q({ request_id: 'client-chosen-id' })).toEqual(ids([r.late]));
      expect(await q({ request_id: r.early.request_id, from: T0 })).toEqual([]);
      expect(await q({ request_id: 'nobody' })).toEqual([]);
      // With a team scope, a time range and a cursor too (SQLite is made to use the bucketed index).
      const scoped = await h.store.callLogs.query([r.late.team_id!], { request_id: 'client-chosen-id', from: T0, to: T0 + 2 * DAY, service_id: r.late.service_id! }, { limit: 5 });
      expect(ids(scoped.items)).toEqual(ids([r.late]));
      const after = await h.store.callLogs.query('all', { request_id: 'client-chosen-id' }, { limit: 5, cursor: encodeCallCursor(r.late.id) });
      expect(after.items).toEqual([]);
      await expectError(h.store.callLogs.query('all', { status_class: 7 }), 'GANTRY_ERR_VALIDATION', { path: '/status_class' });
    });

    test('a page decodes at most its record budget; its cursor continues the walk until the window ends', async () => {
      const older = callRecord({ time: T0, request_id: 'spread' });
      const fillers = [1, 2, 3, 4].map((n) => callRecord({ time: T0 + n * HOUR, request_id: 'other', path: '/elsewhere' }));
      const newer = callRecord({ time: T0 + 3 * DAY, request_id: 'spread' });
      const newest = callRecord({ time: T0 + 3 * DAY + 1000, request_id: 'other', path: '/elsewhere' });
      // One segment per batch: [older] [2 fillers] [2 fillers] [newer] [newest].
      for (const batch of [[older], fillers.slice(0, 2), fillers.slice(2), [newer], [newest]]) await h.store.callLogs.insertBatch(batch);
      await withLimits({ pageRecordBudget: 2 }, async () => {
        // Text anywhere in the path: every segment of the window is decoded. Two records decoded per page:
        // [newest, newer] finds the newer call, each pair of fillers nothing, the last the older one.
        expect(await pageIds(h.store, { path: 'V1' }, 10, 10)).toEqual([[newer.id], [], [], [older.id]]);
        // Within the budget: one page, no cursor.
        expect(await h.store.callLogs.query('all', { path: 'v1', from: T0 + 2.5 * DAY }, { limit: 10 })).toEqual({ items: [expect.objectContaining({ id: newer.id })], next_cursor: null });
        // A request id or a path prefix: only segments whose text holds it are decoded, so one page finds both.
        expect(await h.store.callLogs.query('all', { request_id: 'spread' }, { limit: 10 })).toEqual({ items: [expect.objectContaining({ id: newer.id }), expect.objectContaining({ id: older.id })], next_cursor: null });
        expect(await h.store.callLogs.query('all', { path: '/v1' }, { limit: 10 })).toEqual({ items: [expect.objectContaining({ id: newer.id }), expect.objectContaining({ id: older.id })], next_cursor: null });
      });
      // Their text scan has a budget of its own: one segment's records per page here.
      await withLimits({ pageRecordBudget: 2, pageScanBudget: 1 }, async () => {
        expect(await pageIds(h.store, { request_id: 'spread' }, 10, 10)).toEqual([[], [newer.id], [], [], [older.id]]);
      });
      // And a page reads a bounded number of segments, however small (quiet hours make one per flush).
      await withLimits({ pageSegmentBudget: 1 }, async () => {
        expect(await pageIds(h.store, { path: 'V1' }, 10, 10)).toEqual([[], [newer.id], [], [], [older.id]]);
      });
    });

    test('with a budget smaller than a segment, pages still walk every match once and end', async () => {
      // Segments overlap in time: [r1, r3] and [r2] (records of a long call land in a later batch).
      const r1 = callRecord({ time: T0 });
      const r2 = callRecord({ time: T0 + 1000 });
      const r3 = callRecord({ time: T0 + 2000 });
      await h.store.callLogs.insertBatch([r1, r3]);
      await h.store.callLogs.insertBatch([r2]);
      await withLimits({ pageRecordBudget: 1 }, async () => {
        for (const limit of [1, 2]) {
          expect((await pageIds(h.store, { path: 'items' }, limit, 20)).flat()).toEqual([r3.id, r2.id, r1.id]);
        }
      });
    });

    test('path search: a leading / is a case-sensitive prefix, other text is found anywhere, any case', async () => {
      const paths = ['/v1/orders/17', '/v1/orders/170/items', '/v1/ORDERS/9', '/v2/orders/17', '/v1/order', '/v1/orders%2F1'];
      const records = paths.map((path, i) => callRecord({ time: T0 + i * 20_000, path }));
      // An hour later and a day later: the search walks time buckets, newest first.
      records.push(callRecord({ time: T0 + HOUR, path: '/v1/orders/18' }), callRecord({ time: T0 + DAY + 5, path: '/v1/orders/19' }));
      await h.store.callLogs.insertBatch(records);
      const q = (path: string, f: CallLogFilters = {}) => all(h.store, 'all', { path, ...f }).then((rs) => rs.map((r) => r.path));
      expect(await q('/v1/orders/')).toEqual(['/v1/orders/19', '/v1/orders/18', '/v1/orders/170/items', '/v1/orders/17']);
      expect(await q('/v1/orders/17')).toEqual(['/v1/orders/170/items', '/v1/orders/17']);
      expect(await q('/v1/order')).toEqual(['/v1/orders/19', '/v1/orders/18', '/v1/orders%2F1', '/v1/order', '/v1/orders/170/items', '/v1/orders/17']);
      expect(await q('/v1/orders/', { from: T0 + 30_000, to: T0 + DAY })).toEqual(['/v1/orders/18']);
      expect(await q('orders/1')).toEqual(['/v1/orders/19', '/v1/orders/18', '/v2/orders/17', '/v1/orders/170/items', '/v1/orders/17']);
      expect(await q('ORDERS/9')).toEqual(['/v1/ORDERS/9']);
      expect(await q('%2F')).toEqual(['/v1/orders%2F1']);
      expect(await q('/nothing')).toEqual([]);
    });

    test('pages of any size walk every match once, in order; a foreign cursor is refused', async () => {
      const records = Array.from({ length: 11 }, (_, i) => callRecord({ time: T0 + Math.floor(i / 3) * 1000, status: i % 2 ? 500 : 200 }));
      await h.store.callLogs.insertBatch(records);
      for (const limit of [1, 4, 11, 50]) {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page: Awaited<ReturnType<Store['callLogs']['query']>> = await h.store.callLogs.query('all', {}, { limit, cursor });
          expect(page.items.length).toBeLessThanOrEqual(limit);
          seen.push(...ids(page.items));
          cursor = page.next_cursor;
        } while (cursor !== null);
        expect(seen).toEqual(ids(newestFirst(records)));
      }
      const errors = await all(h.store, 'all', { status_class: 5 });
      expect(ids(errors)).toEqual(ids(newestFirst(records.filter((r) => r.status === 500))));
      await expectError(h.store.callLogs.query('all', {}, { cursor: 'bm90LWEtY3Vyc29y' }), 'GANTRY_ERR_VALIDATION', { path: '/cursor' });
      await expectError(h.store.callLogs.query('all', {}, { limit: 501 }), 'GANTRY_ERR_VALIDATION', { path: '/limit' });
    });

    test('team scope: only the team’s records are listed, found, searched or counted', async () => {
      const a = callRecord({ team_id: 'team_a', path: '/shared' });
      const b = callRecord({ team_id: 'team_b', path: '/shared' });
      const none = callRecord({ team_id: null, route_id: null, service_id: null, status: 404, path: '/shared' });
      await h.store.callLogs.insertBatch([a, b, none]);
      expect(ids(await all(h.store, ['team_a']))).toEqual([a.id]);
      expect(ids(await all(h.store, ['team_a', 'team_b']))).toEqual(ids([b, a]));
      expect(ids(await all(h.store, ['team_a'], { path: '/shared' }))).toEqual([a.id]);
      expect(ids(await all(h.store, ['team_a'], { team_id: 'team_b' }))).toEqual([]);
      expect(await all(h.store, [])).toEqual([]);
      expect(ids(await all(h.store, 'all'))).toEqual(ids([none, b, a]));
      expect(await h.store.callLogs.get(['team_a'], b.id)).toBeUndefined();
      expect(await h.store.callLogs.get(['team_b'], b.id)).toMatchObject({ id: b.id });
      expect(await h.store.callLogs.get('all', 'call_not-an-id')).toBeUndefined();
    });

    test('get returns the record with its captured bodies and headers', async () => {
      const withBodies = callRecord();
      const without = callRecord();
      const bodies: CallBodies = {
        id: withBodies.id,
        request_body: '{"q":"hello"}',
        response_body: 'é'.repeat(3),
        request_headers: { 'content-type': 'application/json', 'x-trace': 'abc' },
        response_headers: null,
        truncated: true,
      };
      await h.store.callLogs.insertBatch([withBodies, without], [bodies, { ...bodies, id: 'call_unknown' }]);
      expect(await h.store.callLogs.get('all', withBodies.id)).toEqual({ ...withBodies, bodies });
      expect(await h.store.callLogs.get('all', without.id)).toEqual({ ...without, bodies: null });
    });

    test('deleteBefore removes old records and their bodies in batches: globally, per team, or all teams but some', async () => {
      const old = Array.from({ length: 7 }, (_, i) => callRecord({ time: T0 + i, team_id: i % 2 ? 'team_a' : 'team_b' }));
      const fresh = [callRecord({ time: T0 + DAY, team_id: 'team_a' }), callRecord({ time: T0 + DAY, team_id: 'team_b' })];
      await h.store.callLogs.insertBatch([...old, ...fresh], [{ id: old[0]!.id, request_body: 'x', response_body: null, request_headers: null, response_headers: null, truncated: false }]);
      expect(await h.store.callLogs.deleteBefore(T0 + HOUR, { team_id: 'team_a', batch_size: 2 })).toBe(3);
      expect(ids(await all(h.store, ['team_a']))).toEqual([fresh[0]!.id]);
      expect(await h.store.callLogs.deleteBefore(T0 + HOUR, { except_team_ids: ['team_b'] })).toBe(0);
      expect(await h.store.callLogs.deleteBefore(T0 + HOUR, { batch_size: 3 })).toBe(4);
      expect(ids(await all(h.store, 'all'))).toEqual(ids(newestFirst(fresh)));
      expect(await h.store.callLogs.get('all', old[0]!.id)).toBeUndefined();
      // Rollups are history: deleting raw records does not change them.
      expect(await requestsOn(h.store, T0, T0 + 2 * DAY)).toBe(9);
    });

    test('inside a store transaction the batch commits or rolls back with it, rollups included', async () => {
      const kept = callRecord({ app_id: 'app_t' });
      const lost = callRecord({ app_id: 'app_t' });
      await h.store.transaction(async (tx) => {
        await tx.callLogs.insertBatch([kept]);
      });
      await expect(
        h.store.transaction(async (tx) => {
          await tx.callLogs.insertBatch([lost, callRecord({ app_id: 'app_new', team_id: 'team_new' })]);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(ids(await all(h.store, 'all'))).toEqual([kept.id]);
      // Keys made in the rolled-back transaction must not be reused: new records land in the right group.
      await h.store.callLogs.insertBatch([callRecord({ app_id: 'app_new', team_id: 'team_new' })]);
      const byApp = await h.store.callRollups.top('all', { from: T0, to: T0 + MIN, dimension: 'app', metric: 'requests' });
      expect(byApp.map((r) => [r.key, r.requests])).toEqual([
        ['app_new', 1],
        ['app_t', 1],
      ]);
      const byTeam = await h.store.callRollups.top(['team_new'], { from: T0, to: T0 + MIN, dimension: 'app', metric: 'requests' });
      expect(byTeam.map((r) => [r.key, r.requests])).toEqual([['app_new', 1]]);
    });
  });
}
