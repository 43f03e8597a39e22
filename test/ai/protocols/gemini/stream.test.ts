import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openaiToGeminiRequest } from '../../../../src/ai/protocols/gemini/request.js';
import { geminiToOpenaiResponse } from '../../../../src/ai/protocols/gemini/response.js';
import { GeminiToOpenaiStream } from '../../../../src/ai/protocols/gemini/stream.js';
import type { GeminiResponse } from '../../../../src/ai/protocols/gemini/types.js';
import type { ChatChunk, ChatRequest } from '../../../../src/ai/protocols/openai-types.js';
import { startGeminiFixture, type ProviderFixture } from '../../../fixtures/providers/gemini.js';
import { events, geminiPost, readBody, sse, STREAM_OPTS, translateSse } from './helpers.js';

let fixture: ProviderFixture;
beforeAll(async () => {
  fixture = await startGeminiFixture();
});
afterAll(() => fixture.close());

/** The raw bytes the fixture streams for a scenario, and whether the body failed. */
async function fixtureStream(scenario: string, extra: Partial<ChatRequest> = {}): Promise<{ bytes: Uint8Array; failed: boolean }> {
  const req: ChatRequest = { model: 'gemini-2.5-flash', stream: true, messages: [{ role: 'user', content: `[scenario:${scenario}] go` }], ...extra };
  const { path, body } = openaiToGeminiRequest(req, { model: 'gemini-2.5-flash' });
  const res = await geminiPost(fixture.url, path, body);
  expect(res.status).toBe(200);
  return readBody(res);
}

function everySplit(bytes: Uint8Array, includeUsage: boolean): void {
  const whole = translateSse([bytes], includeUsage);
  expect(translateSse(Array.from(bytes, (b) => Uint8Array.of(b)), includeUsage)).toEqual(whole);
  for (let k = 1; k < bytes.length; k++) {
    expect(translateSse([bytes.subarray(0, k), bytes.subarray(k)], includeUsage)).toEqual(whole);
  }
}

