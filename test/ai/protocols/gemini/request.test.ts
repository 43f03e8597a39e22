import { describe, expect, it } from 'vitest';
import { GantryError } from '../../../../src/core/errors.js';
import { GEMINI_DUMMY_THOUGHT_SIGNATURE, openaiToGeminiRequest } from '../../../../src/ai/protocols/gemini/request.js';
import { toGeminiParameters, toGeminiSchema } from '../../../../src/ai/protocols/gemini/schema.js';
import type { ChatRequest, ToolCallExtraContent } from '../../../../src/ai/protocols/openai-types.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
      required: ['city'],
      additionalProperties: false,
    },
  },
};

describe('openaiToGeminiRequest', () => {
  it('translates a full conversation into contents, systemInstruction, tools and generationConfig', () => {
    const req: ChatRequest = {
      model: 'gemini-2.5-flash',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in English.' }] },
        { role: 'user', content: 'Weather in Paris and Rome?' },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }, { type: 'image_url', image_url: { url: 'https://example.com/cat.webp?x=1' } }] },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '18C' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '24C' }] },
        { role: 'assistant', content: 'Paris 18C, Rome 24C.' },
        { role: 'user', content: 'Thanks' },
      ],
      tools: [WEATHER_TOOL],
      tool_choice: 'auto',
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 100,
      max_completion_tokens: 256,
      stop: 'END',
      n: 2,
      seed: 7,
      presence_penalty: 0.1,
      frequency_penalty: 0.3,
    };
    const { body, path } = openaiToGeminiRequest(req, { model: 'gemini-2.5-flash' });
    expect(path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(body).toEqual({
      systemInstruction: { parts: [{ text: 'You are terse.' }, { text: 'Answer in English.' }] },
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'Weather in Paris and Rome?' },
            { inlineData: { mimeType: 'image/png', data: PNG } },
            { fileData: { fileUri: 'https://example.com/cat.webp?x=1', mimeType: 'image/webp' } },
          ],
        },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }, { functionCall: { name: 'get_weather', args: { city: 'Rome' } } }] },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'get_weather', response: { content: '18C' } } },
            { functionResponse: { name: 'get_weather', response: { content: '24C' } } },
          ],
        },
        { role: 'model', parts: [{ text: 'Paris 18C, Rome 24C.' }] },
        { role: 'user', parts: [{ text: 'Thanks' }] },
      ],
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_weather',
              description: 'Current weather for a city',
              parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'] },
            },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
      generationConfig: {
        temperature: 0.2,
        topP: 0.9,
        maxOutputTokens: 256,
        stopSequences: ['END'],
        candidateCount: 2,
        seed: 7,
        presencePenalty: 0.1,
        frequencyPenalty: 0.3,
      },
    });
  });

  it('uses the SSE streaming path and escapes the model, dropping a models/ prefix', () => {
    const req: ChatRequest = { model: 'x', messages: [{ role: 'user', content: 'hi' }], stream: true };
    expect(openaiToGeminiRequest(req, { model: 'models/gemini-2.0-flash' }).path).toBe('/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse');
    expect(openaiToGeminiRequest(req, { model: 'a/b:c' }).path).toBe('/v1beta/models/a%2Fb%3Ac:streamGenerateContent?alt=sse');
  });

  it.each([
    ['none', { mode: 'NONE' }],
    ['required', { mode: 'ANY' }],
    [{ type: 'function', function: { name: 'get_weather' } }, { mode: 'ANY', allowedFunctionNames: ['get_weather'] }],
  ] as const)('maps tool_choice %j to functionCallingConfig', (choice, config) => {
    const req: ChatRequest = { model: 'x', messages: [{ role: 'user', content: 'hi' }], tools: [WEATHER_TOOL], tool_choice: choice as ChatRequest['tool_choice'] };
    expect(openaiToGeminiRequest(req, { model: 'gemini-2.5-flash' }).body.toolConfig).toEqual({ functionCallingConfig: config });
  });

  it('asks for JSON output and converts a json_schema response format', () => {
    const base: ChatRequest = { model: 'x', messages: [{ role: 'user', content: 'hi' }] };
    const asObject = openaiToGeminiRequest({ ...base, response_format: { type: 'json_object' } }, { model: 'gemini-2.5-flash' }).body;
    expect(asObject.generationConfig).toEqual({ responseMimeType: 'application/json' });
    const schema = { type: 'object', properties: { answer: { type: 'integer' } }, required: ['answer'], additionalProperties: false };
    const asSchema = openaiToGeminiRequest({ ...base, response_format: { type: 'json_schema', json_schema: { name: 'a', schema, strict: true } } }, { model: 'gemini-2.5-flash' }).body;
    expect(asSchema.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseSchema: { type: 'object', properties: { answer: { type: 'integer' } }, required: ['answer'] },
    });
  });

  it('maps reasoning_effort to a thinking budget before Gemini 3 and to a thinking level from Gemini 3 on', () => {
    const req: ChatRequest = { model: 'x', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'medium' };
    expect(openaiToGeminiRequest(req, { model: 'gemini-2.5-pro' }).body.generationConfig).toEqual({ thinkingConfig: { includeThoughts: true, thinkingBudget: 8192 } });
    expect(openaiToGeminiRequest(req, { model: 'gemini-3.1-pro-preview' }).body.generationConfig).toEqual({ thinkingConfig: { includeThoughts: true, thinkingLevel: 'high' } });
    expect(openaiToGeminiRequest({ ...req, reasoning_effort: 'minimal' }, { model: 'gemini-3.5-flash' }).body.generationConfig?.thinkingConfig?.thinkingLevel).toBe('low');
  });

  it('replays thought signatures from extra_content and puts the documented placeholder on unsigned Gemini 3 calls', () => {
    const req = (extra?: ToolCallExtraContent): ChatRequest => ({
      model: 'x',
      messages: [
        { role: 'user', content: 'go' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'a', type: 'function', function: { name: 'f', arguments: '{}' }, ...(extra ? { extra_content: extra } : {}) },
            { id: 'b', type: 'function', function: { name: 'g', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'a', content: '1' },
        { role: 'tool', tool_call_id: 'b', content: '2' },
      ],
    });
    const signed = openaiToGeminiRequest(req({ google: { thought_signature: 'c2ln' } }), { model: 'gemini-3.1-pro-preview' }).body.contents[1].parts;
    expect(signed).toEqual([{ functionCall: { name: 'f', args: {} }, thoughtSignature: 'c2ln' }, { functionCall: { name: 'g', args: {} } }]);
    const unsigned3 = openaiToGeminiRequest(req(), { model: 'gemini-3.1-pro-preview' }).body.contents[1].parts;
    expect(unsigned3[0].thoughtSignature).toBe(GEMINI_DUMMY_THOUGHT_SIGNATURE);
    expect(unsigned3[1].thoughtSignature).toBeUndefined();
    const unsigned25 = openaiToGeminiRequest(req(), { model: 'gemini-2.5-flash' }).body.contents[1].parts;
    expect(unsigned25.some((p) => p.thoughtSignature !== undefined)).toBe(false);
  });

  it.each([
    [{ role: 'tool', tool_call_id: 'nope', content: 'x' }, /matches no earlier assistant tool call/],
    [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }] }, /not valid JSON/],
    [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1]' } }] }, /must be a JSON object/],
    [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://host/a.png' } }] }, /data: URL or an http\(s\) URL/],
    [{ role: 'user', content: [{ type: 'video', video: {} }] }, /not supported by Gemini/],
  ])('refuses %j with GANTRY_ERR_VALIDATION', (message, pattern) => {
    const req = { model: 'x', messages: [{ role: 'user', content: 'hi' }, message] } as ChatRequest;
    let err: unknown;
    try {
      openaiToGeminiRequest(req, { model: 'gemini-2.5-flash' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GantryError);
    expect((err as GantryError).code).toBe('GANTRY_ERR_VALIDATION');
    expect((err as GantryError).message).toMatch(pattern);
  });
});

