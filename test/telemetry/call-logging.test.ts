import diagnostics_channel from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { AI_CALL_CHANNEL } from '../../src/ai/events.js';
import { CALL_CHANNEL } from '../../src/gateway/events.js';
import { createStore } from '../../src/store/index.js';
import { createCallLogging, parseCallLogSettings } from '../../src/telemetry/index.js';
import { passThrough } from '../fixtures/config.js';
import { startUpstream } from '../fixtures/upstream.js';
import { send, startGateway } from '../gateway/helpers.js';
import { httpCall, tempDir } from './helpers.js';

const root = tempDir();

describe('call logging, wired', () => {
  test('events in, records out: store (with rollups) and file sink, AI calls joined; close() flushes', async () => {
    const store = await createStore({ url: join(root, 'wired.db') });
    await store.migrate();
    const file = join(root, 'wired.jsonl');
    const logging = await createCallLogging({
      settings: parseCallLogSettings({ file: { path: file }, queue: { flush_interval_ms: 1000 } }),
      store,
      nodeId: 'node-w',
      dataDir: root,
    });
    try {
      const plain = httpCall({ requestId: 'plain' });
      const ai = httpCall({ requestId: 'ai', serviceKind: 'ai', routeId: 'rt_ai', path: '/v1/chat/completions', query: '' });
      diagnostics_channel.channel(CALL_CHANNEL).publish(plain);
      diagnostics_channel.channel(CALL_CHANNEL).publish(ai);
      diagnostics_channel.channel(AI_CALL_CHANNEL).publish({
        requestId: 'ai', timestamp: ai.timestamp, endpoint: 'chat', inbound: 'openai', teamId: 'team_a', appId: 'app_a', keyId: 'key_a',
        serviceId: 'svc_a', routeId: 'rt_ai', modelRequested: 'gpt', providerId: 'aip_1', providerKind: 'openai', modelServed: 'openai/gpt-4o',
        usage: { prompt_tokens: 7, completion_tokens: 3, cached_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0, estimated: true },
        cost: { input: 0, output: 0, cache_read: 0, cache_write: 0, total: 0.5 }, streamed: false, status: 200, errorCode: null,
        latencyMs: 5, ttftMs: null, overheadMs: 1, attempts: [], providerKeyId: null, cacheHit: false,
      });
    } finally {
      await logging.close();
    }
    const stats = logging.stats();
    expect(stats.collector).toMatchObject({ calls: 2, ai_calls: 1, joined: 1, pending: 0 });
    expect(stats.sinks.map((s) => [s.sink, s.written])).toEqual([
      ['store', 2],
      ['file', 2],
    ]);
    const records = (await store.callLogs.query('all')).items;
    expect(records.map((r) => r.request_id).sort()).toEqual(['ai', 'plain']);
    expect(records.find((r) => r.request_id === 'ai')).toMatchObject({ node: 'node-w', ai: { prompt_tokens: 7, tokens_estimated: true, cost_usd: 0.5 } });
    expect(records.find((r) => r.request_id === 'plain')!.query).toBe('access_token=%5BREDACTED%5D&page=1');
    const [cost] = await store.callRollups.top('all', { from: Date.now() - 60_000, to: Date.now() + 60_000, dimension: 'model', metric: 'cost_usd' });
    expect(cost).toMatchObject({ key: 'openai/gpt-4o', value: 0.5 });
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id).sort()).toEqual(records.map((r) => r.id).sort());
    expect(readFileSync(file, 'utf8')).not.toContain('sekret');
    await store.close();
  });

  test('a real data plane under load, the store written from a worker thread: every call is stored once close() resolves', async () => {
    const url = join(root, 'load.db');
    const store = await createStore({ url });
    await store.migrate();
    const up = await startUpstream();
    const gw = await startGateway(passThrough([up.url]).build());
    const logging = await createCallLogging({ settings: parseCallLogSettings({ queue: { batch_size: 64 } }), store, databaseUrl: url, nodeId: 'n', dataDir: root });
    expect(logging.pipelines.map((p) => p.sinkName)).toEqual(['store']);
    try {
      const replies = await Promise.all(Array.from({ length: 150 }, (_, i) => send(`${gw.url}/load/${i}`)));
      expect(replies.every((r) => r.status === 200)).toBe(true);
      await gw.close();
      await logging.close();
      const seen = new Set<string>();
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof store.callLogs.query>> = await store.callLogs.query('all', { path: '/load/' }, { limit: 500, cursor });
        for (const r of page.items) seen.add(r.path);
        cursor = page.next_cursor;
      } while (cursor !== null);
      expect(seen.size).toBe(150);
      const [row] = await store.callRollups.percentiles('all', { from: Date.now() - 60_000, to: Date.now() + 60_000, by: 'route' });
      expect(row).toMatchObject({ key: 'rt_main', requests: 150 });
    } finally {
      await logging.close();
      await gw.close().catch(() => undefined);
      await up.close();
      await store.close();
    }
  });
});
