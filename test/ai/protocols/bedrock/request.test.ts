import { describe, expect, it } from 'vitest';
import { BEDROCK_JSON_TOOL, openaiToConverseRequest } from '../../../../src/ai/protocols/bedrock/request.js';
import type { ChatRequest } from '../../../../src/ai/protocols/openai-types.js';
import { GantryError } from '../../../../src/core/errors.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const WEATHER = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe('openaiToConverseRequest', () => {
  it('translates a tool conversation into alternating Converse messages', () => {
    const req: ChatRequest = {
      model: 'x',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather?' },
        { role: 'user', content: [{ type: 'text', text: 'In Paris and Rome.' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'tooluse_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'tooluse_1', content: '18C' },
        { role: 'tool', tool_call_id: 'tooluse_2', content: '24C' },
        { role: 'developer', content: 'Use Celsius.' },
        { role: 'user', content: 'And?' },
      ],
      tools: [WEATHER],
      tool_choice: 'auto',
      max_tokens: 50,
      max_completion_tokens: 300,
      temperature: 0.5,
      top_p: 0.8,
      stop: ['END', 'STOP'],
      seed: 3,
    };
    const { path, body, jsonTool } = openaiToConverseRequest(req, { model: MODEL });
    expect(path).toBe('/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse');
    expect(jsonTool).toBeUndefined();
    expect(body).toEqual({
      system: [{ text: 'Be brief.' }, { text: 'Use Celsius.' }],
      messages: [
        { role: 'user', content: [{ text: 'Weather?' }, { text: 'In Paris and Rome.' }, { image: { format: 'png', source: { bytes: PNG } } }] },
        {
          role: 'assistant',
          content: [
            { text: 'Checking.' },
            { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } } },
            { toolUse: { toolUseId: 'tooluse_2', name: 'get_weather', input: { city: 'Rome' } } },
          ],
        },
        {
          role: 'user',
          content: [
            { toolResult: { toolUseId: 'tooluse_1', content: [{ text: '18C' }] } },
            { toolResult: { toolUseId: 'tooluse_2', content: [{ text: '24C' }] } },
            { text: 'And?' },
          ],
        },
      ],
      inferenceConfig: { maxTokens: 300, temperature: 0.5, topP: 0.8, stopSequences: ['END', 'STOP'] },
      toolConfig: {
        tools: [{ toolSpec: { name: 'get_weather', description: 'Weather for a city', inputSchema: { json: WEATHER.function.parameters } } }],
        toolChoice: { auto: {} },
      },
    });
  });

  it('encodes inference-profile ARNs in the streaming path', () => {
    const req: ChatRequest = { model: 'x', stream: true, messages: [{ role: 'user', content: 'hi' }] };
    expect(openaiToConverseRequest(req, { model: 'arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0' }).path).toBe(
      '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123%3Ainference-profile%2Fus.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream',
    );
  });

  it.each([
    ['required', { any: {} }],
    [{ type: 'function', function: { name: 'get_weather' } }, { tool: { name: 'get_weather' } }],
    [undefined, undefined],
  ])('maps tool_choice %j to %j', (choice, expected) => {
    const req = { model: 'x', messages: [{ role: 'user', content: 'hi' }], tools: [WEATHER], tool_choice: choice } as ChatRequest;
    expect(openaiToConverseRequest(req, { model: MODEL }).body.toolConfig?.toolChoice).toEqual(expected);
  });

  it('leaves tools out for tool_choice none, but keeps a toolConfig when the history has tool blocks', () => {
    const plain: ChatRequest = { model: 'x', messages: [{ role: 'user', content: 'hi' }], tools: [WEATHER], tool_choice: 'none' };
    expect(openaiToConverseRequest(plain, { model: MODEL }).body.toolConfig).toBeUndefined();
    const history: ChatRequest = {
      model: 'x',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 't1', content: 'sunny' },
      ],
    };
    expect(openaiToConverseRequest({ ...history, tools: [WEATHER], tool_choice: 'none' }, { model: MODEL }).body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'get_weather', description: 'Weather for a city', inputSchema: { json: WEATHER.function.parameters } } }],
    });
    expect(openaiToConverseRequest(history, { model: MODEL }).body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object' } } } }],
    });
  });

  it('forces a tool for json_schema and json_object response formats', () => {
    const schema = { type: 'object', properties: { answer: { type: 'integer' } }, required: ['answer'] };
    const base: ChatRequest = { model: 'x', messages: [{ role: 'user', content: 'hi' }] };
    const asSchema = openaiToConverseRequest({ ...base, response_format: { type: 'json_schema', json_schema: { name: 'the answer!', schema } } }, { model: MODEL });
    expect(asSchema.jsonTool).toBe('the_answer_');
    expect(asSchema.body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'the_answer_', description: expect.any(String), inputSchema: { json: schema } } }],
      toolChoice: { tool: { name: 'the_answer_' } },
    });
    const asObject = openaiToConverseRequest({ ...base, response_format: { type: 'json_object' } }, { model: MODEL });
    expect(asObject.jsonTool).toBe(BEDROCK_JSON_TOOL);
    expect(asObject.body.toolConfig?.tools[0].toolSpec.inputSchema).toEqual({ json: { type: 'object' } });
    const withTools = openaiToConverseRequest({ ...base, tools: [WEATHER], response_format: { type: 'json_object' } }, { model: MODEL });
    expect(withTools.body.toolConfig?.toolChoice).toEqual({ any: {} });
    expect(withTools.body.toolConfig?.tools.map((t) => t.toolSpec.name)).toEqual(['get_weather', BEDROCK_JSON_TOOL]);
  });

  it.each([
    [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }, /needs image bytes inline/],
    [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AAAA' } }] }, /png, jpeg, gif or webp/],
    [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }, /not supported by Bedrock/],
    [{ role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: 'nope' } }] }, /not valid JSON/],
    [{ role: 'tool', content: 'x' }, /tool_call_id is required/],
  ])('refuses %j with GANTRY_ERR_VALIDATION', (message, pattern) => {
    const req = { model: 'x', messages: [{ role: 'user', content: 'hi' }, message] } as ChatRequest;
    let err: unknown;
    try {
      openaiToConverseRequest(req, { model: MODEL });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GantryError);
    expect((err as GantryError).code).toBe('GANTRY_ERR_VALIDATION');
    expect((err as GantryError).message).toMatch(pattern);
  });

  it('refuses n > 1: Converse returns one choice', () => {
    expect(() => openaiToConverseRequest({ model: 'x', n: 2, messages: [{ role: 'user', content: 'hi' }] }, { model: MODEL })).toThrow(/single choice/);
  });
});
