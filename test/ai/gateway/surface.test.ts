/**
 * The rest of the AI surface: GET /v1/models, embeddings, provider URL and auth shapes (Azure,
 * Gemini, Bedrock SigV4), what never crosses Gantry (client keys to providers, provider keys to
 * clients), the gantry:ai-call event, and key-auth's x-api-key on AI services only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEDROCK_FIXTURE_CREDENTIALS } from '../../fixtures/providers/bedrock.js';
import { sendJson, serveProvider, type ProviderFixture } from '../../fixtures/providers/common.js';
import { GEMINI_FIXTURE_KEY } from '../../fixtures/providers/gemini.js';
import { startUpstream, type UpstreamFixture } from '../../fixtures/upstream.js';
import { send, type Gateway } from '../../gateway/helpers.js';
import { anthropicClient, API_KEY, callEvent, captureCalls, collectOpenai, MODELS, openaiClient, standardConfig, startAi, startFixtures, type AiConfig, type Fixtures } from './helpers.js';

let fx: Fixtures;
let azure: ProviderFixture;
const azureUrls: string[] = [];
let upstream: UpstreamFixture;
let gw: Gateway;
let config: AiConfig;
const calls = captureCalls();
const T = '2024-01-01T00:00:00.000Z';

beforeAll(async () => {
  fx = await startFixtures();
  upstream = await startUpstream('plain');
  // An Azure OpenAI stand-in: answers chat completions on the deployment path, without usage.
  azure = await serveProvider((ctx) => {
    azureUrls.push(ctx.req.url ?? '');
    sendJson(ctx.res, 200, { id: 'chatcmpl-az', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from Azure.' }, finish_reason: 'stop' }] });
  }, () => ({ error: { message: 'azure stub' } }));
  config = standardConfig(fx)
    .provider('prov_az', 'az', 'azure-openai', azure.url, { api_version: '2024-10-21', deployments: { 'gpt-4o-mini': 'my-deploy' } })
    .key('pk_az', 'prov_az', 'az-secret-key')
    .alias('smart', [{ provider_id: 'prov_an', model: 'claude-haiku-4-5-20251001' }]);
  const data = config.data;
  data.upstreams.push({ id: 'ups_plain', team_id: 'team_ai', name: 'plain', description: '', algorithm: 'round-robin', targets: [{ url: upstream.url, weight: 1 }], health_checks: {}, created_at: T, updated_at: T });
  data.services.push({ ...data.services[0], id: 'svc_plain', name: 'plain', kind: 'http', upstream_id: 'ups_plain', ai: {} });
  data.routes.push({ ...data.routes[0], id: 'rt_plain', name: 'plain', service_id: 'svc_plain', paths: ['/plain/*'] });
  data.policies.push({ ...data.policies[0], id: 'pol_plain', target_id: 'svc_plain' });
  gw = await startAi(config);
});
afterAll(async () => {
  calls.stop();
  await gw?.close();
  await azure?.close();
  await upstream?.close();
  await fx?.close();
});

describe('GET /v1/models', () => {
  it('lists aliases and the catalog models of the providers the team can reach', async () => {
    const ids: string[] = [];
    for await (const m of openaiClient(gw).models.list()) ids.push(m.id);
    expect(ids).toContain('smart');
    for (const id of ['openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5-20251001', 'gemini/gemini-2.5-flash', 'bedrock/amazon.nova-lite-v1:0', 'azure-openai/gpt-4o-mini']) expect(ids).toContain(id);
    expect(ids.some((id) => id.startsWith('mistral/'))).toBe(false);
  });

  it('lists only what the service offers when it names models', async () => {
    const data = config.build();
    data.services[0].ai = { models: ['smart', 'openai/gpt-4o-mini', 'mistral/mistral-large-latest'] };
    gw.plane.applyConfig(data);
    try {
      const page = await openaiClient(gw).models.list();
      expect(page.data.map((m) => m.id).sort()).toEqual(['openai/gpt-4o-mini', 'smart']);
    } finally {
      gw.plane.applyConfig(config.build());
    }
  });
});

describe('embeddings', () => {
  it('pass through to an OpenAI-format provider', async () => {
    const res = await openaiClient(gw).embeddings.create({ model: 'oa/text-embedding-3-small', input: ['a', 'b'] });
    expect(res.data).toHaveLength(2);
    expect(res.data[0].embedding).toHaveLength(8);
    expect(res.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('are translated for Gemini, with header auth and an estimated usage', async () => {
    const before = fx.gemini.requests.length;
    const { data, response } = await openaiClient(gw).embeddings.create({ model: 'gm/gemini-embedding-001', input: 'hello world' }).withResponse();
    expect(data.data[0].embedding).toHaveLength(8);
    const req = fx.gemini.requests[before];
    expect(req.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(req.headers['x-goog-api-key']).toBe(GEMINI_FIXTURE_KEY);
    const ev = await callEvent(calls.events, response.headers.get('x-request-id'));
    expect(ev.endpoint).toBe('embeddings');
    expect(ev.usage).toMatchObject({ completion_tokens: 0, estimated: true });
    expect(ev.usage!.prompt_tokens).toBeGreaterThan(0);
  });
});

describe('provider request shapes', () => {
  it('Azure: deployment path, api-version query, api-key header, no Authorization', async () => {
    const { data, response } = await openaiClient(gw).chat.completions.create({ model: 'az/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.choices[0].message.content).toBe('Hello from Azure.');
    expect(azureUrls.at(-1)).toBe('/openai/deployments/my-deploy/chat/completions?api-version=2024-10-21');
    const req = azure.requests.at(-1)!;
    expect(req.headers['api-key']).toBe('az-secret-key');
    expect(req.headers.authorization).toBeUndefined();
    // Azure reported no usage: the event carries Gantry's estimate.
    const ev = await callEvent(calls.events, response.headers.get('x-request-id'));
    expect(ev.usage).toMatchObject({ estimated: true });
    expect(ev.usage!.prompt_tokens).toBeGreaterThan(0);
  });

  it('Bedrock: SigV4 over the escaped model path (the fixture verifies the signature)', async () => {
    const before = fx.bedrock.requests.length;
    await openaiClient(gw).chat.completions.create({ model: MODELS.bedrock, messages: [{ role: 'user', content: 'hi' }] });
    const req = fx.bedrock.requests[before];
    expect(req.path).toBe('/model/amazon.nova-lite-v1%3A0/converse');
    expect(String(req.headers.authorization)).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${BEDROCK_FIXTURE_CREDENTIALS.accessKeyId}/\\d{8}/us-east-1/bedrock/aws4_request`));
  });
});

describe('what never crosses Gantry', () => {
  it('no client credential reaches a provider, no provider key reaches a client', async () => {
    const o = openaiClient(gw);
    const a = anthropicClient(gw);
    const replies: string[] = [];
    for (const model of Object.values(MODELS)) {
      const r = await o.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      replies.push(JSON.stringify(r.data), JSON.stringify([...r.response.headers]));
      const s = await o.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], stream: true });
      replies.push(JSON.stringify((await collectOpenai(s)).chunks));
      const m = await a.messages.create({ model, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
      replies.push(JSON.stringify(m));
    }
    for (const model of Object.values(MODELS)) {
      const err = await send(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, cookie: 'session=abc' }, body: JSON.stringify({ model, messages: [{ role: 'user', content: '[scenario:error] x' }] }) });
      replies.push(err.text, JSON.stringify(err.headers));
    }
    const secrets = ['sk-fixture', 'sk-ant-fixture', GEMINI_FIXTURE_KEY, BEDROCK_FIXTURE_CREDENTIALS.secretAccessKey, BEDROCK_FIXTURE_CREDENTIALS.accessKeyId, 'az-secret-key'];
    for (const text of replies) for (const s of secrets) expect(text).not.toContain(s);
    for (const f of [fx.openai, fx.anthropic, fx.gemini, fx.bedrock]) {
      for (const r of f.requests) {
        const headers = JSON.stringify(r.headers);
        expect(headers).not.toContain(API_KEY);
        expect(headers).not.toContain('session=abc');
        expect(r.path).not.toMatch(/[?&]key=/);
      }
    }
    for (const r of fx.openai.requests) expect(r.headers.authorization).toBe('Bearer sk-fixture');
    for (const r of fx.anthropic.requests) expect(r.headers['x-api-key']).toBe('sk-ant-fixture');
  });
});

describe('the gantry:ai-call event', () => {
  it('carries usage with cache tokens, the cost and the attempts', async () => {
    const { response } = await anthropicClient(gw).messages.create({ model: MODELS.anthropic, max_tokens: 50, messages: [{ role: 'user', content: '[scenario:cache] hi' }] }).withResponse();
    const ev = await callEvent(calls.events, response.headers.get('x-request-id'));
    expect(ev).toMatchObject({ endpoint: 'messages', inbound: 'anthropic', teamId: 'team_ai', appId: 'app_ai', keyId: 'key_ai', serviceId: 'svc_ai', routeId: 'rt_ai', providerId: 'prov_an', providerKind: 'anthropic', modelServed: 'anthropic/claude-haiku-4-5-20251001', streamed: false, status: 200, errorCode: null, providerKeyId: 'pk_an', cacheHit: false });
    expect(ev.usage).toMatchObject({ cached_read_tokens: 1536, cache_write_tokens: 512, estimated: false });
    expect(ev.usage!.prompt_tokens).toBeGreaterThan(2048);
    expect(ev.cost!.cache_read).toBeCloseTo((1536 * 0.1) / 1e6, 10);
    expect(ev.cost!.cache_write).toBeCloseTo((512 * 1.25) / 1e6, 10);
    expect(ev.cost!.total).toBeCloseTo(ev.cost!.input + ev.cost!.output + ev.cost!.cache_read + ev.cost!.cache_write, 9);
    expect(ev.attempts).toHaveLength(1);
    expect(ev.overheadMs).toBeGreaterThanOrEqual(0);
    expect(ev.latencyMs).toBeGreaterThan(0);
  });

  it('carries stream usage from an OpenAI stream, with TTFT', async () => {
    const { data: stream, response } = await openaiClient(gw).chat.completions.create({ model: MODELS.openai, messages: [{ role: 'user', content: '[scenario:cache] hi' }], stream: true }).withResponse();
    await collectOpenai(stream);
    const ev = await callEvent(calls.events, response.headers.get('x-request-id'));
    expect(ev.streamed).toBe(true);
    expect(ev.usage).toMatchObject({ cached_read_tokens: 1536, estimated: false });
    expect(ev.ttftMs).toBeGreaterThan(0);
    expect(ev.cost!.cache_read).toBeGreaterThan(0);
  });

  it('is published for a request refused before any provider is called', async () => {
    const r = await send(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` }, body: JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }) });
    expect(r.status).toBe(404);
    const ev = await callEvent(calls.events, r.headers['x-request-id'] as string);
    expect(ev).toMatchObject({ endpoint: 'chat', modelRequested: 'nope', status: 404, errorCode: 'GANTRY_ERR_AI_MODEL_NOT_FOUND', providerId: null, usage: null, attempts: [] });
  });
});

describe('key-auth', () => {
  it('accepts x-api-key on AI services only', async () => {
    expect((await send(`${gw.url}/v1/models`, { headers: { 'x-api-key': API_KEY } })).status).toBe(200);
    expect((await send(`${gw.url}/plain/x`, { headers: { 'x-api-key': API_KEY } })).status).toBe(401);
    expect((await send(`${gw.url}/plain/x`, { headers: { authorization: `Bearer ${API_KEY}` } })).status).toBe(200);
  });
});