describe('Gemini schema conversion', () => {
  it('strips keywords Gemini rejects and rewrites refs, unions and nullability', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'urn:x',
      type: 'object',
      additionalProperties: false,
      $defs: { Address: { type: 'object', properties: { street: { type: 'string', format: 'uri' } }, additionalProperties: false } },
      properties: {
        home: { $ref: '#/$defs/Address', description: 'Where they live' },
        nickname: { type: ['string', 'null'], minLength: 1 },
        age: { anyOf: [{ type: 'integer', minimum: 0, exclusiveMinimum: 0 }, { type: 'null' }] },
        kind: { const: 'person' },
        id: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
        tags: { type: 'array', items: { type: 'string' }, uniqueItems: true, examples: [['a']] },
        level: { enum: [1, 2, null] },
        both: { allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }] },
      },
      required: ['home', 'ghost', 'age'],
      patternProperties: { '^x-': { type: 'string' } },
    };
    expect(toGeminiSchema(schema)).toEqual({
      type: 'object',
      properties: {
        home: { type: 'object', description: 'Where they live', properties: { street: { type: 'string', format: 'uri' } } },
        nickname: { type: 'string', nullable: true, minLength: 1 },
        age: { type: 'integer', minimum: 0, nullable: true },
        kind: { type: 'string', enum: ['person'] },
        id: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
        tags: { type: 'array', items: { type: 'string' }, example: ['a'] },
        level: { type: 'string', enum: ['1', '2'], nullable: true },
        both: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
      },
      required: ['home', 'age'],
    });
  });

  it('stops at recursive refs instead of looping', () => {
    const schema = { type: 'object', properties: { node: { $ref: '#' } } };
    expect(toGeminiSchema(schema)).toEqual({ type: 'object', properties: { node: { type: 'object', properties: { node: { type: 'object' } } } } });
  });

  it('gives no parameters for a function that takes none', () => {
    expect(toGeminiParameters({ type: 'object', properties: {}, additionalProperties: false })).toBeUndefined();
    expect(toGeminiParameters(undefined)).toBeUndefined();
    const req: ChatRequest = { model: 'x', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } }] };
    expect(openaiToGeminiRequest(req, { model: 'gemini-2.5-flash' }).body.tools).toEqual([{ functionDeclarations: [{ name: 'now' }] }]);
  });
});
