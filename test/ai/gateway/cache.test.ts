/**
 * The ai-cache policy end to end: the official SDKs against the data plane, providers as fixture
 * servers that count what they were asked. A hit never reaches a provider; a streamed request is
 * served from a non-streamed answer and the other way round; keys follow the request, not the caller.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../../src/core/ids.js';
import type { Policy } from '../../../src/core/model.js';
import { UsageRecorder } from '../../../src/ai/usage/index.js';
import type { Gateway } from '../../gateway/helpers.js';
import { sqliteStore } from '../usage/store.js';
import {
  anthropicClient,
  API_KEY,
  callEvent,
  captureCalls,
  collectOpenai,
  MODELS,
  openaiClient,
  standardConfig,
  startAi,
  startFixtures,
  TEAM,
  type AiConfig,
  type Fixtures,
} from './helpers.js';

let fx: Fixtures;
let open: Gateway[] = [];
const T = '2024-01-01T00:00:00.000Z';

beforeAll(async () => {
  fx = await startFixtures();
});
afterEach(async () => {
  await Promise.all(open.map((g) => g.close()));
  open = [];
});
afterAll(async () => {
  await fx?.close();
});

function cachePolicy(config: Record<string, unknown> = {}): Policy {
  return { id: 'pol_aicache', team_id: TEAM, name: 'ai-cache', type: 'ai-cache', scope: 'service', target_id: 'svc_ai', config, enabled: true, priority: null, created_at: T, updated_at: T };
}

function cached(config: Record<string, unknown> = {}): AiConfig {
  const c = standardConfig(fx);
  c.data.policies.push(cachePolicy(config));
  return c;
}

async function start(config: AiConfig): Promise<Gateway> {
  const gw = await startAi(config);
  open.push(gw);
  return gw;
}

/** A unique question, so tests never see each other's entries (the fixtures are shared). */
let n = 0;
const question = (label: string): string => `${label} #${++n} ${Date.now()}`;
const ask = (text: string, model: string = MODELS.openai) => ({ model, messages: [{ role: 'user' as const, content: text }] });
const sent = (f: { requests: unknown[] }): number => f.requests.length;