describe('GeminiToOpenaiStream', () => {
  it('gives identical output for the fixture bytes split at every byte boundary', async () => {
    for (const scenario of ['text', 'tools', 'cache']) {
      const { bytes } = await fixtureStream(scenario);
      everySplit(bytes, true);
    }
  });

  it('streams text with role on the first chunk and a separate stop chunk', async () => {
    const out = translateSse([(await fixtureStream('text')).bytes]);
    expect(out.every((o) => o.kind === 'event')).toBe(true);
    const chunks = events(out);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: 'Hello from ' });
    expect(chunks.slice(1).some((c) => c.choices[0]?.delta.role !== undefined)).toBe(false);
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('Hello from the Gemini fixture.');
    expect(chunks.at(-1)!.choices[0]).toEqual({ index: 0, delta: {}, finish_reason: 'stop' });
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
    expect(chunks[0]).toMatchObject({ id: STREAM_OPTS.id, object: 'chat.completion.chunk', created: STREAM_OPTS.created, model: STREAM_OPTS.model });
  });

  it('with include_usage puts usage: null on every chunk and ends with a choices: [] usage chunk', async () => {
    const chunks = events(translateSse([(await fixtureStream('text')).bytes], true));
    const last = chunks.at(-1)!;
    for (const c of chunks.slice(0, -1)) {
      expect(c.usage).toBeNull();
      expect(c.choices).toHaveLength(1);
    }
    expect(last).toEqual({
      id: STREAM_OPTS.id,
      object: 'chat.completion.chunk',
      created: STREAM_OPTS.created,
      model: STREAM_OPTS.model,
      choices: [],
      usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
    });
  });

  it('gives two function calls distinct indices and complete arguments, and finishes with tool_calls', async () => {
    const chunks = events(translateSse([(await fixtureStream('tools')).bytes]));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => [c.index, c.type, c.function])).toEqual([
      [0, 'function', { name: 'get_weather', arguments: '{"city":"Paris"}' }],
      [1, 'function', { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' }],
    ]);
    expect(calls[0].id).not.toBe(calls[1].id);
    expect(calls[0].extra_content).toEqual({ google: { thought_signature: 'c2lnbmF0dXJlLTE=' } });
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('tool_calls');
  });

  it('generates the same tool-call ids as the non-stream translation of the same answer', () => {
    const parts = [{ functionCall: { name: 'a', args: {} } }, { functionCall: { name: 'b', args: { x: 1 } } }];
    const res: GeminiResponse = { candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }] };
    const streamed = events(translateSse([sse(res)])).flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    const whole = geminiToOpenaiResponse(res, STREAM_OPTS).choices[0].message.tool_calls!;
    expect(streamed.map((c) => c.id)).toEqual(whole.map((c) => c.id));
    expect(streamed.map((c) => c.index)).toEqual([0, 1]);
  });

  it('reports cached and reasoning tokens from the last usageMetadata', async () => {
    const out = translateSse([(await fixtureStream('cache')).bytes], true);
    expect(events(out).at(-1)!.usage).toEqual({
      prompt_tokens: 2100,
      completion_tokens: 15,
      total_tokens: 2115,
      prompt_tokens_details: { cached_tokens: 2048 },
      completion_tokens_details: { reasoning_tokens: 10 },
    });
  });

  it('exposes normalized usage through the usage getter', () => {
    const t = new GeminiToOpenaiStream({ ...STREAM_OPTS, includeUsage: false });
    const res = { candidates: [{ content: { role: 'model', parts: [{ text: 'x' }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1, cachedContentTokenCount: 2 } };
    t.push({ event: 'message', data: JSON.stringify(res) });
    expect(t.end()).toEqual([]);
    expect(t.usage).toEqual({ prompt_tokens: 5, completion_tokens: 1, cached_read_tokens: 2, cache_write_tokens: 0, reasoning_tokens: 0, estimated: false });
  });

  it('streams thoughts as reasoning_content', () => {
    const res1 = { candidates: [{ content: { role: 'model', parts: [{ text: 'Let me think.', thought: true }] } }] };
    const res2 = { candidates: [{ content: { role: 'model', parts: [{ text: 'Answer.' }] }, finishReason: 'STOP' }] };
    const deltas = events(translateSse([sse(res1, res2)])).map((c) => c.choices[0].delta);
    expect(deltas).toEqual([{ role: 'assistant', content: '', reasoning_content: 'Let me think.' }, { content: 'Answer.' }, {}]);
  });

  it('turns a cut stream into an error output, never a clean end', async () => {
    const { bytes, failed } = await fixtureStream('cut');
    expect(failed).toBe(true);
    const out = translateSse([bytes]);
    expect(out.at(-1)).toMatchObject({ kind: 'error', status: 502, error: { code: 'upstream_stream_cut' } });
    expect(out.filter((o) => o.kind === 'error')).toHaveLength(1);
    const t = new GeminiToOpenaiStream({ ...STREAM_OPTS, includeUsage: false });
    t.push({ event: 'message', data: JSON.stringify({ candidates: [{ content: { parts: [{ text: 'partial' }] } }] }) });
    expect(t.end({ incomplete: true })).toMatchObject([{ kind: 'error', status: 502 }]);
    // A body that failed is an error even when a finishReason was already seen.
    const done = new GeminiToOpenaiStream({ ...STREAM_OPTS, includeUsage: true });
    done.push({ event: 'message', data: JSON.stringify({ candidates: [{ content: { parts: [{ text: 'all' }] }, finishReason: 'STOP' }] }) });
    expect(done.end({ incomplete: true })).toMatchObject([{ kind: 'error', status: 502, error: { code: 'upstream_stream_cut' } }]);
  });

  it('treats a body that ended cleanly without any finishReason as cut', () => {
    const out = translateSse([sse({ candidates: [{ content: { role: 'model', parts: [{ text: 'half an ans' }] }, index: 0 }] })]);
    expect(out.at(-1)).toMatchObject({ kind: 'error', status: 502, error: { message: expect.stringMatching(/without a finish reason/) } });
    expect(translateSse([])).toMatchObject([{ kind: 'error' }]);
  });

  it('turns an error event after content into an error output and then stays silent', async () => {
    const { bytes, failed } = await fixtureStream('midstream-error');
    expect(failed).toBe(false);
    const out = translateSse([bytes]);
    const kinds = out.map((o) => o.kind);
    expect(kinds.slice(0, -1).every((k) => k === 'event')).toBe(true);
    expect(out.at(-1)).toEqual({ kind: 'error', status: 500, error: { message: 'An internal error has occurred.', type: 'server_error', param: null, code: 'INTERNAL' } });
  });

  it('turns data that is not JSON into one error output, after which pushes give nothing', () => {
    const t = new GeminiToOpenaiStream({ ...STREAM_OPTS, includeUsage: false });
    expect(t.push({ event: 'message', data: '{not json' })).toMatchObject([{ kind: 'error', status: 502 }]);
    expect(t.push({ event: 'message', data: JSON.stringify({ candidates: [] }) })).toEqual([]);
    expect(t.end()).toEqual([]);
    const u = new GeminiToOpenaiStream({ ...STREAM_OPTS, includeUsage: false });
    expect(u.push({ event: 'message', data: '[1,2]' })).toMatchObject([{ kind: 'error' }]);
    const v = new GeminiToOpenaiStream({ ...STREAM_OPTS, includeUsage: false });
    expect(() => v.push({ event: 'message', data: '{"candidates":[null,{"content":{"parts":[null,{"functionCall":{"name":7}}]}}]}' })).not.toThrow();
  });

  it('answers a blocked prompt with content_filter and a clean end', () => {
    const chunks = events(translateSse([sse({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 9 } })], true));
    expect(chunks.map((c) => [c.choices[0]?.delta, c.choices[0]?.finish_reason])).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{}, 'content_filter'],
      [undefined, undefined],
    ]);
    expect(chunks.at(-1)!.usage?.prompt_tokens).toBe(9);
  });

  it('maps MAX_TOKENS on a final chunk without content to length', () => {
    const chunks = events(translateSse([sse({ candidates: [{ content: { role: 'model', parts: [{ text: 'abc' }] } }] }, { candidates: [{ finishReason: 'MAX_TOKENS' }] })]));
    expect(chunks.map((c: ChatChunk) => c.choices[0].finish_reason)).toEqual([null, 'length']);
  });
});
