import { describe, expect, it } from 'vitest';
import type { ChatResponse } from '../../../../src/ai/protocols/openai-types.js';
import {
  anthropicToOpenaiResponse,
  openaiToAnthropicResponse,
  type AnthropicResponse,
} from '../../../../src/ai/protocols/anthropic/index.js';

/** Shaped like the Messages API reference example, with tool use and prompt caching. */
const TOOL_RESPONSE: AnthropicResponse = {
  id: 'msg_01Aq9w938a90dw8q',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [
    { type: 'thinking', thinking: 'The user wants weather.', signature: 'EqQBCgIYAh' },
    { type: 'text', text: "I'll check " },
    { type: 'text', text: 'the weather.' },
    { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'celsius' } },
    { type: 'tool_use', id: 'toolu_01B', name: 'get_time', input: {} },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 2095, output_tokens: 503, cache_creation_input_tokens: 2051, cache_read_input_tokens: 1024 },
};

describe('anthropicToOpenaiResponse', () => {
  it('translates text, thinking, tool use and cache usage (golden)', () => {
    expect(anthropicToOpenaiResponse(TOOL_RESPONSE, { model: 'claude-sonnet', created: 1700000000 })).toEqual({
      id: 'msg_01Aq9w938a90dw8q',
      object: 'chat.completion',
      created: 1700000000,
      model: 'claude-sonnet',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: "I'll check the weather.",
            reasoning_content: 'The user wants weather.',
            tool_calls: [
              {
                id: 'toolu_01A09q90qw90lq917835lq9',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
              },
              { id: 'toolu_01B', type: 'function', function: { name: 'get_time', arguments: '{}' } },
            ],
          },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: 2095 + 1024 + 2051,
        completion_tokens: 503,
        total_tokens: 2095 + 1024 + 2051 + 503,
        prompt_tokens_details: { cached_tokens: 1024, cache_write_tokens: 2051 },
      },
    });
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['tool_use', 'tool_calls'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['refusal', 'content_filter'],
  ] as const)('maps stop_reason %s to finish_reason %s', (stop, finish) => {
    const res: AnthropicResponse = { ...TOOL_RESPONSE, stop_reason: stop };
    expect(anthropicToOpenaiResponse(res, { model: 'm' }).choices[0].finish_reason).toBe(finish);
  });

  it('turns the structured-answer tool call into the message content with finish_reason stop', () => {
    const res: AnthropicResponse = {
      ...TOOL_RESPONSE,
      content: [{ type: 'tool_use', id: 'toolu_x', name: 'math_answer', input: { answer: 42 } }],
      stop_reason: 'tool_use',
    };
    const out = anthropicToOpenaiResponse(res, { model: 'm', jsonTool: 'math_answer' });
    expect(out.choices[0].message).toEqual({ role: 'assistant', content: '{"answer":42}' });
    expect(out.choices[0].finish_reason).toBe('stop');
  });

  it('gives an empty answer, not a throw, for a body without content or usage', () => {
    const out = anthropicToOpenaiResponse({ id: 'msg_1' } as unknown as AnthropicResponse, { model: 'm' });
    expect(out.choices[0].message.content).toBe('');
    expect(out.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 } });
  });
});

describe('openaiToAnthropicResponse', () => {
  const OPENAI: ChatResponse = {
    id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
    object: 'chat.completion',
    created: 1741570283,
    model: 'gpt-4o-2024-08-06',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'Let me look.',
          reasoning_content: 'Thinking first.',
          tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Boston"}' } }],
        },
        finish_reason: 'tool_calls',
      },
    ],
    usage: {
      prompt_tokens: 1117,
      completion_tokens: 46,
      total_tokens: 1163,
      prompt_tokens_details: { cached_tokens: 1024, cache_write_tokens: 50 },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
  };

  it('translates content, reasoning, tool calls and usage (golden)', () => {
    expect(openaiToAnthropicResponse(OPENAI, { model: 'claude-via-gantry' })).toEqual({
      id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
      type: 'message',
      role: 'assistant',
      model: 'claude-via-gantry',
      content: [
        { type: 'thinking', thinking: 'Thinking first.', signature: '' },
        { type: 'text', text: 'Let me look.' },
        { type: 'tool_use', id: 'call_abc', name: 'get_weather', input: { location: 'Boston' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 1117 - 1024 - 50, output_tokens: 46, cache_read_input_tokens: 1024, cache_creation_input_tokens: 50 },
    });
  });

  it('round-trips usage: anthropic → openai → anthropic keeps all four counters', () => {
    const there = anthropicToOpenaiResponse(TOOL_RESPONSE, { model: 'm' });
    const back = openaiToAnthropicResponse(there, { model: 'm' });
    expect(back.usage).toEqual(TOOL_RESPONSE.usage);
    expect(back.stop_reason).toBe('tool_use');
  });

  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['content_filter', 'refusal'],
  ] as const)('maps finish_reason %s to stop_reason %s', (finish, stop) => {
    const res: ChatResponse = { ...OPENAI, choices: [{ ...OPENAI.choices[0], finish_reason: finish }] };
    expect(openaiToAnthropicResponse(res, { model: 'm' }).stop_reason).toBe(stop);
  });

  it('tolerates a body without choices or usage', () => {
    const out = openaiToAnthropicResponse({ id: 'x' } as unknown as ChatResponse, { model: 'm' });
    expect(out.content).toEqual([]);
    expect(out.usage).toEqual({ input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
  });
});
