import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openaiToConverseRequest } from '../../../../src/ai/protocols/bedrock/request.js';
import { ConverseToOpenaiStream } from '../../../../src/ai/protocols/bedrock/stream.js';
import type { ChatRequest } from '../../../../src/ai/protocols/openai-types.js';
import { encodeEventStreamMessage, EventStreamDecoder } from '../../../../src/ai/transport/event-stream.js';
import { startBedrockFixture, type ProviderFixture } from '../../../fixtures/providers/bedrock.js';
import { concat, event, events, readBody, signedPost, STREAM_OPTS, translateEventStream } from './helpers.js';

let fixture: ProviderFixture;
beforeAll(async () => {
  fixture = await startBedrockFixture();
});
afterAll(() => fixture.close());

async function fixtureStream(scenario: string, extra: Partial<ChatRequest> = {}): Promise<{ bytes: Uint8Array; failed: boolean; jsonTool?: string }> {
  const req: ChatRequest = { model: 'x', stream: true, messages: [{ role: 'user', content: `[scenario:${scenario}] go` }], ...extra };
  const { path, body, jsonTool } = openaiToConverseRequest(req, { model: STREAM_OPTS.model });
  const res = await signedPost(fixture.url, path, body);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
  return { ...(await readBody(res)), ...(jsonTool ? { jsonTool } : {}) };
}

const TEXT_STREAM = concat([
  event('messageStart', { role: 'assistant' }),
  event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi' } }),
  event('contentBlockStop', { contentBlockIndex: 0 }),
  event('messageStop', { stopReason: 'end_turn' }),
  event('metadata', { usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4 }, metrics: { latencyMs: 5 } }),
]);

