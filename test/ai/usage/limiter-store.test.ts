import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { aiCallChannel } from '../../../src/ai/events.js';
import { AiLimiter, UsageRecorder, type AiReservation, type LimitCheck } from '../../../src/ai/usage/index.js';
import type { AiUsageDelta, Store } from '../../../src/store/index.js';
import { at, callEvent } from './helpers.js';
import { sqliteStore } from './store.js';

const T = at('2025-03-10T12:00:00.000Z');

function delta(d: Partial<AiUsageDelta>): AiUsageDelta {
  return {
    day: '2025-03-10',
    team_id: 'team_a',
    app_id: 'app_a',
    key_id: null,
    service_id: null,
    provider_id: 'prov_openai',
    model: 'openai/gpt-4o',
    requests: 1,
    errors: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    cached_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    estimated_requests: 0,
    cost_usd: 0,
    saved_usd: 0,
    ...d,
  };
}

function reservation(result: LimitCheck): AiReservation {
  if (!result.ok) throw new Error(result.message);
  return result.reservation;
}

let store: Store;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ store, cleanup } = await sqliteStore());
});
afterEach(() => cleanup());

describe('spend recorded in the store', () => {
  test('refreshFromStore starts each app from the UTC day and month totals the store holds', async () => {
    await store.aiUsage.record([
      delta({ day: '2025-03-10', cost_usd: 0.7 }),
      delta({ day: '2025-03-10', model: 'openai/gpt-4o-mini', cost_usd: 0.05 }),
      delta({ day: '2025-03-02', cost_usd: 0.5 }),
      delta({ day: '2025-02-28', cost_usd: 9 }), // last month
      delta({ day: '2025-03-11', cost_usd: 9 }), // after `now`
      delta({ day: '2025-03-10', app_id: 'app_b', cost_usd: 0.1 }),
      delta({ day: '2025-03-10', app_id: null, cost_usd: 3 }),
    ]);
    const limiter = new AiLimiter();
    expect(await limiter.refreshFromStore(store, T)).toEqual({ apps: 2 });
    expect(limiter.usage('app_a', T)).toEqual({ tokensInWindow: 0, spentDayUsd: 0.75, spentMonthUsd: 1.25 });
    expect(limiter.usage('app_b', T)).toMatchObject({ spentDayUsd: 0.1, spentMonthUsd: 0.1 });
    expect(limiter.check('app_a', { spend_per_day_usd: 1 }, { tokens: 0, costUsd: 0.3 }, T).ok).toBe(false);
    expect(limiter.check('app_a', { spend_per_day_usd: 1 }, { tokens: 0, costUsd: 0.25 }, T).ok).toBe(true);
    expect(limiter.check('app_a', { spend_per_month_usd: 1.5 }, { tokens: 0, costUsd: 0.01 }, T).ok).toBe(false);
  });

  test('seed takes the totals as given; spend this node reconciles afterwards adds on top', () => {
    const limiter = new AiLimiter();
    limiter.seed({ day: new Map([['app_a', 0.7]]), month: new Map([['app_a', 1.2]]), asOf: new Date(T) });
    const r = reservation(limiter.check('app_a', {}, { tokens: 0, costUsd: 0.2 }, T));
    limiter.reconcile(r, { tokens: 0, costUsd: 0.1 }, T);
    expect(limiter.usage('app_a', T)).toMatchObject({ spentDayUsd: 0.8, spentMonthUsd: 1.3 });
  });

  test('refreshes never count spend twice: flushed spend is in the store, unflushed spend is local', async () => {
    const limiter = new AiLimiter();
    const recorder = new UsageRecorder({ store, flushMs: 3_600_000, onRecorded: (rows) => limiter.noteRecorded(rows) }).start();
    const spend = (estimate: number, actual: number): void => {
      const r = reservation(limiter.check('app_a', { spend_per_day_usd: 10 }, { tokens: 0, costUsd: estimate }, T));
      limiter.reconcile(r, { tokens: 0, costUsd: actual }, T);
      aiCallChannel.publish(callEvent({ timestamp: T, cost: { input: actual, output: 0, cache_read: 0, cache_write: 0, total: actual } }));
    };
    const day = (): number => limiter.usage('app_a', T).spentDayUsd;
    try {
      await limiter.refreshFromStore(store, T);
      spend(0.25, 0.2);
      expect(day()).toBeCloseTo(0.2, 9);
      await recorder.flush();
      expect(day()).toBeCloseTo(0.2, 9);
      await limiter.refreshFromStore(store, T);
      expect(day()).toBeCloseTo(0.2, 9);

      spend(0.5, 0.3); // not flushed yet
      await limiter.refreshFromStore(store, T);
      expect(day()).toBeCloseTo(0.5, 9);
      await recorder.flush();
      expect(day()).toBeCloseTo(0.5, 9);
      await limiter.refreshFromStore(store, T);
      expect(day()).toBeCloseTo(0.5, 9);
      expect(limiter.usage('app_a', T).spentMonthUsd).toBeCloseTo(0.5, 9);

      // Spend survives a restart, and another node's spend arrives with the next refresh.
      const restarted = new AiLimiter();
      await restarted.refreshFromStore(store, T);
      expect(restarted.usage('app_a', T).spentDayUsd).toBeCloseTo(0.5, 9);
      await store.aiUsage.record([delta({ cost_usd: 1 })]);
      await limiter.refreshFromStore(store, T);
      expect(day()).toBeCloseTo(1.5, 9);
    } finally {
      await recorder.close();
    }
  });

  test('spend recorded for an app that never went through the limiter is counted once', async () => {
    const limiter = new AiLimiter();
    await limiter.refreshFromStore(store, T);
    const row = delta({ cost_usd: 0.4 });
    await store.aiUsage.record([row]);
    limiter.noteRecorded([row]);
    expect(limiter.usage('app_a', T).spentDayUsd).toBeCloseTo(0.4, 9);
    await limiter.refreshFromStore(store, T);
    expect(limiter.usage('app_a', T).spentDayUsd).toBeCloseTo(0.4, 9);
  });

  test('concurrent refreshes share one read', async () => {
    const limiter = new AiLimiter();
    const [a, b] = [limiter.refreshFromStore(store, T), limiter.refreshFromStore(store, T)];
    expect(a).toBe(b);
    await a;
  });
});
