import diagnostics_channel from 'node:diagnostics_channel';
import { afterEach, describe, expect, test } from 'vitest';
import { AI_CALL_CHANNEL, type AiCallEvent } from '../../src/ai/events.js';
import { CALL_CHANNEL } from '../../src/gateway/events.js';
import { CALL_ID } from '../../src/store/repos/call-ids.js';
import { CallCollector } from '../../src/telemetry/collector.js';
import { CallEntry, prepareEntry, type CallEventInput } from '../../src/telemetry/record.js';
import { passThrough } from '../fixtures/config.js';
import { startUpstream } from '../fixtures/upstream.js';
import { send, startGateway, waitFor } from '../gateway/helpers.js';
import { EVENT_TIME, aiEvent } from './helpers.js';

const T = EVENT_TIME;

function callEvent(over: Partial<CallEventInput> = {}): CallEventInput {
  return {
    requestId: 'req-1',
    timestamp: T,
    method: 'POST',
    path: '/v1/chat/completions',
    clientIp: '10.0.0.9',
    status: 200,
    routeId: 'rt_ai',
    serviceId: 'svc_ai',
    appId: 'app_1',
    teamId: 'team_caller',
    keyId: 'key_1',
    latencyMs: 812.5,
    upstreamLatencyMs: null,
    bytesIn: 321,
    bytesOut: 4567,
    upstreamTarget: null,
    upstreamStatus: null,
    retries: 0,
    errorCode: null,
    host: 'gw.example.com',
    query: '?api_key=abc&stream=true',
    routeTeamId: 'team_owner',
    serviceKind: 'ai',
    ...over,
  };
}

function collecting(opts: { joinWindowMs?: number; maxPending?: number } = {}) {
  const entries: CallEntry[] = [];
  const collector = new CallCollector({ targets: [{ push: (e) => entries.push(e) }], sweepMs: 10, ...opts });
  collector.start();
  stops.push(() => collector.stop());
  const records = () => entries.map((e) => prepareEntry(e, { nodeId: 'node-1' }));
  return { collector, entries, records };
}

const stops: Array<() => void> = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

const publishCall = (e: CallEventInput) => diagnostics_channel.channel(CALL_CHANNEL).publish(e);
const publishAi = (e: AiCallEvent) => diagnostics_channel.channel(AI_CALL_CHANNEL).publish(e);

