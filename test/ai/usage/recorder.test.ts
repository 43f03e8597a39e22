import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { aiCallChannel } from '../../../src/ai/events.js';
import { UsageRecorder, type UsageLogger } from '../../../src/ai/usage/index.js';
import type { AiUsageDelta, AiUsageRow, Store } from '../../../src/store/index.js';
import { callEvent } from './helpers.js';
import { sqliteStore } from './store.js';

const DAY = new Date().toISOString().slice(0, 10);
const cost = (total: number) => ({ input: total, output: 0, cache_read: 0, cache_write: 0, total });

let store: Store;
let cleanup: () => Promise<void>;
const recorders: UsageRecorder[] = [];
beforeEach(async () => {
  ({ store, cleanup } = await sqliteStore());
});
afterEach(async () => {
  vi.useRealTimers();
  for (const r of recorders.splice(0)) await r.close();
  await cleanup();
});

/** Started on the channel; the timer is far away unless a test wants it. */
function recorder(opts: Partial<ConstructorParameters<typeof UsageRecorder>[0]> = {}): UsageRecorder {
  const r = new UsageRecorder({ store, flushMs: 3_600_000, ...opts }).start();
  recorders.push(r);
  return r;
}

function rows(groupBy: Array<'model' | 'app' | 'key' | 'service' | 'provider' | 'team' | 'day'> = ['model']): Promise<AiUsageRow[]> {
  return store.aiUsage.query('all', { from: '2000-01-01', to: '2100-01-01', group_by: groupBy });
}

/** A store whose record fails while `failing` is true (the store itself is real). */
function flaky(real: Store): { store: Pick<Store, 'aiUsage'>; failing: boolean; calls: number } {
  const state = {
    failing: true,
    calls: 0,
    store: {
      aiUsage: {
        record: async (batch: AiUsageDelta[]) => {
          state.calls += 1;
          if (state.failing) throw new Error('database is locked');
          await real.aiUsage.record(batch);
        },
        query: real.aiUsage.query.bind(real.aiUsage),
      },
    },
  };
  return state;
}

function logger(): UsageLogger & { warns: string[]; errors: string[] } {
  const warns: string[] = [];
  const errors: string[] = [];
  return { warns, errors, warn: (_o, msg) => void warns.push(msg ?? ''), error: (_o, msg) => void errors.push(msg ?? '') };
}

