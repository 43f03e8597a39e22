import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenaiFixture, JSON_ANSWER, type ProviderFixture } from '../../../fixtures/providers/openai.js';
import { fetchUntilCut, parseSse, type JsonResponse } from './helpers.js';

const AUTH = { 'content-type': 'application/json', authorization: 'Bearer sk-fixture' };

describe('OpenAI fixture server', () => {
  let fx: ProviderFixture;
  const post = (path: string, body: object, headers: Record<string, string> = AUTH): Promise<JsonResponse> => fetch(`${fx.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const chat = (text: string, extra: object = {}) => post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }], ...extra });
  const streamData = async (res: JsonResponse) => parseSse([new Uint8Array(await res.arrayBuffer())]).events.map((e) => e.data);
  beforeAll(async () => {
    fx = await startOpenaiFixture();
  });
  afterAll(() => fx.close());

  it('checks the Bearer key and answers 401 in the OpenAI error shape', async () => {
    const missing = await post('/v1/chat/completions', {}, { 'content-type': 'application/json' });
    expect(missing.status).toBe(401);
    expect((await missing.json()).error.type).toBe('invalid_request_error');
    const res = await post('/v1/chat/completions', {}, { 'content-type': 'application/json', authorization: 'Bearer sk-wrong' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
  });

  it('answers a chat completion with usage, and records the request', async () => {
    const body = await (await chat('[scenario:text] hello')).json();
    expect(body).toMatchObject({ object: 'chat.completion', model: 'gpt-4o-mini', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hello from the fixture. You said: hello' } }] });
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
    expect(fx.requests.at(-1)).toMatchObject({ method: 'POST', path: '/v1/chat/completions', body: { model: 'gpt-4o-mini' } });
  });

  it('streams with "usage": null on every chunk and a final choices:[] usage chunk when include_usage is set', async () => {
    const data = await streamData(await chat('[scenario:cache] hi', { stream: true, stream_options: { include_usage: true } }));
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    for (const c of chunks.slice(0, -1)) expect(c.usage).toBeNull();
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage.prompt_tokens_details.cached_tokens).toBe(1536);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
  });

  it('streams without any usage member when include_usage is not set', async () => {
    const data = await streamData(await chat('hi', { stream: true }));
    for (const d of data.slice(0, -1)) expect('usage' in JSON.parse(d)).toBe(false);
    expect(JSON.parse(data.at(-2)!).choices[0].finish_reason).toBe('stop');
  });

  it('answers the tools scenario with two tool calls, streamed as interleaved deltas', async () => {
    const body = await (await chat('[scenario:tools] x')).json();
    expect(body.choices[0].finish_reason).toBe('tool_calls');
    expect(body.choices[0].message.tool_calls.map((t: { function: { arguments: string } }) => JSON.parse(t.function.arguments))).toEqual([
      { city: 'Paris', unit: 'celsius' },
      { timezone: 'Europe/Paris' },
    ]);
    const data = await streamData(await chat('[scenario:tools] x', { stream: true }));
    const indexes = data.slice(0, -1).flatMap((d) => JSON.parse(d).choices[0].delta.tool_calls?.map((t: { index: number }) => t.index) ?? []);
    expect(indexes).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('answers the long, json and error scenarios', async () => {
    expect((await streamData(await chat('[scenario:long] x', { stream: true }))).length).toBeGreaterThan(300);
    expect((await (await chat('[scenario:json] x')).json()).choices[0].message.content).toBe(JSON_ANSWER);
    const err = await chat('[scenario:error] x');
    expect(err.status).toBe(500);
    expect((await err.json()).error.type).toBe('server_error');
  });

  it('cuts a stream without [DONE], sends an error object mid-stream, and drops a non-stream cut', async () => {
    const cut = await fetchUntilCut(`${fx.url}/v1/chat/completions`, { headers: AUTH, body: { model: 'm', stream: true, messages: [{ role: 'user', content: '[scenario:cut] a b c d e' }] } });
    expect(cut.cut).toBe(true);
    expect(parseSse([cut.bytes]).events.map((e) => e.data)).not.toContain('[DONE]');
    const mid = await streamData(await chat('[scenario:midstream-error] a b c d e', { stream: true }));
    expect(JSON.parse(mid.at(-1)!).error.type).toBe('server_error');
    await expect(chat('[scenario:cut] x')).rejects.toThrow();
  });

  it('serves embeddings (float and base64) and the model list', async () => {
    const floats = await (await post('/v1/embeddings', { model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 4 })).json();
    expect(floats.data.map((d: { index: number; embedding: number[] }) => [d.index, d.embedding.length])).toEqual([[0, 4], [1, 4]]);
    const b64 = await (await post('/v1/embeddings', { model: 'text-embedding-3-small', input: 'a', dimensions: 4, encoding_format: 'base64' })).json();
    const decoded = new Float32Array(Uint8Array.from(Buffer.from(b64.data[0].embedding, 'base64')).buffer);
    expect(Array.from(decoded)).toEqual(floats.data[0].embedding);
    const models = await ((await fetch(`${fx.url}/v1/models`, { headers: AUTH })) as JsonResponse).json();
    expect(models.object).toBe('list');
    expect(models.data[0]).toMatchObject({ object: 'model', owned_by: 'system' });
  });

  it('fails the next requests on demand, with Retry-After and the OpenAI error shape', async () => {
    fx.failNext(1, 429, { retryAfterS: 3 });
    const res = await chat('x');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect((await res.json()).error.code).toBe('rate_limit_exceeded');
    fx.failNext(1, 503, { body: { error: { message: 'custom', type: 'server_error', param: null, code: null } } });
    expect((await (await chat('x')).json()).error.message).toBe('custom');
    expect((await chat('x')).status).toBe(200);
  });
});
