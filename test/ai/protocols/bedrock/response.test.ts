import { describe, expect, it } from 'vitest';
import { bedrockErrorToOpenai } from '../../../../src/ai/protocols/bedrock/errors.js';
import { converseToOpenaiResponse } from '../../../../src/ai/protocols/bedrock/response.js';
import type { ConverseResponse } from '../../../../src/ai/protocols/bedrock/types.js';

const OPTS = { model: 'anthropic.claude-3-5-sonnet-20240620-v1:0', id: 'chatcmpl-1', created: 1_700_000_000 };

describe('converseToOpenaiResponse', () => {
  it('translates the documented Converse answer with reasoning, tool use and cache usage', () => {
    const res: ConverseResponse = {
      output: {
        message: {
          role: 'assistant',
          content: [
            { reasoningContent: { reasoningText: { text: 'User wants weather.', signature: 'sig' } } },
            { text: 'Let me check.' },
            { toolUse: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'top_song', input: { sign: 'WZPZ' } } },
          ],
        },
      },
      stopReason: 'tool_use',
      usage: { inputTokens: 375, outputTokens: 36, totalTokens: 2559, cacheReadInputTokens: 2048, cacheWriteInputTokens: 100 },
      metrics: { latencyMs: 2270 },
    };
    expect(converseToOpenaiResponse(res, OPTS)).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: OPTS.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Let me check.',
            reasoning_content: 'User wants weather.',
            tool_calls: [{ id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', type: 'function', function: { name: 'top_song', arguments: '{"sign":"WZPZ"}' } }],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 2523,
        completion_tokens: 36,
        total_tokens: 2559,
        prompt_tokens_details: { cached_tokens: 2048, cache_write_tokens: 100 },
      },
    });
  });

  it('returns the forced JSON tool input as content with a stop finish', () => {
    const res: ConverseResponse = { output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: 't', name: 'answer', input: { answer: 42 } } }] } }, stopReason: 'tool_use' };
    const out = converseToOpenaiResponse(res, { ...OPTS, jsonTool: 'answer' });
    expect(out.choices[0]).toEqual({ index: 0, message: { role: 'assistant', content: '{"answer":42}' }, finish_reason: 'stop' });
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['guardrail_intervened', 'content_filter'],
    ['content_filtered', 'content_filter'],
    ['malformed_model_output', 'stop'],
  ])('maps stopReason %s to %s', (reason, expected) => {
    const res: ConverseResponse = { output: { message: { role: 'assistant', content: [{ text: 'x' }] } }, stopReason: reason };
    expect(converseToOpenaiResponse(res, OPTS).choices[0].finish_reason).toBe(expected);
  });
});

describe('bedrockErrorToOpenai', () => {
  it.each([
    ['ThrottlingException', 429, 429, 'rate_limit_error'],
    ['ValidationException', 400, 400, 'invalid_request_error'],
    ['AccessDeniedException', 403, 403, 'authentication_error'],
    ['ModelTimeoutException', 408, 504, 'timeout_error'],
    ['ServiceUnavailableException', 503, 503, 'server_error'],
    ['ResourceNotFoundException', 404, 404, 'not_found_error'],
    ['ModelErrorException', 424, 502, 'server_error'],
  ])('maps %s (HTTP %i) to %i %s', (type, status, expectedStatus, expectedType) => {
    const out = bedrockErrorToOpenai(status, '{"message":"boom"}', { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` });
    expect(out).toEqual({ status: expectedStatus, body: { error: { message: 'boom', type: expectedType, param: null, code: type } } });
  });

  it('reads the type from the body __type when the header is missing, and from a Headers object', () => {
    expect(bedrockErrorToOpenai(400, { __type: 'com.amazon.coral.validate#ThrottlingException', message: 'slow' }).status).toBe(429);
    expect(bedrockErrorToOpenai(400, '{"Message":"x"}', new Headers({ 'X-Amzn-ErrorType': 'ThrottlingException' })).body.error).toMatchObject({ message: 'x', code: 'ThrottlingException' });
  });

  it('falls back to the HTTP status for bodies it cannot read', () => {
    expect(bedrockErrorToOpenai(500, 'not json')).toEqual({
      status: 500,
      body: { error: { message: 'Bedrock answered HTTP 500 without an error message', type: 'server_error', param: null, code: null } },
    });
  });
});