describe('chat completions', () => {
  it('answers the second identical request from the cache: one provider request, same answer, HIT', async () => {
    const gw = await start(cached());
    const q = question('same');
    const before = sent(fx.openai);
    const first = await openaiClient(gw).chat.completions.create(ask(q)).withResponse();
    const second = await openaiClient(gw).chat.completions.create(ask(q)).withResponse();
    expect(sent(fx.openai) - before).toBe(1);
    expect(first.response.headers.get('x-gantry-cache')).toBe('MISS');
    expect(second.response.headers.get('x-gantry-cache')).toBe('HIT');
    expect(second.data).toEqual(first.data);
    expect(second.data.choices[0].message.content).toContain(q);
    expect(second.response.headers.get('x-gantry-provider')).toBe('oa');
    expect(second.response.headers.get('x-gantry-attempts')).toBe('0');
  });

  it('replays a non-stream answer as a stream the SDK parses, with the usage chunk when asked for', async () => {
    const gw = await start(cached());
    const q = question('to-stream');
    const before = sent(fx.openai);
    const whole = await openaiClient(gw).chat.completions.create(ask(q));
    const { data: stream, response } = await openaiClient(gw).chat.completions.create({ ...ask(q), stream: true, stream_options: { include_usage: true } }).withResponse();
    const { text, chunks } = await collectOpenai(stream);
    expect(sent(fx.openai) - before).toBe(1);
    expect(response.headers.get('x-gantry-cache')).toBe('HIT');
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(text).toBe(whole.choices[0].message.content);
    expect(chunks.at(-2)?.choices[0].finish_reason).toBe('stop');
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage).toEqual(whole.usage);
    // Without include_usage no chunk carries usage.
    const plain = await collectOpenai(await openaiClient(gw).chat.completions.create({ ...ask(q), stream: true }));
    expect(plain.text).toBe(text);
    expect(plain.chunks.every((c) => c.usage == null)).toBe(true);
    expect(sent(fx.openai) - before).toBe(1);
  });

  it('stores a streamed answer whole: a later non-stream request gets it, usage included', async () => {
    const gw = await start(cached());
    const q = question('from-stream');
    const before = sent(fx.openai);
    const streamed = await collectOpenai(await openaiClient(gw).chat.completions.create({ ...ask(q), stream: true }));
    const whole = await openaiClient(gw).chat.completions.create(ask(q)).withResponse();
    expect(sent(fx.openai) - before).toBe(1);
    expect(whole.response.headers.get('x-gantry-cache')).toBe('HIT');
    expect(whole.data.object).toBe('chat.completion');
    expect(whole.data.choices[0]).toMatchObject({ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: streamed.text } });
    expect(whole.data.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('keeps tool calls: a streamed tool-call answer is served whole, and replayed as a stream again', async () => {
    const gw = await start(cached());
    const req = { ...ask(`[scenario:tools] ${question('tools')}`), tools: [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } }] };
    const before = sent(fx.openai);
    const streamed = await openaiClient(gw).chat.completions.stream({ ...req, stream: true }).finalChatCompletion();
    const whole = await openaiClient(gw).chat.completions.create(req);
    const again = await openaiClient(gw).chat.completions.stream({ ...req, stream: true }).finalChatCompletion();
    expect(sent(fx.openai) - before).toBe(1);
    const calls = whole.choices[0].message.tool_calls!;
    expect(calls.map((c) => c.type === 'function' && [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['call_fx_weather', 'get_weather', { city: 'Paris', unit: 'celsius' }],
      ['call_fx_time', 'get_time', { timezone: 'Europe/Paris' }],
    ]);
    expect(whole.choices[0].finish_reason).toBe('tool_calls');
    expect(again.choices[0].message.tool_calls).toEqual(streamed.choices[0].message.tool_calls);
  });

  it('misses when the messages, the tools or a parameter differ', async () => {
    const gw = await start(cached());
    const q = question('differ');
    const client = openaiClient(gw);
    const before = sent(fx.openai);
    await client.chat.completions.create(ask(q));
    await client.chat.completions.create(ask(`${q}!`));
    await client.chat.completions.create({ ...ask(q), temperature: 0.5 });
    await client.chat.completions.create({ ...ask(q), max_tokens: 50 });
    await client.chat.completions.create({ ...ask(q), tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] });
    await client.chat.completions.create({ model: MODELS.openai, messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: q }] });
    expect(sent(fx.openai) - before).toBe(6);
    // What does not change the answer does not change the key: stream flags, the `user` field.
    const hit = await client.chat.completions.create({ ...ask(q), user: 'someone-else' }).withResponse();
    expect(hit.response.headers.get('x-gantry-cache')).toBe('HIT');
    expect(sent(fx.openai) - before).toBe(6);
  });

  it('never stores an error or a cut stream', async () => {
    const gw = await start(cached());
    const client = openaiClient(gw);
    const cut = `[scenario:cut] ${question('cut')}`;
    for (let i = 0; i < 2; i++) {
      const before = sent(fx.openai);
      await expect(collectOpenai(await client.chat.completions.create({ ...ask(cut), stream: true }))).rejects.toThrow();
      expect(sent(fx.openai)).toBeGreaterThan(before);
    }
    const failing = `[scenario:error] ${question('error')}`;
    for (let i = 0; i < 2; i++) {
      const before = sent(fx.openai);
      await expect(client.chat.completions.create(ask(failing))).rejects.toThrow();
      expect(sent(fx.openai)).toBeGreaterThan(before);
    }
  });
});

