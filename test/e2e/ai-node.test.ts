/**
 * A whole node serving AI traffic, configured only through the admin API, called with the official
 * SDKs: the wiring of provider keys, usage recording, key-status persistence and per-app limits.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicFixture } from '../fixtures/providers/anthropic.js';
import { startOpenaiFixture, type ProviderFixture } from '../fixtures/providers/openai.js';
import { startTestGantry, type TestGantry } from '../helpers/gantry.js';

async function until<T>(fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a node serving AI traffic', () => {
  let g: TestGantry;
  let openaiFx: ProviderFixture;
  let anthropicFx: ProviderFixture;
  let apiKey: string;
  let appId: string;
  let badKeyId: string;

  beforeAll(async () => {
    g = await startTestGantry();
    openaiFx = await startOpenaiFixture();
    anthropicFx = await startAnthropicFixture();
    const oa = await g.api('POST', '/ai/providers', { name: 'oa', kind: 'openai-compatible', base_url: `${openaiFx.url}/v1` });
    expect(oa.status).toBe(201);
    // A wrong key with the better priority: the first call meets a 401 and moves on to the good one.
    const bad = await g.api('POST', `/ai/providers/${oa.body.id}/keys`, { name: 'bad', secret: 'sk-wrong', priority: 0 });
    expect(bad.status).toBe(201);
    badKeyId = bad.body.id;
    expect((await g.api('POST', `/ai/providers/${oa.body.id}/keys`, { name: 'good', secret: 'sk-fixture', priority: 1 })).status).toBe(201);
    const an = await g.api('POST', '/ai/providers', { name: 'an', kind: 'anthropic', base_url: anthropicFx.url });
    expect((await g.api('POST', `/ai/providers/${an.body.id}/keys`, { secret: 'sk-ant-fixture' })).status).toBe(201);
    const svc = await g.api('POST', '/services', { name: 'llm', kind: 'ai' });
    expect(svc.status).toBe(201);
    expect((await g.api('POST', '/routes', { name: 'llm', service_id: svc.body.id, paths: ['/v1/*'] })).status).toBe(201);
    expect((await g.api('POST', '/policies', { type: 'key-auth', scope: 'service', target_id: svc.body.id })).status).toBe(201);
    const app = await g.api('POST', '/apps', { name: 'chatbot' });
    appId = app.body.id;
    apiKey = (await g.api('POST', `/apps/${appId}/keys`, { name: 'prod' })).body.key;
  });
  afterAll(async () => {
    await g.stop();
    await openaiFx.close();
    await anthropicFx.close();
  });

  it('serves the OpenAI SDK, flags the key that got a 401, and records usage per app', async () => {
    const openai = new OpenAI({ baseURL: `${g.dataUrl}/v1`, apiKey, maxRetries: 0 });
    const r = await openai.chat.completions.create({ model: 'oa/gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    expect(r.choices[0]!.message.role).toBe('assistant');
    expect(r.usage!.prompt_tokens).toBeGreaterThan(0);
    // The provider never saw Gantry's key.
    expect(JSON.stringify(openaiFx.requests.map((q) => q.headers))).not.toContain(apiKey);

    // The 401 was persisted: the admin API shows the key as auth_failed.
    const flagged = await until(async () => {
      const k = await g.api('GET', `/ai/keys/${badKeyId}`);
      return k.body.status === 'auth_failed' ? k.body : undefined;
    }, 5000);
    expect(flagged.status_reason).toBeTruthy();

    // Usage is flushed off the hot path and shows up in the usage API.
    const row = await until(async () => {
      const u = await g.api('GET', `/ai/usage?group_by=app,model&app_id=${appId}`);
      return u.body.data.find((x: { requests: number }) => x.requests >= 1);
    }, 5000);
    expect(row).toMatchObject({ app_id: appId, prompt_tokens: r.usage!.prompt_tokens, completion_tokens: r.usage!.completion_tokens });
  });

  it('serves the Anthropic SDK (x-api-key) through an OpenAI-format provider, streamed', async () => {
    const anthropic = new Anthropic({ baseURL: g.dataUrl, apiKey, maxRetries: 0 });
    const stream = anthropic.messages.stream({ model: 'oa/gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }] });
    const final = await stream.finalMessage();
    expect(final.role).toBe('assistant');
    expect(final.content[0]).toMatchObject({ type: 'text' });
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });

  it('refuses a call over the app budget with 429 in the OpenAI error shape', async () => {
    const app = await g.api('POST', '/apps', { name: 'broke', ai_limits: { spend_per_day_usd: 0 } });
    const key = (await g.api('POST', `/apps/${app.body.id}/keys`, {})).body.key;
    const openai = new OpenAI({ baseURL: `${g.dataUrl}/v1`, apiKey: key, maxRetries: 0 });
    const err = await openai.chat.completions
      .create({ model: 'an/claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('GANTRY_ERR_AI_BUDGET_EXCEEDED');
    expect(anthropicFx.requests).toHaveLength(0); // refused before anything was sent
  });
});
