import { describe, expect, it } from 'vitest';
import { openaiToGeminiEmbeddings, geminiToOpenaiEmbeddings, geminiEmbeddingsUsage } from '../../../../src/ai/protocols/gemini/embeddings.js';
import { geminiErrorToOpenai } from '../../../../src/ai/protocols/gemini/errors.js';
import { geminiToOpenaiResponse } from '../../../../src/ai/protocols/gemini/response.js';
import type { GeminiResponse } from '../../../../src/ai/protocols/gemini/types.js';
import { GantryError } from '../../../../src/core/errors.js';

const OPTS = { model: 'gemini-2.5-flash', id: 'chatcmpl-1', created: 1_700_000_000 };

describe('geminiToOpenaiResponse', () => {
  it('translates the documented text answer with thoughts and cache-aware usage', () => {
    const res: GeminiResponse = {
      candidates: [
        {
          content: { parts: [{ text: 'Thinking about clouds.', thought: true }, { text: 'The sky is blue ' }, { text: 'because of Rayleigh scattering.' }], role: 'model' },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 2100, cachedContentTokenCount: 2048, candidatesTokenCount: 12, thoughtsTokenCount: 30, totalTokenCount: 2142 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'abc123',
    };
    expect(geminiToOpenaiResponse(res, OPTS)).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gemini-2.5-flash',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'The sky is blue because of Rayleigh scattering.', reasoning_content: 'Thinking about clouds.' },
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 2100,
        completion_tokens: 42,
        total_tokens: 2142,
        prompt_tokens_details: { cached_tokens: 2048 },
        completion_tokens_details: { reasoning_tokens: 30 },
      },
    });
  });

  it('turns function calls into tool calls with stable ids, JSON arguments and the thought signature', () => {
    const res: GeminiResponse = {
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2ln' },
              { functionCall: { name: 'get_time', args: { timezone: 'Europe/Paris' } } },
              { functionCall: { id: 'given-id', name: 'noop' } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
    };
    const a = geminiToOpenaiResponse(res, OPTS);
    const b = geminiToOpenaiResponse(res, OPTS);
    expect(a).toEqual(b);
    const choice = a.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const calls = choice.message.tool_calls!;
    expect(calls.map((c) => c.function)).toEqual([
      { name: 'get_weather', arguments: '{"city":"Paris"}' },
      { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' },
      { name: 'noop', arguments: '{}' },
    ]);
    expect(calls[0].id).toMatch(/^call_[A-Za-z0-9_-]{24}$/);
    expect(calls[0].id).not.toBe(calls[1].id);
    expect(calls[2].id).toBe('given-id');
    expect(calls[0].extra_content).toEqual({ google: { thought_signature: 'c2ln' } });
    expect(calls[1].extra_content).toBeUndefined();
    expect(geminiToOpenaiResponse(res, { ...OPTS, id: 'chatcmpl-2' }).choices[0].message.tool_calls![0].id).not.toBe(calls[0].id);
  });

  it.each([
    ['STOP', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['BLOCKLIST', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'],
    ['SPII', 'content_filter'],
    ['IMAGE_SAFETY', 'content_filter'],
    ['LANGUAGE', 'stop'],
    ['OTHER', 'stop'],
    ['MALFORMED_FUNCTION_CALL', 'stop'],
  ])('maps finishReason %s to %s', (reason, expected) => {
    const res: GeminiResponse = { candidates: [{ content: { role: 'model', parts: [{ text: 'x' }] }, finishReason: reason }] };
    expect(geminiToOpenaiResponse(res, OPTS).choices[0].finish_reason).toBe(expected);
  });

  it('answers a blocked prompt with content_filter and empty content', () => {
    const res: GeminiResponse = { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 } };
    const out = geminiToOpenaiResponse(res, OPTS);
    expect(out.choices).toEqual([{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'content_filter' }]);
    expect(out.usage?.prompt_tokens).toBe(8);
  });

  it('keeps one choice per candidate', () => {
    const res: GeminiResponse = {
      candidates: [
        { index: 0, content: { role: 'model', parts: [{ text: 'one' }] }, finishReason: 'STOP' },
        { index: 1, content: { role: 'model', parts: [{ text: 'two' }] }, finishReason: 'MAX_TOKENS' },
      ],
    };
    expect(geminiToOpenaiResponse(res, OPTS).choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, 'one', 'stop'],
      [1, 'two', 'length'],
    ]);
  });
});