describe('Anthropic messages', () => {
  it('serves a non-stream message again, and replays it as an event stream the SDK accumulates', async () => {
    const gw = await start(cached());
    const req = { ...ask(question('anthropic'), MODELS.anthropic), max_tokens: 100 };
    const before = sent(fx.anthropic);
    const whole = await anthropicClient(gw).messages.create(req);
    const again = await anthropicClient(gw).messages.create(req).withResponse();
    expect(again.response.headers.get('x-gantry-cache')).toBe('HIT');
    expect(again.data).toEqual(whole);
    const events: string[] = [];
    const stream = anthropicClient(gw).messages.stream(req);
    stream.on('streamEvent', (e) => void events.push(e.type));
    const final = await stream.finalMessage();
    expect(sent(fx.anthropic) - before).toBe(1);
    expect(final.content).toEqual(whole.content);
    expect(final.stop_reason).toBe(whole.stop_reason);
    expect(final.usage.output_tokens).toBe(whole.usage.output_tokens);
    expect(events[0]).toBe('message_start');
    expect(events.at(-1)).toBe('message_stop');
  });

  it('stores a streamed message (tool use included) for a later non-stream request', async () => {
    const gw = await start(cached());
    const req = {
      ...ask(`[scenario:tools] ${question('an-tools')}`, MODELS.anthropic),
      max_tokens: 100,
      tools: [{ name: 'get_weather', input_schema: { type: 'object' as const } }],
    };
    const before = sent(fx.anthropic);
    const streamed = await anthropicClient(gw).messages.stream(req).finalMessage();
    const whole = await anthropicClient(gw).messages.create(req).withResponse();
    expect(sent(fx.anthropic) - before).toBe(1);
    expect(whole.response.headers.get('x-gantry-cache')).toBe('HIT');
    expect(whole.data.content).toEqual(streamed.content);
    expect(whole.data.content.some((b) => b.type === 'tool_use')).toBe(true);
    expect(whole.data.stop_reason).toBe('tool_use');
  });

  it('the anthropic-beta header the provider receives is part of the key', async () => {
    const gw = await start(cached());
    const req = { ...ask(question('beta'), MODELS.anthropic), max_tokens: 50 };
    const before = sent(fx.anthropic);
    await anthropicClient(gw).messages.create(req);
    const beta = await anthropicClient(gw).messages.create(req, { headers: { 'anthropic-beta': 'token-efficient-tools-2025-02-19' } }).withResponse();
    expect(beta.response.headers.get('x-gantry-cache')).toBe('MISS');
    const again = await anthropicClient(gw).messages.create(req).withResponse();
    expect(again.response.headers.get('x-gantry-cache')).toBe('HIT');
    expect(sent(fx.anthropic) - before).toBe(2);
  });

  it('an OpenAI client of an Anthropic provider: the stored answer is the OpenAI one', async () => {
    const gw = await start(cached());
    const q = question('translated');
    const before = sent(fx.anthropic);
    const streamed = await collectOpenai(await openaiClient(gw).chat.completions.create({ ...ask(q, MODELS.anthropic), stream: true }));
    const whole = await openaiClient(gw).chat.completions.create(ask(q, MODELS.anthropic));
    expect(sent(fx.anthropic) - before).toBe(1);
    expect(whole.choices[0].message.content).toBe(streamed.text);
  });
});

describe('other providers and response policies', () => {
  it('a streamed Gemini answer (translated to OpenAI chunks) is served whole, and a Bedrock one too', async () => {
    const gw = await start(cached());
    for (const [model, fixture] of [[MODELS.gemini, fx.gemini], [MODELS.bedrock, fx.bedrock]] as const) {
      const q = question(model);
      const before = sent(fixture);
      const streamed = await collectOpenai(await openaiClient(gw).chat.completions.create({ ...ask(q, model), stream: true }));
      const whole = await openaiClient(gw).chat.completions.create(ask(q, model)).withResponse();
      expect(whole.response.headers.get('x-gantry-cache'), model).toBe('HIT');
      expect(whole.data.choices[0].message.content, model).toBe(streamed.text);
      expect(sent(fixture) - before, model).toBe(1);
    }
  });

  it('response-phase policies apply to hits like to any answer', async () => {
    const config = cached();
    config.data.policies.push({ id: 'pol_rh', team_id: TEAM, name: 'rh', type: 'response-headers', scope: 'service', target_id: 'svc_ai', config: { set: { 'X-Env': 'test' } }, enabled: true, priority: null, created_at: T, updated_at: T });
    const gw = await start(config);
    const q = question('response-policy');
    await openaiClient(gw).chat.completions.create(ask(q));
    const hit = await openaiClient(gw).chat.completions.create({ ...ask(q), stream: true }).withResponse();
    expect(hit.response.headers.get('x-gantry-cache')).toBe('HIT');
    expect(hit.response.headers.get('x-env')).toBe('test');
    expect((await collectOpenai(hit.data)).text).toContain(q);
  });
});