describe('ConverseToOpenaiStream', () => {
  it('gives identical output for the fixture bytes split at every byte boundary', async () => {
    for (const scenario of ['text', 'tools', 'cache']) {
      const { bytes } = await fixtureStream(scenario);
      const whole = translateEventStream([bytes], true);
      expect(translateEventStream(Array.from(bytes, (b) => Uint8Array.of(b)), true)).toEqual(whole);
      for (let k = 1; k < bytes.length; k++) expect(translateEventStream([bytes.subarray(0, k), bytes.subarray(k)], true)).toEqual(whole);
    }
  });

  it('streams text with role on the first chunk only and finishes with stop', async () => {
    const chunks = events(translateEventStream([(await fixtureStream('text')).bytes]));
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.slice(1).some((c) => c.choices[0].delta.role !== undefined)).toBe(false);
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('Hello from the Bedrock fixture.');
    expect(chunks.at(-1)!.choices[0]).toEqual({ index: 0, delta: {}, finish_reason: 'stop' });
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
  });

  it('with include_usage puts usage: null on every chunk and ends with a choices: [] usage chunk', () => {
    const chunks = events(translateEventStream([TEXT_STREAM], true));
    expect(chunks.slice(0, -1).every((c) => c.usage === null && c.choices.length === 1)).toBe(true);
    expect(chunks.at(-1)).toEqual({
      id: STREAM_OPTS.id,
      object: 'chat.completion.chunk',
      created: STREAM_OPTS.created,
      model: STREAM_OPTS.model,
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 } },
    });
  });

  it('keeps two tool uses at distinct indices with complete arguments', async () => {
    const chunks = events(translateEventStream([(await fixtureStream('tools')).bytes]));
    const deltas = chunks.flatMap((c) => c.choices[0].delta.tool_calls ?? []);
    const byIndex = new Map<number, { id?: string; name?: string; args: string }>();
    for (const d of deltas) {
      const entry = byIndex.get(d.index) ?? { args: '' };
      if (d.id) entry.id = d.id;
      if (d.function?.name) entry.name = d.function.name;
      entry.args += d.function?.arguments ?? '';
      byIndex.set(d.index, entry);
    }
    expect([...byIndex.entries()]).toEqual([
      [0, { id: 'tooluse_weather_01', name: 'get_weather', args: '{"city": "Paris"}' }],
      [1, { id: 'tooluse_time_02', name: 'get_time', args: '{"timezone": "Europe/Paris"}' }],
    ]);
    const firstDeltaOfEach = deltas.filter((d) => d.id !== undefined);
    expect(firstDeltaOfEach.map((d) => [d.type, d.function?.arguments])).toEqual([
      ['function', ''],
      ['function', ''],
    ]);
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('Let me check both.');
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('tool_calls');
  });

  it('counts cache reads and writes into prompt_tokens', async () => {
    const decoder = new EventStreamDecoder();
    const t = new ConverseToOpenaiStream({ ...STREAM_OPTS, includeUsage: true });
    const out = [];
    for (const msg of decoder.push((await fixtureStream('cache')).bytes)) out.push(...t.push(msg));
    out.push(...t.end());
    expect(events(out).at(-1)!.usage).toEqual({
      prompt_tokens: 2200,
      completion_tokens: 5,
      total_tokens: 2205,
      prompt_tokens_details: { cached_tokens: 2048, cache_write_tokens: 100 },
    });
    expect(t.usage).toEqual({ prompt_tokens: 2200, completion_tokens: 5, cached_read_tokens: 2048, cache_write_tokens: 100, reasoning_tokens: 0, estimated: false });
  });

  it('streams the forced JSON tool as content and finishes with stop', async () => {
    const { bytes, jsonTool } = await fixtureStream('json', { response_format: { type: 'json_object' } });
    const chunks = events(translateEventStream([bytes], false, jsonTool));
    expect(chunks.some((c) => c.choices[0].delta.tool_calls !== undefined)).toBe(false);
    expect(JSON.parse(chunks.map((c) => c.choices[0].delta.content ?? '').join(''))).toEqual({ answer: 42 });
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop');
  });

  it('streams reasoning as reasoning_content', () => {
    const bytes = concat([
      event('messageStart', { role: 'assistant' }),
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: 'Hmm.' } } }),
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { signature: 'sig' } } }),
      event('contentBlockDelta', { contentBlockIndex: 1, delta: { text: 'Yes.' } }),
      event('messageStop', { stopReason: 'end_turn' }),
      event('metadata', { usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } }),
    ]);
    expect(events(translateEventStream([bytes])).map((c) => c.choices[0].delta)).toEqual([{ role: 'assistant', content: '' }, { reasoning_content: 'Hmm.' }, { content: 'Yes.' }, {}]);
  });

  it('turns a cut stream into an error output, never a clean end', async () => {
    const { bytes, failed } = await fixtureStream('cut');
    expect(failed).toBe(true);
    const out = translateEventStream([bytes]);
    expect(out.slice(0, -1).every((o) => o.kind === 'event')).toBe(true);
    expect(out.at(-1)).toMatchObject({ kind: 'error', status: 502, error: { code: 'upstream_stream_cut' } });
  });

  it.each([
    ['without messageStop', [event('messageStart', { role: 'assistant' }), event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi' } })], /messageStop/],
    ['without metadata', [event('messageStart', { role: 'assistant' }), event('messageStop', { stopReason: 'end_turn' })], /metadata/],
  ])('treats a stream that ended cleanly %s as cut', (_name, parts, pattern) => {
    const out = translateEventStream([concat(parts)]);
    expect(out.at(-1)).toMatchObject({ kind: 'error', status: 502, error: { message: expect.stringMatching(pattern) } });
  });

  it('turns an exception event after content into an error output, then stays silent', async () => {
    const { bytes } = await fixtureStream('midstream-error');
    const out = translateEventStream([bytes]);
    expect(out.slice(0, -1).every((o) => o.kind === 'event')).toBe(true);
    expect(out.at(-1)).toEqual({
      kind: 'error',
      status: 502,
      error: { message: 'The model stream failed.', type: 'server_error', param: null, code: 'ModelStreamErrorException' },
    });
    const throttled = concat([
      event('messageStart', { role: 'assistant' }),
      encodeEventStreamMessage({ ':exception-type': 'throttlingException', ':content-type': 'application/json', ':message-type': 'exception' }, '{"message":"Too many tokens"}'),
      event('messageStop', { stopReason: 'end_turn' }),
    ]);
    const t = translateEventStream([throttled]);
    expect(t.filter((o) => o.kind === 'error')).toEqual([{ kind: 'error', status: 429, error: { message: 'Too many tokens', type: 'rate_limit_error', param: null, code: 'ThrottlingException' } }]);
    expect(t.at(-1)!.kind).toBe('error');
  });

  it('survives payloads that are not JSON or not the documented shape', () => {
    const bad = encodeEventStreamMessage({ ':event-type': 'contentBlockDelta', ':message-type': 'event' }, '{oops');
    expect(translateEventStream([bad]).map((o) => o.kind)).toEqual(['error']);
    const odd = concat([event('contentBlockDelta', { contentBlockIndex: 3, delta: { toolUse: { input: '{}' } } })]);
    expect(translateEventStream([odd])).toMatchObject([{ kind: 'error', error: { message: expect.stringMatching(/never opened/) } }]);
    expect(() => translateEventStream([concat([event('contentBlockStart', { start: null }), event('messageStop', 7), event('unknownEvent', {})])])).not.toThrow();
  });
});
