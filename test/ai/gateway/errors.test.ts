/**
 * Errors on AI endpoints: provider errors reach the SDKs as their typed errors, and every Gantry
 * error keeps the inbound protocol's shape with the GANTRY_ERR code.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { send, type Gateway } from '../../gateway/helpers.js';
import { anthropicClient, API_KEY, MODELS, openaiClient, standardConfig, startAi, startFixtures, type AiConfig, type Fixtures } from './helpers.js';

let fx: Fixtures;
let gw: Gateway;
let config: AiConfig;

beforeAll(async () => {
  fx = await startFixtures();
  config = standardConfig(fx);
  gw = await startAi(config);
});
afterAll(async () => {
  await gw?.close();
  await fx?.close();
});
beforeEach(() => {
  gw.plane.applyConfig(config.build());
});

async function thrown(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

const ask = (model: string, text = 'hi') => ({ model, messages: [{ role: 'user' as const, content: text }] });

describe('provider errors', () => {
  it('a provider 400 is a BadRequestError for the OpenAI SDK, answered at once without retry', async () => {
    const before = fx.openai.requests.length;
    fx.openai.failNext(1, 400);
    const err = await thrown(openaiClient(gw).chat.completions.create(ask(MODELS.openai)));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.status).toBe(400);
    expect(err.code).toBe('GANTRY_ERR_AI_PROVIDER_ERROR');
    expect(err.error.message).toBe('Invalid request.');
    expect(err.error.type).toBe('invalid_request_error');
    expect(fx.openai.requests.length - before).toBe(1);
  });

  it('a provider 500 is retried, then an InternalServerError', async () => {
    const before = fx.openai.requests.length;
    const err = await thrown(openaiClient(gw).chat.completions.create(ask(MODELS.openai, '[scenario:error] x')));
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(500);
    expect(err.code).toBe('GANTRY_ERR_AI_PROVIDER_ERROR');
    expect(fx.openai.requests.length - before).toBe(2); // ai.retries = 1
  });

  it('an Anthropic 529 reaches an OpenAI client as a 503', async () => {
    const err = await thrown(openaiClient(gw).chat.completions.create(ask(MODELS.anthropic, '[scenario:error] x')));
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(503);
    expect(err.error.provider_code).toBe('overloaded_error');
  });

  it('an Anthropic 529 reaches an Anthropic client as its own overloaded error', async () => {
    const err = await thrown(anthropicClient(gw).messages.create({ ...ask(MODELS.anthropic, '[scenario:error] x'), max_tokens: 10 }));
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.status).toBe(529);
    expect(err.error.type).toBe('error');
    expect(err.error.error.type).toBe('overloaded_error');
    expect(err.error.error.code).toBe('GANTRY_ERR_AI_PROVIDER_ERROR');
  });

  it('a Gemini 503 reaches an Anthropic client as an Anthropic-shaped error', async () => {
    const err = await thrown(anthropicClient(gw).messages.create({ ...ask(MODELS.gemini, '[scenario:error] x'), max_tokens: 10 }));
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(err.status).toBe(503);
    expect(err.error.error.type).toBe('overloaded_error');
  });

  it('a Bedrock throttling answer after the retries is a RateLimitError with Retry-After', async () => {
    fx.bedrock.failNext(2, 429, { retryAfterS: 1 });
    const err = await thrown(openaiClient(gw).chat.completions.create(ask(MODELS.bedrock)));
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.error.provider_code).toBe('ThrottlingException');
    expect(err.headers.get('retry-after')).toBe('1');
  });
});

describe('Gantry errors in the inbound shape', () => {
  it('an unknown model is a NotFoundError pointing at GET /v1/models', async () => {
    const err = await thrown(openaiClient(gw).chat.completions.create(ask('no-such-model')));
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.code).toBe('GANTRY_ERR_AI_MODEL_NOT_FOUND');
    expect(err.message).toContain('GET /v1/models');
    const a = await thrown(anthropicClient(gw).messages.create({ ...ask('no-such-model'), max_tokens: 10 }));
    expect(a).toBeInstanceOf(Anthropic.NotFoundError);
    expect(a.error.error).toMatchObject({ type: 'not_found_error', code: 'GANTRY_ERR_AI_MODEL_NOT_FOUND' });
  });

  it('a service listing models refuses the others', async () => {
    gw.plane.applyConfig(config.ai({ models: [MODELS.openai, 'gemini/gemini-2.5-flash'] }).build());
    try {
      await openaiClient(gw).chat.completions.create(ask(MODELS.openai));
      const ok = await openaiClient(gw).chat.completions.create(ask('gemini-2.5-flash')).withResponse();
      expect(ok.response.headers.get('x-gantry-provider')).toBe('gm');
      const err = await thrown(openaiClient(gw).chat.completions.create(ask(MODELS.anthropic)));
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      expect(err.message).toContain('not offered by this service');
    } finally {
      config.ai({ retries: 1 });
    }
  });

  it("another team's provider and alias are not reachable; organisation-wide ones are", async () => {
    const data = config.build();
    const oa = data.aiProviders.find((p) => p.id === 'prov_oa')!;
    data.aiProviders.push({ ...oa, id: 'prov_other', name: 'theirs', team_id: 'team_other' }, { ...oa, id: 'prov_org', name: 'shared', team_id: null });
    data.aiProviderKeys.push({ ...data.aiProviderKeys.find((k) => k.id === 'pk_oa')!, id: 'pk_org', provider_id: 'prov_org', sealed_secret: config.box.seal('sk-fixture', 'pk_org') });
    data.aiAliases.push({ id: 'al_other', team_id: 'team_other', name: 'their-alias', description: '', strategy: 'fallback', targets: [{ provider_id: 'prov_org', model: 'gpt-4o-mini', weight: 1 }], created_at: data.aiProviders[0].created_at, updated_at: data.aiProviders[0].created_at });
    gw.plane.applyConfig(data);
    for (const model of ['theirs/gpt-4o-mini', 'their-alias']) {
      const err = await thrown(openaiClient(gw).chat.completions.create(ask(model)));
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    }
    const ok = await openaiClient(gw).chat.completions.create(ask('shared/gpt-4o-mini')).withResponse();
    expect(ok.response.headers.get('x-gantry-provider')).toBe('shared');
  });

  it('a body without messages is a 400 in each shape', async () => {
    const o = await send(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: '{"model":"x"}' });
    expect(o.status).toBe(400);
    expect(o.json().error).toMatchObject({ type: 'invalid_request_error', code: 'GANTRY_ERR_AI_INVALID_REQUEST', param: '/messages' });
    const a = await send(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' }, body: 'not json' });
    expect(a.status).toBe(400);
    expect(a.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', code: 'GANTRY_ERR_AI_INVALID_REQUEST' } });
  });

  it('an unknown AI path is a 404 with a code saying which endpoints exist', async () => {
    const r = await send(`${gw.url}/v1/completions/legacy`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` }, body: '{}' });
    expect(r.status).toBe(404);
    expect(r.json().error.code).toBe('GANTRY_ERR_AI_ENDPOINT_NOT_FOUND');
    expect(r.json().error.type).toBe('not_found_error');
  });

  it('a missing or wrong API key is 401 in the inbound shape; x-api-key is accepted', async () => {
    const o = await thrown(openaiClient(gw, 'gk_wrong').models.list());
    expect(o).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(o.code).toBe('GANTRY_ERR_UNAUTHORIZED');
    const a = await thrown(anthropicClient(gw, 'gk_wrong').messages.create({ ...ask(MODELS.anthropic), max_tokens: 10 }));
    expect(a).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(a.error).toMatchObject({ type: 'error', error: { type: 'authentication_error', code: 'GANTRY_ERR_UNAUTHORIZED' } });
    const none = await send(`${gw.url}/v1/models`);
    expect(none.status).toBe(401);
    expect(none.json().error.message).toContain('x-api-key');
    const viaHeader = await send(`${gw.url}/v1/models`, { headers: { 'x-api-key': API_KEY } });
    expect(viaHeader.status).toBe(200);
  });

  it('a body over the route limit is 413 in the inbound shape', async () => {
    const data = config.build();
    data.policies.push({ ...data.policies[0], id: 'pol_size', name: 'size', type: 'request-size-limit', config: { max_bytes: 200 } });
    gw.plane.applyConfig(data);
    const big = JSON.stringify({ model: MODELS.anthropic, max_tokens: 5, messages: [{ role: 'user', content: 'x'.repeat(500) }] });
    const a = await send(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' }, body: big });
    expect(a.status).toBe(413);
    expect(a.json()).toMatchObject({ type: 'error', error: { type: 'request_too_large', code: 'GANTRY_ERR_BODY_TOO_LARGE' } });
    const chunked = async function* () {
      yield Buffer.from(big);
    };
    const o = await send(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` }, body: chunked() });
    expect(o.status).toBe(413);
    expect(o.json().error.code).toBe('GANTRY_ERR_BODY_TOO_LARGE');
  });

  it('embeddings on a provider without them is a 400 that says so', async () => {
    const err = await thrown(openaiClient(gw).embeddings.create({ model: MODELS.anthropic, input: 'x' }));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toContain('does not offer embeddings');
  });
});