describe('embeddings', () => {
  it('answers identical inputs from the cache, other inputs from the provider', async () => {
    const gw = await start(cached());
    const input = [question('embed a'), question('embed b')];
    const before = sent(fx.openai);
    const first = await openaiClient(gw).embeddings.create({ model: MODELS.openai, input });
    const second = await openaiClient(gw).embeddings.create({ model: MODELS.openai, input }).withResponse();
    expect(second.response.headers.get('x-gantry-cache')).toBe('HIT');
    expect(second.data).toEqual(first);
    await openaiClient(gw).embeddings.create({ model: MODELS.openai, input: [input[0]] });
    expect(sent(fx.openai) - before).toBe(2);
  });

  it('caches only the endpoints the policy lists', async () => {
    const gw = await start(cached({ endpoints: ['embeddings'] }));
    const q = question('only-embeddings');
    const before = sent(fx.openai);
    await openaiClient(gw).chat.completions.create(ask(q));
    const second = await openaiClient(gw).chat.completions.create(ask(q)).withResponse();
    expect(second.response.headers.get('x-gantry-cache')).toBeNull();
    expect(sent(fx.openai) - before).toBe(2);
  });
});

describe('who shares answers', () => {
  const KEY_B = 'gk_aitest_' + 'b'.repeat(32);
  const KEY_OTHER_TEAM = 'gk_aitest_' + 'o'.repeat(32);

  function withCallers(config: Record<string, unknown> = {}): AiConfig {
    const c = cached(config);
    c.data.teams.push({ id: 'team_other', name: 'other', description: '', created_at: T, updated_at: T });
    c.data.apps.push(
      { id: 'app_b', team_id: TEAM, name: 'b', description: '', ai_limits: {}, created_at: T, updated_at: T },
      { id: 'app_other', team_id: 'team_other', name: 'o', description: '', ai_limits: {}, created_at: T, updated_at: T },
    );
    c.data.apiKeys.push(
      { id: 'key_b', team_id: TEAM, app_id: 'app_b', name: 'b', hint: 'gk_aitest', key_hash: hashSecret(KEY_B), enabled: true, expires_at: null, created_at: T, updated_at: T },
      { id: 'key_other', team_id: 'team_other', app_id: 'app_other', name: 'o', hint: 'gk_aitest', key_hash: hashSecret(KEY_OTHER_TEAM), enabled: true, expires_at: null, created_at: T, updated_at: T },
    );
    c.data.policies[0].config = { allow_other_teams: true };
    return c;
  }

  it('by default two apps of one team share, two teams do not', async () => {
    const gw = await start(withCallers());
    const q = question('teams');
    const before = sent(fx.openai);
    await openaiClient(gw, API_KEY).chat.completions.create(ask(q));
    const sameTeam = await openaiClient(gw, KEY_B).chat.completions.create(ask(q)).withResponse();
    const otherTeam = await openaiClient(gw, KEY_OTHER_TEAM).chat.completions.create(ask(q)).withResponse();
    expect(sameTeam.response.headers.get('x-gantry-cache')).toBe('HIT');
    expect(otherTeam.response.headers.get('x-gantry-cache')).toBe('MISS');
    expect(sent(fx.openai) - before).toBe(2);
  });

  it('share: service lets every caller of the service share', async () => {
    const gw = await start(withCallers({ share: 'service' }));
    const q = question('service-share');
    const before = sent(fx.openai);
    await openaiClient(gw, API_KEY).chat.completions.create(ask(q));
    const otherTeam = await openaiClient(gw, KEY_OTHER_TEAM).chat.completions.create(ask(q)).withResponse();
    expect(otherTeam.response.headers.get('x-gantry-cache')).toBe('HIT');
    expect(sent(fx.openai) - before).toBe(1);
  });
});