describe('call collector', () => {
  test('an AI call is joined with its AI event, whichever comes first, into one record', async () => {
    const { records, collector } = collecting();
    publishAi(aiEvent());
    publishCall(callEvent());
    publishCall(callEvent({ requestId: 'req-2', status: 502, errorCode: 'GANTRY_ERR_AI_PROVIDER_ERROR' }));
    publishAi(aiEvent({ requestId: 'req-2', status: 502, usage: null, cost: null, modelServed: null, providerId: null }));
    const [first, second] = records();
    expect(records()).toHaveLength(2);
    expect(first).toMatchObject({
      request_id: 'req-1',
      time: T,
      node: 'node-1',
      team_id: 'team_owner',
      app_id: 'app_1',
      method: 'POST',
      host: 'gw.example.com',
      query: 'api_key=%5BREDACTED%5D&stream=true',
      status: 200,
      latency_total_ms: 812.5,
      latency_gateway_ms: 3.5,
      retries: 0,
      ai: {
        endpoint: 'chat',
        provider_id: 'aip_1',
        model_requested: 'smart',
        model_served: 'openai/gpt-4o',
        prompt_tokens: 100,
        completion_tokens: 40,
        cached_tokens: 20,
        reasoning_tokens: 8,
        tokens_estimated: false,
        cost_usd: 0.003,
        streamed: true,
        ttft_ms: 120,
        fallback_path: [
          { provider: 'backup', model: 'anthropic/claude', status: 429, outcome: 'rate_limited' },
          { provider: 'main', model: 'openai/gpt-4o', status: 200, outcome: null },
        ],
      },
    });
    expect(first!.id).toMatch(CALL_ID);
    expect(second).toMatchObject({ request_id: 'req-2', status: 502, error_code: 'GANTRY_ERR_AI_PROVIDER_ERROR', ai: { model_served: null, prompt_tokens: 0, cost_usd: 0 } });
    expect(collector.stats()).toMatchObject({ calls: 2, ai_calls: 2, joined: 2, pending: 0 });
  });

  test('plain HTTP calls pass straight through; nothing waits for them', () => {
    const { entries, collector } = collecting();
    publishCall(callEvent({ serviceKind: 'http', requestId: 'a' }));
    publishCall(callEvent({ serviceKind: null, routeId: null, requestId: 'b', status: 404 }));
    expect(entries).toHaveLength(2);
    expect(collector.stats().pending).toBe(0);
  });

  test('a half whose other half never comes goes on alone after the window', async () => {
    const { records } = collecting({ joinWindowMs: 30 });
    publishCall(callEvent({ requestId: 'lonely-call' }));
    publishAi(aiEvent({ requestId: 'lonely-ai', latencyMs: 99 }));
    // Same request id, another route: not the same call.
    publishAi(aiEvent({ requestId: 'other', routeId: 'rt_x' }));
    publishCall(callEvent({ requestId: 'other', routeId: 'rt_y' }));
    expect(records()).toHaveLength(0);
    await waitFor(() => records().length === 4, 2000, 'halves to expire');
    const byId = new Map(records().map((r) => [`${r.request_id}/${r.route_id}`, r]));
    expect(byId.get('lonely-call/rt_ai')).toMatchObject({ ai: null, method: 'POST' });
    expect(byId.get('lonely-ai/rt_ai')).toMatchObject({ latency_total_ms: 99, path: '', ai: { model_served: 'openai/gpt-4o' } });
    expect(byId.get('other/rt_x')?.ai).not.toBeNull();
    expect(byId.get('other/rt_y')?.ai).toBeNull();
  });

  test('waiting halves are bounded: beyond maxPending the oldest goes on alone; stop() flushes the rest', () => {
    const { entries, collector } = collecting({ maxPending: 2, joinWindowMs: 60_000 });
    for (const id of ['a', 'b', 'c']) publishAi(aiEvent({ requestId: id }));
    expect(entries.map((e) => e.ai?.requestId)).toEqual(['a']);
    collector.stop();
    expect(entries.map((e) => e.ai?.requestId)).toEqual(['a', 'b', 'c']);
    expect(collector.stats()).toMatchObject({ unjoined_ai: 3, pending: 0 });
    publishAi(aiEvent({ requestId: 'after-stop' }));
    expect(entries).toHaveLength(3);
  });

  test('an AI cache hit is recorded as costing nothing, though its event carries the cost it saved', () => {
    const hit = prepareEntry(new CallEntry(callEvent({ serviceKind: 'ai' }), aiEvent({ cacheHit: true })), { nodeId: 'n' });
    const paid = prepareEntry(new CallEntry(callEvent({ serviceKind: 'ai' }), aiEvent()), { nodeId: 'n' });
    expect(hit.ai?.cost_usd).toBe(0);
    expect(hit.cache_status).toBe('HIT');
    expect(paid.ai?.cost_usd).toBeCloseTo(0.003, 9);
  });

  test('an entry is built into a record once, however many pipelines prepare it', () => {
    const entry = new CallEntry(callEvent({ serviceKind: 'http' }), null);
    const a = prepareEntry(entry, { nodeId: 'n' });
    const b = prepareEntry(entry, { nodeId: 'other' });
    expect(b).toBe(a);
    expect(entry.call).toBeNull();
  });

  test('the data plane publishes every call: a real request comes out as a record', async () => {
    const up = await startUpstream();
    const gw = await startGateway(passThrough([up.url]).build());
    try {
      const { records } = collecting();
      const reply = await send(`${gw.url}/orders/42?token=s3cr3t&view=full`, { headers: { host: 'shop.example.com', 'x-request-id': 'client-id-1' } });
      expect(reply.status).toBe(200);
      await waitFor(() => records().length > 0, 5000, 'the call record');
      const [record] = records();
      expect(record).toMatchObject({
        request_id: 'client-id-1',
        team_id: 'team_test',
        service_id: 'svc_main',
        route_id: 'rt_main',
        method: 'GET',
        host: 'shop.example.com',
        path: '/orders/42',
        query: 'token=%5BREDACTED%5D&view=full',
        status: 200,
        upstream_status: 200,
        upstream_target: up.url,
        error_code: null,
        ai: null,
      });
      expect(record!.latency_total_ms).toBeGreaterThan(0);
      expect(record!.latency_upstream_ms).toBeGreaterThan(0);
      expect(record!.bytes_out).toBeGreaterThan(0);
      expect(Math.abs(record!.time - Date.now())).toBeLessThan(10_000);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