describe('UsageRecorder', () => {
  test('events published on gantry:ai-call are flushed as one summed row per bucket', async () => {
    const r = recorder();
    aiCallChannel.publish(callEvent());
    aiCallChannel.publish(
      callEvent({
        usage: { prompt_tokens: 50, completion_tokens: 7, cached_read_tokens: 40, cache_write_tokens: 5, reasoning_tokens: 3, estimated: true },
        cost: cost(0.00055),
      }),
    );
    aiCallChannel.publish(callEvent({ status: 502, errorCode: 'GANTRY_ERR_AI_STREAM_INTERRUPTED', usage: null, cost: null }));
    aiCallChannel.publish(callEvent({ modelServed: 'openai/gpt-4o-mini', keyId: null, cost: cost(0.1) }));
    expect(r.stats()).toMatchObject({ pending: 2, flushed: 0 });
    expect(await r.flush()).toBe(true);
    expect(r.stats()).toMatchObject({ pending: 0, flushed: 2, failures: 0, dropped: 0 });

    const all = await rows(['day', 'team', 'app', 'key', 'service', 'provider', 'model']);
    all.sort((a, b) => String(a.model).localeCompare(String(b.model)));
    expect(all).toEqual([
      {
        day: DAY, team_id: 'team_a', app_id: 'app_a', key_id: 'key_a', service_id: 'svc_a', provider_id: 'prov_openai', model: 'openai/gpt-4o',
        requests: 3, errors: 1, prompt_tokens: 150, completion_tokens: 27, cached_read_tokens: 40, cache_write_tokens: 5,
        reasoning_tokens: 3, estimated_requests: 1, cost_usd: 0.001, saved_usd: 0,
      },
      {
        day: DAY, team_id: 'team_a', app_id: 'app_a', key_id: null, service_id: 'svc_a', provider_id: 'prov_openai', model: 'openai/gpt-4o-mini',
        requests: 1, errors: 0, prompt_tokens: 100, completion_tokens: 20, cached_read_tokens: 0, cache_write_tokens: 0,
        reasoning_tokens: 0, estimated_requests: 0, cost_usd: 0.1, saved_usd: 0,
      },
    ]);
  });

  test('costs add up exactly, and sub-micro-dollar remainders carry over to later flushes', async () => {
    const r = recorder();
    aiCallChannel.publish(callEvent({ cost: cost(0.1) }));
    aiCallChannel.publish(callEvent({ cost: cost(0.2) }));
    await r.flush();
    expect((await rows())[0]?.cost_usd).toBe(0.3);

    for (let i = 0; i < 5; i++) {
      aiCallChannel.publish(callEvent({ modelServed: 'openai/embed', cost: cost(0.0000004) }));
      await r.flush();
    }
    // Each call costs $0.0000004 and is flushed alone: rounded per flush, every one would be $0.
    const embed = (await rows()).find((row) => row.model === 'openai/embed');
    expect(embed).toMatchObject({ requests: 5, cost_usd: 0.000002 });
  });

  test('a cache hit adds what it saved, not a cost; an event with no provider tried is skipped', async () => {
    const r = recorder();
    aiCallChannel.publish(callEvent({ cacheHit: true, cost: cost(0.002) }));
    aiCallChannel.publish(callEvent({ providerId: null, modelServed: null, usage: null, cost: null, status: 429, attempts: [] }));
    await r.flush();
    expect(await rows()).toMatchObject([{ requests: 1, cost_usd: 0, saved_usd: 0.002 }]);
    expect(r.stats().skipped).toBe(1);
  });

  test('a call no provider served is charged to the provider and model last tried, as an error', async () => {
    const r = recorder();
    aiCallChannel.publish(
      callEvent({
        providerId: null, providerKind: null, modelServed: null, usage: null, cost: null, status: 503,
        attempts: [
          { providerId: 'prov_a', providerName: 'a', model: 'openai/gpt-4o', keyId: 'k', status: 500, outcome: 'server_error', durationMs: 5 },
          { providerId: 'prov_b', providerName: 'b', model: 'anthropic/claude-x', keyId: 'k', status: null, outcome: 'timeout', durationMs: 9 },
        ],
      }),
    );
    await r.flush();
    expect(await rows(['provider', 'model'])).toMatchObject([{ provider_id: 'prov_b', model: 'anthropic/claude-x', requests: 1, errors: 1 }]);
  });

  test('close() flushes what is pending, then stops listening', async () => {
    const r = new UsageRecorder({ store, flushMs: 3_600_000 }).start();
    aiCallChannel.publish(callEvent());
    expect(await r.close()).toMatchObject({ pending: 0, flushed: 1 });
    aiCallChannel.publish(callEvent());
    expect(r.stats().pending).toBe(0);
    expect(await rows()).toMatchObject([{ requests: 1 }]);
  });

  test('the timer flushes; a failing store keeps the buckets and is retried with backoff', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const s = flaky(store);
    const log = logger();
    const r = recorder({ store: s.store, flushMs: 100, logger: log });
    aiCallChannel.publish(callEvent());
    await vi.advanceTimersByTimeAsync(100);
    expect(r.stats()).toMatchObject({ pending: 1, failures: 1, flushed: 0 });
    expect(log.warns).toEqual(['AI usage could not be written to the store; kept in memory and retried']);
    aiCallChannel.publish(callEvent());
    await vi.advanceTimersByTimeAsync(199); // backoff after 1 failure: 200 ms
    expect(s.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.stats()).toMatchObject({ pending: 1, failures: 2 });
    s.failing = false;
    await vi.advanceTimersByTimeAsync(400);
    expect(r.stats()).toMatchObject({ pending: 0, failures: 2, flushed: 1 });
    expect(await rows()).toMatchObject([{ requests: 2, cost_usd: 0.0009 }]);
    await vi.advanceTimersByTimeAsync(100); // back to the normal interval; nothing to write
    expect(s.calls).toBe(3);
  });

  test('beyond the bound the oldest buckets are dropped and counted, with a warning', async () => {
    const s = flaky(store);
    const log = logger();
    const r = recorder({ store: s.store, maxBuckets: 3, logger: log });
    for (const model of ['m/1', 'm/2']) aiCallChannel.publish(callEvent({ modelServed: model }));
    expect(await r.flush()).toBe(false);
    for (const model of ['m/3', 'm/4', 'm/5']) aiCallChannel.publish(callEvent({ modelServed: model }));
    expect(r.stats()).toMatchObject({ pending: 3, dropped: 2, failures: 1 });
    expect(log.warns.filter((w) => w.startsWith('AI usage buckets dropped'))).toHaveLength(1);
    s.failing = false;
    expect(await r.flush()).toBe(true);
    expect((await rows()).map((row) => row.model)).toEqual(['m/3', 'm/4', 'm/5']);
  });

  test('a failed batch merged with newer events stays within the bound, oldest dropped first', async () => {
    const s = flaky(store);
    const r = recorder({ store: s.store, maxBuckets: 2 });
    aiCallChannel.publish(callEvent({ modelServed: 'm/1' }));
    aiCallChannel.publish(callEvent({ modelServed: 'm/2' }));
    const failing = r.flush();
    aiCallChannel.publish(callEvent({ modelServed: 'm/2' })); // arrives while the write is in flight
    aiCallChannel.publish(callEvent({ modelServed: 'm/3' }));
    expect(await failing).toBe(false);
    expect(r.stats()).toMatchObject({ pending: 2, dropped: 1 });
    s.failing = false;
    await r.flush();
    expect((await rows()).map((row) => [row.model, row.requests])).toEqual([['m/2', 2], ['m/3', 1]]);
  });

  test('a malformed message on the channel is logged, never thrown at the publisher', () => {
    const log = logger();
    recorder({ logger: log });
    expect(() => aiCallChannel.publish({ nonsense: true })).not.toThrow();
    expect(log.errors).toEqual(['AI usage event could not be counted']);
  });
});