describe('bypass, freshness, sampling', () => {
  it('x-gantry-cache: bypass asks the provider and stores the fresh answer; no-store stores nothing', async () => {
    const gw = await start(cached());
    const q = question('bypass');
    const before = sent(fx.openai);
    const client = openaiClient(gw);
    await client.chat.completions.create(ask(q));
    const bypassed = await client.chat.completions.create(ask(q), { headers: { 'x-gantry-cache': 'bypass' } }).withResponse();
    expect(bypassed.response.headers.get('x-gantry-cache')).toBe('BYPASS');
    expect(sent(fx.openai) - before).toBe(2);
    const hit = await client.chat.completions.create(ask(q)).withResponse();
    expect(hit.response.headers.get('x-gantry-cache')).toBe('HIT');
    expect(hit.data.id).toBe(bypassed.data.id); // the fresh answer replaced the first one

    const q2 = question('no-store');
    const noStore = await client.chat.completions.create(ask(q2), { headers: { 'cache-control': 'no-store' } }).withResponse();
    expect(noStore.response.headers.get('x-gantry-cache')).toBe('BYPASS');
    const after = await client.chat.completions.create(ask(q2)).withResponse();
    expect(after.response.headers.get('x-gantry-cache')).toBe('MISS');
    const noCache = await client.chat.completions.create(ask(q2), { headers: { 'Cache-Control': 'no-cache' } }).withResponse();
    expect(noCache.response.headers.get('x-gantry-cache')).toBe('BYPASS');
    expect(sent(fx.openai) - before).toBe(5);
  });

  it('a custom bypass header name is honoured', async () => {
    const gw = await start(cached({ bypass_header: 'X-Skip-Cache', honor_cache_control: false }));
    const q = question('custom-bypass');
    const before = sent(fx.openai);
    await openaiClient(gw).chat.completions.create(ask(q));
    const cc = await openaiClient(gw).chat.completions.create(ask(q), { headers: { 'cache-control': 'no-cache' } }).withResponse();
    expect(cc.response.headers.get('x-gantry-cache')).toBe('HIT');
    const skipped = await openaiClient(gw).chat.completions.create(ask(q), { headers: { 'x-skip-cache': 'no-store' } }).withResponse();
    expect(skipped.response.headers.get('x-gantry-cache')).toBe('BYPASS');
    expect(sent(fx.openai) - before).toBe(2);
  });

  it('an entry older than ttl_seconds is not served', async () => {
    const gw = await start(cached({ ttl_seconds: 1 }));
    const q = question('ttl');
    const before = sent(fx.openai);
    await openaiClient(gw).chat.completions.create(ask(q));
    const hit = await openaiClient(gw).chat.completions.create(ask(q)).withResponse();
    expect(hit.response.headers.get('x-gantry-cache')).toBe('HIT');
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await openaiClient(gw).chat.completions.create(ask(q)).withResponse();
    expect(expired.response.headers.get('x-gantry-cache')).toBe('MISS');
    expect(sent(fx.openai) - before).toBe(2);
  });

  it('deterministic_only caches temperature 0 with one choice, and nothing sampled', async () => {
    const gw = await start(cached({ deterministic_only: true }));
    const q = question('deterministic');
    const before = sent(fx.openai);
    for (let i = 0; i < 2; i++) await openaiClient(gw).chat.completions.create({ ...ask(q), temperature: 0 });
    expect(sent(fx.openai) - before).toBe(1);
    const sampled = await openaiClient(gw).chat.completions.create(ask(q)).withResponse();
    expect(sampled.response.headers.get('x-gantry-cache')).toBe('BYPASS');
    await openaiClient(gw).chat.completions.create(ask(q));
    expect(sent(fx.openai) - before).toBe(3);
  });
});

describe('accounting', () => {
  it('a hit is a cache-hit event with no usage and the saved cost, recorded as saved_usd', async () => {
    const { store, cleanup } = await sqliteStore();
    const recorder = new UsageRecorder({ store, flushMs: 3_600_000 }).start();
    const calls = captureCalls();
    try {
      const gw = await start(cached());
      const q = question('saved');
      const miss = await openaiClient(gw).chat.completions.create(ask(q)).withResponse();
      const hit = await openaiClient(gw).chat.completions.create({ ...ask(q), stream: true }).withResponse();
      await collectOpenai(hit.data);
      const missEvent = await callEvent(calls.events, miss.response.headers.get('x-request-id'));
      const hitEvent = await callEvent(calls.events, hit.response.headers.get('x-request-id'));
      expect(missEvent).toMatchObject({ cacheHit: false, providerId: 'prov_oa' });
      expect(missEvent.cost?.total).toBeGreaterThan(0);
      expect(hitEvent).toMatchObject({ cacheHit: true, usage: null, providerId: 'prov_oa', modelServed: missEvent.modelServed, streamed: true, attempts: [], status: 200 });
      expect(hitEvent.cost?.total).toBeCloseTo(missEvent.cost!.total, 12);
      await recorder.flush();
      const rows = await store.aiUsage.query('all', { from: '2000-01-01', to: '2100-01-01', group_by: ['model'] });
      const row = rows.find((r) => r.model === missEvent.modelServed)!;
      expect(row.requests).toBeGreaterThanOrEqual(2);
      expect(row.saved_usd).toBeGreaterThan(0);
      expect(row.prompt_tokens).toBe(missEvent.usage!.prompt_tokens); // the hit's tokens were not billed
    } finally {
      calls.stop();
      await recorder.close();
      await cleanup();
    }
  });

  it('a hit does not count against app limits: it is served before the limiter is asked', async () => {
    const seen: string[] = [];
    const config = cached();
    config.data.apps[0].ai_limits = { spend_per_day_usd: 100 };
    const { BASIC_HOOKS } = await import('../../../src/ai/gateway/hooks.js');
    const gw = await startAi(config, {
      aiHooks: { ...BASIC_HOOKS, limiter: { check: () => (seen.push('check'), { ok: true }), reconcile: () => void seen.push('reconcile') } },
    });
    open.push(gw);
    const q = question('limits');
    await openaiClient(gw).chat.completions.create(ask(q));
    await openaiClient(gw).chat.completions.create(ask(q));
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['check', 'reconcile']);
  });
});