describe('Gemini embeddings', () => {
  it('batches string input with outputDimensionality and maps the vectors back', () => {
    const { path, body } = openaiToGeminiEmbeddings({ model: 'x', input: ['a', 'b'], dimensions: 3 }, { model: 'gemini-embedding-001' });
    expect(path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(body).toEqual({
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'a' }] }, outputDimensionality: 3 },
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'b' }] }, outputDimensionality: 3 },
      ],
    });
    expect(openaiToGeminiEmbeddings({ model: 'x', input: 'solo' }, { model: 'text-embedding-004' }).body.requests).toHaveLength(1);
    const res = { embeddings: [{ values: [0.1, 0.2, 0.3] }, { values: [0.4, 0.5, 0.6] }] };
    expect(geminiToOpenaiEmbeddings(res, { model: 'gemini-embedding-001', promptTokens: 2 })).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] },
        { object: 'embedding', index: 1, embedding: [0.4, 0.5, 0.6] },
      ],
      model: 'gemini-embedding-001',
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
    expect(geminiEmbeddingsUsage(2)).toMatchObject({ prompt_tokens: 2, estimated: true });
  });

  it('encodes base64 vectors as little-endian float32, as OpenAI does', () => {
    const out = geminiToOpenaiEmbeddings({ embeddings: [{ values: [1, -2] }] }, { model: 'm', promptTokens: 1, encodingFormat: 'base64' });
    const buf = Buffer.from(out.data[0].embedding as string, 'base64');
    expect([buf.readFloatLE(0), buf.readFloatLE(4)]).toEqual([1, -2]);
  });

  it('refuses token-id input: Gemini needs text', () => {
    expect(() => openaiToGeminiEmbeddings({ model: 'x', input: [[1, 2, 3]] }, { model: 'm' })).toThrow(GantryError);
    expect(() => openaiToGeminiEmbeddings({ model: 'x', input: [1, 2, 3] }, { model: 'm' })).toThrow(/text only/);
  });
});

describe('geminiErrorToOpenai', () => {
  it.each([
    [429, 'RESOURCE_EXHAUSTED', 429, 'rate_limit_error'],
    [400, 'INVALID_ARGUMENT', 400, 'invalid_request_error'],
    [403, 'PERMISSION_DENIED', 403, 'authentication_error'],
    [401, 'UNAUTHENTICATED', 401, 'authentication_error'],
    [404, 'NOT_FOUND', 404, 'not_found_error'],
    [500, 'INTERNAL', 500, 'server_error'],
    [503, 'UNAVAILABLE', 503, 'server_error'],
    [504, 'DEADLINE_EXCEEDED', 504, 'timeout_error'],
  ])('maps HTTP %i %s to %i %s', (status, googleStatus, expectedStatus, type) => {
    const out = geminiErrorToOpenai(status, JSON.stringify({ error: { code: status, message: 'boom', status: googleStatus } }));
    expect(out).toEqual({ status: expectedStatus, body: { error: { message: 'boom', type, param: null, code: googleStatus } } });
  });

  it('treats an invalid API key (400 API_KEY_INVALID) as an authentication error', () => {
    const body = { error: { code: 400, message: 'API key not valid.', status: 'INVALID_ARGUMENT', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }] } };
    expect(geminiErrorToOpenai(400, body)).toMatchObject({ status: 401, body: { error: { type: 'authentication_error', code: 'API_KEY_INVALID' } } });
  });

  it('survives bodies that are not Google errors', () => {
    expect(geminiErrorToOpenai(502, '<html>bad gateway</html>')).toEqual({
      status: 502,
      body: { error: { message: 'Gemini answered HTTP 502 without an error message', type: 'server_error', param: null, code: null } },
    });
    expect(geminiErrorToOpenai(429, [{ error: { code: 429, message: 'slow down', status: 'RESOURCE_EXHAUSTED' } }]).status).toBe(429);
    expect(geminiErrorToOpenai(400, null).body.error.type).toBe('invalid_request_error');
  });
});
