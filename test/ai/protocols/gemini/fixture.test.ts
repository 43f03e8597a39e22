import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { geminiHeaders } from '../../../../src/ai/protocols/gemini/index.js';
import { openaiToGeminiEmbeddings, geminiToOpenaiEmbeddings } from '../../../../src/ai/protocols/gemini/embeddings.js';
import { geminiErrorToOpenai } from '../../../../src/ai/protocols/gemini/errors.js';
import { openaiToGeminiRequest } from '../../../../src/ai/protocols/gemini/request.js';
import { geminiToOpenaiResponse } from '../../../../src/ai/protocols/gemini/response.js';
import type { GeminiBatchEmbedResponse, GeminiResponse, GoogleErrorBody } from '../../../../src/ai/protocols/gemini/types.js';
import type { ChatRequest } from '../../../../src/ai/protocols/openai-types.js';
import { GEMINI_FIXTURE_KEY, startGeminiFixture, type ProviderFixture } from '../../../fixtures/providers/gemini.js';
import { geminiPost, STREAM_OPTS } from './helpers.js';

let fixture: ProviderFixture;
beforeAll(async () => {
  fixture = await startGeminiFixture();
});
afterAll(() => fixture.close());

function chat(scenario: string, extra: Partial<ChatRequest> = {}): { path: string; body: unknown } {
  return openaiToGeminiRequest({ model: 'g', messages: [{ role: 'user', content: `[scenario:${scenario}] hi` }], ...extra }, { model: 'gemini-2.5-flash' });
}

async function call(scenario: string, extra: Partial<ChatRequest> = {}) {
  const { path, body } = chat(scenario, extra);
  const res = await fetch(`${fixture.url}${path}`, { method: 'POST', headers: geminiHeaders(GEMINI_FIXTURE_KEY), body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, json: (await res.json()) as GeminiResponse & GoogleErrorBody };
}

describe('Gemini fixture server', () => {
  it('answers the text scenario and records the request with its header key', async () => {
    const before = fixture.requests.length;
    const { status, json } = await call('text');
    expect(status).toBe(200);
    const out = geminiToOpenaiResponse(json, STREAM_OPTS);
    expect(out.choices[0].message.content).toBe('Hello from the Gemini fixture.');
    expect(out.usage?.total_tokens).toBe(19);
    const seen = fixture.requests[before];
    expect(seen.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(seen.headers['x-goog-api-key']).toBe(GEMINI_FIXTURE_KEY);
    expect(seen.body.contents[0].parts[0].text).toBe('[scenario:text] hi');
  });

  it('answers tools, cache and json scenarios in the documented shape', async () => {
    const tools = geminiToOpenaiResponse((await call('tools')).json, STREAM_OPTS).choices[0];
    expect(tools.finish_reason).toBe('tool_calls');
    expect(tools.message.tool_calls?.map((c) => c.function.name)).toEqual(['get_weather', 'get_time']);
    const cache = geminiToOpenaiResponse((await call('cache')).json, STREAM_OPTS).usage;
    expect(cache?.prompt_tokens_details?.cached_tokens).toBe(2048);
    const json = geminiToOpenaiResponse((await call('json', { response_format: { type: 'json_object' } })).json, STREAM_OPTS);
    expect(JSON.parse(json.choices[0].message.content as string)).toEqual({ answer: 42 });
  });

  it('refuses a ?key= query parameter with 400 even when the header is right', async () => {
    const { path, body } = chat('text');
    const res = await geminiPost(fixture.url, `${path}?key=${GEMINI_FIXTURE_KEY}`, body);
    expect(res.status).toBe(400);
    expect(geminiErrorToOpenai(res.status, await res.text()).body.error.message).toMatch(/x-goog-api-key/);
  });

  it('rejects a missing key with 403 and a wrong key with API_KEY_INVALID', async () => {
    const { path, body } = chat('text');
    const missing = await geminiPost(fixture.url, path, body, {});
    expect(geminiErrorToOpenai(missing.status, await missing.json())).toMatchObject({ status: 403, body: { error: { code: 'PERMISSION_DENIED' } } });
    const wrong = await geminiPost(fixture.url, path, body, { 'x-goog-api-key': 'nope' });
    expect(wrong.status).toBe(400);
    expect(geminiErrorToOpenai(wrong.status, await wrong.json())).toMatchObject({ status: 401, body: { error: { type: 'authentication_error' } } });
  });

  it('fails the next n requests with the given status and Retry-After, then recovers', async () => {
    fixture.failNext(2, 429, { retryAfterS: 3 });
    for (let i = 0; i < 2; i++) {
      const { status, headers, json } = await call('text');
      expect(status).toBe(429);
      expect(headers.get('retry-after')).toBe('3');
      expect(geminiErrorToOpenai(status, json)).toMatchObject({ status: 429, body: { error: { type: 'rate_limit_error', code: 'RESOURCE_EXHAUSTED' } } });
    }
    expect((await call('text')).status).toBe(200);
    fixture.failNext(1, 500, { body: { error: { code: 500, message: 'custom', status: 'INTERNAL' } } });
    expect((await call('text')).json.error?.message).toBe('custom');
  });

  it('answers the error scenario with 503 UNAVAILABLE and drops the connection for cut', async () => {
    const { status, json } = await call('error');
    expect(geminiErrorToOpenai(status, json)).toMatchObject({ status: 503, body: { error: { code: 'UNAVAILABLE' } } });
    const { path, body } = chat('cut');
    await expect(geminiPost(fixture.url, path, body)).rejects.toThrow();
  });

  it('embeds a batch of texts with the requested dimensions', async () => {
    const { path, body } = openaiToGeminiEmbeddings({ model: 'e', input: ['alpha', 'beta'], dimensions: 4 }, { model: 'gemini-embedding-001' });
    const res = await geminiPost(fixture.url, path, body);
    expect(res.status).toBe(200);
    const out = geminiToOpenaiEmbeddings((await res.json()) as GeminiBatchEmbedResponse, { model: 'gemini-embedding-001', promptTokens: 2 });
    expect(out.data.map((d) => (d.embedding as number[]).length)).toEqual([4, 4]);
    expect(out.data[0].embedding).not.toEqual(out.data[1].embedding);
  });
});