describe('coalescing', () => {
  /** A provider in front of the OpenAI fixture that holds requests until released. */
  async function gatedProvider(target: string): Promise<{ url: string; seen: number; release(): void; close(): Promise<void> }> {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const state = { seen: 0 };
    const server = http.createServer((req, res) => {
      state.seen++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void gate.then(async () => {
          const up = await fetch(`${target}${req.url}`, { method: req.method, headers: { authorization: String(req.headers.authorization), 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
          res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
          res.end(Buffer.from(await up.arrayBuffer()));
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      url,
      get seen() {
        return state.seen;
      },
      release: () => open(),
      close: () => new Promise<void>((r) => server.close(() => r())),
    };
  }

  it('concurrent identical misses call the provider once; the others are served its answer', async () => {
    const gated = await gatedProvider(fx.openai.url);
    try {
      const config = cached();
      config.data.aiProviders[0].base_url = `${gated.url}/v1`;
      const gw = await start(config);
      const q = question('coalesce');
      const first = openaiClient(gw).chat.completions.create(ask(q)).withResponse();
      for (let i = 0; i < 100 && gated.seen === 0; i++) await new Promise((r) => setTimeout(r, 10));
      const others = [0, 1].map(() => openaiClient(gw).chat.completions.create({ ...ask(q), stream: true }).withResponse());
      await new Promise((r) => setTimeout(r, 200)); // lets them reach the cache; the assertions hold either way
      gated.release();
      const [a, ...rest] = await Promise.all([first, ...others]);
      expect(gated.seen).toBe(1);
      expect(a.response.headers.get('x-gantry-cache')).toBe('MISS');
      for (const r of rest) {
        expect(r.response.headers.get('x-gantry-cache')).toBe('HIT');
        expect((await collectOpenai(r.data as AsyncIterable<never>)).text).toBe(a.data.choices[0].message.content);
      }
    } finally {
      gated.release();
      await gated.close();
    }
  });
});

describe('coalescing when the first call fails', () => {
  it('the waiting requests are let go and ask the provider themselves', async () => {
    const config = cached();
    const gw = await start(config);
    const q = `[scenario:error] ${question('coalesce-error')}`;
    const before = sent(fx.openai);
    const results = await Promise.allSettled([0, 1, 2].map(() => openaiClient(gw).chat.completions.create(ask(q))));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    // Each request made its own attempts (1 retry each): no answer was shared, none waited forever.
    expect(sent(fx.openai) - before).toBe(6);
  });
});

describe('stores', () => {
  it('a Redis that cannot be reached is a miss, never an error', async () => {
    const config = cached({ store: 'redis' });
    const gw = await startAi(config, { rateLimitRedis: { url: 'redis://127.0.0.1:1', prefix: 'gantry-test-down' } });
    open.push(gw);
    const q = question('redis-down');
    const before = sent(fx.openai);
    for (let i = 0; i < 2; i++) {
      const r = await openaiClient(gw).chat.completions.create(ask(q)).withResponse();
      expect(r.response.headers.get('x-gantry-cache')).toBe('MISS');
      expect(r.data.choices[0].message.content).toContain(q);
    }
    expect(sent(fx.openai) - before).toBe(2);
  });

  it('store redis needs a node with a Redis URL', async () => {
    await expect(startAi(cached({ store: 'redis' }))).rejects.toThrow(/GANTRY_REDIS_URL/);
  });
});
