import { describe, expect, it } from 'vitest';
import { isGantryError } from '../../../../src/core/errors.js';
import type { ChatRequest } from '../../../../src/ai/protocols/openai-types.js';
import {
  anthropicToOpenaiRequest,
  jsonResponseToolName,
  openaiToAnthropicRequest,
  RAW_ARGUMENTS_KEY,
  type AnthropicRequest,
} from '../../../../src/ai/protocols/anthropic/index.js';

const OPTS = { model: 'claude-sonnet-4-5', defaultMaxTokens: 4096 };
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function validationPath(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (isGantryError(err) && err.code === 'GANTRY_ERR_VALIDATION') return err.details?.[0]?.path ?? '';
    throw err;
  }
  return undefined;
}

describe('openaiToAnthropicRequest', () => {
  it('translates a tool-using conversation with images into the Messages format (golden)', () => {
    const req: ChatRequest = {
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are a weather assistant.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is the weather where these photos were taken?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/paris.jpg', detail: 'high' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lyon"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '18°C, sunny' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '15°C, rain' }] },
        { role: 'user', content: 'Which one is warmer?' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather for a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        },
      ],
      tool_choice: 'auto',
      parallel_tool_calls: false,
      max_completion_tokens: 512,
      max_tokens: 100,
      stop: 'END',
      temperature: 0.3,
      top_p: 0.9,
      user: 'user-42',
      stream: true,
      stream_options: { include_usage: true },
      seed: 7,
    };
    expect(openaiToAnthropicRequest(req, OPTS)).toEqual({
      model: 'claude-sonnet-4-5',
      system: 'You are a weather assistant.',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is the weather where these photos were taken?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/paris.jpg' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Lyon' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: '18°C, sunny' },
            { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '15°C, rain' }] },
            { type: 'text', text: 'Which one is warmer?' },
          ],
        },
      ],
      max_tokens: 512,
      stop_sequences: ['END'],
      temperature: 0.3,
      top_p: 0.9,
      tools: [
        {
          name: 'get_weather',
          description: 'Current weather for a city',
          input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      ],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      metadata: { user_id: 'user-42' },
      stream: true,
    });
  });

  it('hoists system and developer messages into system text blocks, in order', () => {
    const out = openaiToAnthropicRequest(
      {
        model: 'm',
        messages: [
          { role: 'system', content: 'Rule one.' },
          { role: 'developer', content: [{ type: 'text', text: 'Rule two.' }, { type: 'text', text: 'Rule three.' }] },
          { role: 'user', content: 'Hi' },
        ],
      },
      OPTS,
    );
    expect(out.system).toEqual([
      { type: 'text', text: 'Rule one.' },
      { type: 'text', text: 'Rule two.' },
      { type: 'text', text: 'Rule three.' },
    ]);
    expect(out.messages).toEqual([{ role: 'user', content: 'Hi' }]);
  });

  it('merges consecutive same-role messages and puts tool results before text', () => {
    const out = openaiToAnthropicRequest(
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'one' },
          { role: 'user', content: 'two' },
          { role: 'assistant', content: 'Let me check.', tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '' } }] },
          { role: 'assistant', content: '' },
          { role: 'user', content: 'by the way' },
          { role: 'tool', tool_call_id: 't1', content: 'done' },
        ],
      },
      OPTS,
    );
    expect(out.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 't1', name: 'f', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'done' }, { type: 'text', text: 'by the way' }] },
    ]);
  });

  it('maps tool_choice auto, none, required and a named tool', () => {
    const base: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f' } }] };
    expect(openaiToAnthropicRequest({ ...base, tool_choice: 'auto' }, OPTS).tool_choice).toEqual({ type: 'auto' });
    expect(openaiToAnthropicRequest({ ...base, tool_choice: 'none' }, OPTS).tool_choice).toEqual({ type: 'none' });
    expect(openaiToAnthropicRequest({ ...base, tool_choice: 'required' }, OPTS).tool_choice).toEqual({ type: 'any' });
    expect(openaiToAnthropicRequest({ ...base, tool_choice: { type: 'function', function: { name: 'f' } } }, OPTS).tool_choice).toEqual({ type: 'tool', name: 'f' });
    expect(openaiToAnthropicRequest(base, OPTS).tool_choice).toBeUndefined();
    expect(openaiToAnthropicRequest(base, OPTS).tools).toEqual([{ name: 'f', input_schema: { type: 'object', properties: {} } }]);
    // No tools: no tool_choice (Anthropic rejects one without tools).
    expect(openaiToAnthropicRequest({ model: 'm', messages: [], tool_choice: 'auto' }, OPTS).tool_choice).toBeUndefined();
  });

  it('uses max_completion_tokens, then max_tokens, then the default; clamps temperature to 1', () => {
    const msgs = [{ role: 'user' as const, content: 'x' }];
    expect(openaiToAnthropicRequest({ model: 'm', messages: msgs, max_tokens: 77 }, OPTS).max_tokens).toBe(77);
    expect(openaiToAnthropicRequest({ model: 'm', messages: msgs, max_tokens: null }, OPTS).max_tokens).toBe(4096);
    const out = openaiToAnthropicRequest({ model: 'm', messages: msgs, temperature: 1.7, stop: ['a', 'b'] }, OPTS);
    expect(out.temperature).toBe(1);
    expect(out.stop_sequences).toEqual(['a', 'b']);
  });

  it('keeps arguments that are not a JSON object as raw text under a documented key', () => {
    const out = openaiToAnthropicRequest(
      {
        model: 'm',
        messages: [
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'a', type: 'function', function: { name: 'f', arguments: '{"city": "Par' } },
              { id: 'b', type: 'function', function: { name: 'f', arguments: '[1,2]' } },
            ],
          },
        ],
      },
      OPTS,
    );
    expect(out.messages[0].content).toEqual([
      { type: 'tool_use', id: 'a', name: 'f', input: { [RAW_ARGUMENTS_KEY]: '{"city": "Par' } },
      { type: 'tool_use', id: 'b', name: 'f', input: { [RAW_ARGUMENTS_KEY]: '[1,2]' } },
    ]);
  });

  it('turns response_format json_schema into one forced tool whose input_schema is the schema', () => {
    const schema = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] };
    const req: ChatRequest = {
      model: 'm',
      messages: [{ role: 'user', content: 'What is 6*7?' }],
      response_format: { type: 'json_schema', json_schema: { name: 'math_answer', schema, strict: true } },
    };
    const out = openaiToAnthropicRequest(req, OPTS);
    expect(jsonResponseToolName(req)).toBe('math_answer');
    expect(out.tools).toEqual([{ name: 'math_answer', description: expect.any(String), input_schema: schema }]);
    expect(out.tool_choice).toEqual({ type: 'tool', name: 'math_answer', disable_parallel_tool_use: true });
  });

  it('offers the structured-answer tool next to the client tools with tool_choice any', () => {
    const req: ChatRequest = {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      tools: [{ type: 'function', function: { name: 'lookup' } }],
      response_format: { type: 'json_object' },
    };
    const out = openaiToAnthropicRequest(req, OPTS);
    expect(out.tools?.map((t) => t.name)).toEqual(['lookup', 'json_response']);
    expect(out.tools?.[1].input_schema).toEqual({ type: 'object', additionalProperties: true });
    expect(out.tool_choice).toEqual({ type: 'any' });
  });

  it('maps reasoning_effort to a thinking budget that fits under max_tokens, and drops sampling params', () => {
    const base: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 0.5 };
    const high = openaiToAnthropicRequest({ ...base, reasoning_effort: 'high', max_tokens: 8000 }, OPTS);
    expect(high.thinking).toEqual({ type: 'enabled', budget_tokens: 7999 });
    expect(high.temperature).toBeUndefined();
    expect(openaiToAnthropicRequest({ ...base, reasoning_effort: 'low', max_tokens: 500 }, OPTS).thinking).toBeUndefined();
    expect(openaiToAnthropicRequest({ ...base, reasoning_effort: 'minimal' }, OPTS).thinking).toBeUndefined();
    const forced = openaiToAnthropicRequest({ ...base, reasoning_effort: 'medium', response_format: { type: 'json_object' } }, OPTS);
    expect(forced.thinking).toBeUndefined();
  });

  it('rejects what Anthropic cannot express with GANTRY_ERR_VALIDATION and the field path', () => {
    const user = (content: unknown): ChatRequest => ({ model: 'm', messages: [{ role: 'user', content: content as never }] });
    expect(validationPath(() => openaiToAnthropicRequest({ ...user('x'), n: 2 }, OPTS))).toBe('/n');
    expect(validationPath(() => openaiToAnthropicRequest(user([{ type: 'input_audio', input_audio: {} }]), OPTS))).toBe('/messages/0/content/0');
    expect(validationPath(() => openaiToAnthropicRequest(user([{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AA==' } }]), OPTS))).toBe(
      '/messages/0/content/0',
    );
    expect(validationPath(() => openaiToAnthropicRequest({ model: 'm', messages: [{ role: 'tool', content: 'x' }] }, OPTS))).toBe('/messages/0/tool_call_id');
    expect(validationPath(() => openaiToAnthropicRequest(user('fine'), OPTS))).toBeUndefined();
  });
});

describe('anthropicToOpenaiRequest', () => {
  const anthropicReq: AnthropicRequest = {
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    system: [
      { type: 'text', text: 'You are terse.' },
      { type: 'text', text: 'Answer in French.', cache_control: { type: 'ephemeral' } },
    ],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather in this photo?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Need the weather tool.', signature: 'sig' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'service down', is_error: true },
          { type: 'text', text: 'Try again?' },
        ],
      },
    ],
    tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
    tool_choice: { type: 'any', disable_parallel_tool_use: true },
    stop_sequences: ['###'],
    temperature: 0.2,
    top_k: 5,
    metadata: { user_id: 'u-1' },
    thinking: { type: 'enabled', budget_tokens: 4000 },
    stream: true,
  };

  it('translates a Messages request into the hub format (golden)', () => {
    expect(anthropicToOpenaiRequest(anthropicReq)).toEqual({
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'You are terse.' }, { type: 'text', text: 'Answer in French.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather in this photo?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
          ],
        },
        {
          role: 'assistant',
          content: 'Checking.',
          reasoning_content: 'Need the weather tool.',
          tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'Error: service down' },
        { role: 'user', content: [{ type: 'text', text: 'Try again?' }] },
      ],
      max_tokens: 1024,
      stop: ['###'],
      temperature: 0.2,
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      user: 'u-1',
      stream: true,
      stream_options: { include_usage: true },
      reasoning_effort: 'medium',
    });
  });

  it('rejects server tools it cannot forward', () => {
    const req: AnthropicRequest = { ...anthropicReq, tools: [{ type: 'web_search_20250305', name: 'web_search', input_schema: {} }] };
    expect(validationPath(() => anthropicToOpenaiRequest(req))).toBe('/tools/0');
  });

  it('round-trips anthropic → openai → anthropic keeping every message, tool and parameter', () => {
    const original: AnthropicRequest = {
      model: 'claude-sonnet-4-5',
      max_tokens: 2048,
      system: 'Be helpful.',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Calling two tools.' },
            { type: 'tool_use', id: 'toolu_a', name: 'f', input: { a: 1, nested: { b: [true, null] } } },
            { type: 'tool_use', id: 'toolu_b', name: 'g', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_a', content: 'A' },
            { type: 'tool_result', tool_use_id: 'toolu_b', content: [{ type: 'text', text: 'B' }] },
            { type: 'text', text: 'Thanks' },
          ],
        },
      ],
      tools: [{ name: 'f', description: 'F', input_schema: { type: 'object' } }, { name: 'g', input_schema: { type: 'object' } }],
      tool_choice: { type: 'tool', name: 'f' },
      stop_sequences: ['STOP'],
      temperature: 0.4,
      top_p: 0.8,
      metadata: { user_id: 'u' },
      stream: true,
    };
    const back = openaiToAnthropicRequest(anthropicToOpenaiRequest(original), { model: original.model, defaultMaxTokens: 1 });
    expect(back).toEqual(original);
  });
});
