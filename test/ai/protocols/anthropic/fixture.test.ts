import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicFixture, TOOL_USES, type ProviderFixture } from '../../../fixtures/providers/anthropic.js';
import { fetchUntilCut, parseSse, type JsonResponse } from '../openai/helpers.js';

const HEADERS = { 'content-type': 'application/json', 'x-api-key': 'sk-ant-fixture', 'anthropic-version': '2023-06-01' };

describe('Anthropic fixture server', () => {
  let fx: ProviderFixture;
  const post = (body: object, headers: Record<string, string> = HEADERS): Promise<JsonResponse> =>
    fetch(`${fx.url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify(body) });
  const ask = (text: string, extra: object = {}) => post({ model: 'claude-x', max_tokens: 256, messages: [{ role: 'user', content: text }], ...extra });
  beforeAll(async () => {
    fx = await startAnthropicFixture();
  });
  afterAll(() => fx.close());

  it('requires x-api-key and anthropic-version, answering in the Anthropic error shape', async () => {
    const noKey = await post({}, { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' }, request_id: expect.any(String) });
    const noVersion = await post({}, { 'content-type': 'application/json', 'x-api-key': 'sk-ant-fixture' });
    expect(noVersion.status).toBe(400);
    expect((await noVersion.json()).error.type).toBe('invalid_request_error');
    const noMax = await post({ model: 'm', messages: [] });
    expect((await noMax.json()).error.message).toBe('max_tokens: Field required');
  });

  it('answers the text scenario with a message and usage, and records the request', async () => {
    const res = await ask('[scenario:text] ping');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn', content: [{ type: 'text', text: 'Hello from the fixture. You said: ping' }] });
    expect(body.usage.input_tokens).toBeGreaterThan(0);
    expect(fx.requests.at(-1)).toMatchObject({ method: 'POST', path: '/v1/messages', body: { model: 'claude-x' } });
    expect(fx.requests.at(-1)!.headers['x-api-key']).toBe('sk-ant-fixture');
  });

  it('streams with ping events and cumulative usage in message_delta', async () => {
    const res = await ask('[scenario:cache] hi', { stream: true });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const { events, incomplete } = parseSse([new Uint8Array(await res.arrayBuffer())]);
    expect(incomplete).toBe(false);
    const types = events.map((e) => e.event);
    expect(types[0]).toBe('message_start');
    expect(types).toContain('ping');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    const start = JSON.parse(events[0].data);
    expect(start.message.usage).toMatchObject({ cache_read_input_tokens: 1536, cache_creation_input_tokens: 512 });
    const delta = JSON.parse(events.at(-2)!.data);
    expect(delta.usage.output_tokens).toBeGreaterThan(1);
  });

  it('answers the tools scenario with two tool_use blocks', async () => {
    const body = await (await ask('[scenario:tools] x')).json();
    expect(body.stop_reason).toBe('tool_use');
    expect(body.content.slice(1)).toEqual(TOOL_USES.map((t) => ({ type: 'tool_use', id: t.id, name: t.name, input: t.input })));
  });

  it('answers the json scenario through a forced tool when the request forces one', async () => {
    const body = await (await ask('[scenario:json] x', { tools: [{ name: 'person', input_schema: { type: 'object' } }], tool_choice: { type: 'tool', name: 'person' } })).json();
    expect(body.content).toEqual([{ type: 'tool_use', id: 'toolu_fx_json', name: 'person', input: { name: 'Ada Lovelace', born: 1815 } }]);
  });

  it('answers the error scenario with 529 overloaded_error', async () => {
    const res = await ask('[scenario:error] x');
    expect(res.status).toBe(529);
    expect((await res.json()).error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
  });

  it('sends an error event after some content in the midstream-error scenario', async () => {
    const res = await ask('[scenario:midstream-error] a b c d e f', { stream: true });
    const { events } = parseSse([new Uint8Array(await res.arrayBuffer())]);
    expect(events.map((e) => e.event)).toContain('content_block_delta');
    expect(events.at(-1)).toEqual({ event: 'error', data: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' });
  });

  it('cuts the stream mid-way, and destroys the socket for a non-stream cut', async () => {
    const streamed = await fetchUntilCut(`${fx.url}/v1/messages`, {
      headers: HEADERS,
      body: { model: 'm', max_tokens: 5, stream: true, messages: [{ role: 'user', content: '[scenario:cut] a b c d e' }] },
    });
    expect(streamed.cut).toBe(true);
    expect(parseSse([streamed.bytes]).events.map((e) => e.event)).not.toContain('message_stop');
    await expect(ask('[scenario:cut] x')).rejects.toThrow();
  });

  it('fails the next requests on demand, with Retry-After', async () => {
    fx.failNext(2, 429, { retryAfterS: 7 });
    for (let i = 0; i < 2; i++) {
      const res = await ask('x');
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect((await res.json()).error.type).toBe('rate_limit_error');
    }
    expect((await ask('x')).status).toBe(200);
  });
});
