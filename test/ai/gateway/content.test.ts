/**
 * Tools, images and structured output across protocol pairs, through the SDKs' own stream helpers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/helpers.js';
import { anthropicClient, MODELS, openaiClient, standardConfig, startAi, startFixtures, type AiConfig, type Fixtures } from './helpers.js';

type Kind = keyof typeof MODELS;
const KINDS: Kind[] = ['openai', 'anthropic', 'gemini', 'bedrock'];
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

const TOOLS = [
  { type: 'function' as const, function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] } } },
  { type: 'function' as const, function: { name: 'get_time', description: 'Time in a zone', parameters: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] } } },
];
const ANTHROPIC_TOOLS = TOOLS.map((t) => ({ name: t.function.name, description: t.function.description, input_schema: t.function.parameters as { type: 'object'; [k: string]: unknown } }));

let fx: Fixtures;
let gw: Gateway;
let config: AiConfig;

beforeAll(async () => {
  fx = await startFixtures();
  config = standardConfig(fx).alias('vision', [{ provider_id: 'prov_br', model: 'amazon.nova-lite-v1:0' }, { provider_id: 'prov_oa', model: 'gpt-4o-mini' }]);
  gw = await startAi(config);
});
afterAll(async () => {
  await gw?.close();
  await fx?.close();
});

function fixtureOf(kind: Kind) {
  return fx[kind];
}

describe.each(KINDS)('tools with a %s provider', (kind) => {
  it('streams two tool calls to an OpenAI client, each with complete arguments and its own index', async () => {
    const stream = openaiClient(gw).chat.completions.stream({ model: MODELS[kind], messages: [{ role: 'user', content: '[scenario:tools] weather and time in Paris' }], tools: TOOLS });
    const indexes = new Set<number>();
    stream.on('chunk', (c) => c.choices[0]?.delta?.tool_calls?.forEach((t) => indexes.add(t.index)));
    const done = await stream.finalChatCompletion();
    const choice = done.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    const calls = choice.message.tool_calls!.map((c) => (c.type === 'function' ? { id: c.id, name: c.function.name, args: JSON.parse(c.function.arguments) } : null));
    expect(calls.map((c) => c!.name)).toEqual(['get_weather', 'get_time']);
    expect(calls[0]!.args.city).toBe('Paris');
    expect(calls[1]!.args).toEqual({ timezone: 'Europe/Paris' });
    expect(new Set(calls.map((c) => c!.id)).size).toBe(2);
    expect([...indexes].sort()).toEqual([0, 1]);
  });

  it('streams two tool_use blocks to an Anthropic client, inputs complete', async () => {
    const stream = anthropicClient(gw).messages.stream({ model: MODELS[kind], max_tokens: 300, messages: [{ role: 'user', content: '[scenario:tools] weather and time in Paris' }], tools: ANTHROPIC_TOOLS });
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    const uses = message.content.filter((b) => b.type === 'tool_use');
    expect(uses.map((u) => u.name)).toEqual(['get_weather', 'get_time']);
    expect((uses[0].input as { city: string }).city).toBe('Paris');
    expect(uses[1].input).toEqual({ timezone: 'Europe/Paris' });
  });
});

describe('images in user content', () => {
  const content = [
    { type: 'text' as const, text: '[scenario:text] what is this?' },
    { type: 'image_url' as const, image_url: { url: `data:image/png;base64,${PNG}` } },
  ];

  it.each(KINDS)('reach a %s provider in its own image form', async (kind) => {
    const f = fixtureOf(kind);
    const before = f.requests.length;
    const res = await openaiClient(gw).chat.completions.create({ model: MODELS[kind], messages: [{ role: 'user', content }] });
    expect(res.choices[0].message.content).toBeTruthy();
    const body = f.requests[before].body;
    const sent = JSON.stringify(body);
    expect(sent).toContain(PNG.slice(0, 40));
    if (kind === 'anthropic') expect(body.messages[0].content).toContainEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } });
    if (kind === 'gemini') expect(body.contents[0].parts).toContainEqual({ inlineData: { mimeType: 'image/png', data: PNG } });
    if (kind === 'bedrock') expect(body.messages[0].content.some((b: { image?: { format: string } }) => b.image?.format === 'png')).toBe(true);
    if (kind === 'openai') expect(body.messages[0].content[1]).toEqual(content[1]);
  });

  it('by URL: a provider that needs the bytes refuses (400), an alias falls back past it', async () => {
    const byUrl = [{ type: 'text' as const, text: '[scenario:text] hi' }, { type: 'image_url' as const, image_url: { url: 'https://example.com/cat.png' } }];
    const err = await openaiClient(gw).chat.completions.create({ model: MODELS.bedrock, messages: [{ role: 'user', content: byUrl }] }).then(() => null, (e: unknown) => e as { status: number; code: string });
    expect(err).toMatchObject({ status: 400, code: 'GANTRY_ERR_AI_INVALID_REQUEST' });
    const { response } = await openaiClient(gw).chat.completions.create({ model: 'vision', messages: [{ role: 'user', content: byUrl }] }).withResponse();
    expect(response.headers.get('x-gantry-provider')).toBe('oa');
  });

  it('reach an OpenAI provider from an Anthropic client as a data URL', async () => {
    const before = fx.openai.requests.length;
    await anthropicClient(gw).messages.create({
      model: MODELS.openai,
      max_tokens: 100,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] }],
    });
    const parts = fx.openai.requests[before].body.messages[0].content;
    expect(parts).toContainEqual({ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } });
  });
});

describe.each(KINDS)('structured output with a %s provider', (kind) => {
  it('answers json_object with a JSON object as the content', async () => {
    const res = await openaiClient(gw).chat.completions.create({
      model: MODELS[kind],
      messages: [{ role: 'user', content: '[scenario:json] who?' }],
      response_format: { type: 'json_object' },
    });
    const value = JSON.parse(res.choices[0].message.content!);
    expect(typeof value).toBe('object');
    expect(res.choices[0].finish_reason).toBe('stop');
  });

  it('answers json_schema with the schema sent in the provider form, streamed', async () => {
    const f = fixtureOf(kind);
    const before = f.requests.length;
    const schema = { type: 'object', properties: { name: { type: 'string' }, born: { type: 'integer' }, answer: { type: 'integer' } } };
    const stream = openaiClient(gw).chat.completions.stream({
      model: MODELS[kind],
      messages: [{ role: 'user', content: '[scenario:json] who?' }],
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema } },
    });
    const done = await stream.finalChatCompletion();
    expect(typeof JSON.parse(done.choices[0].message.content!)).toBe('object');
    const body = f.requests[before].body;
    if (kind === 'anthropic') expect(body.tool_choice).toMatchObject({ type: 'tool', name: 'person' });
    if (kind === 'gemini') expect(body.generationConfig.responseMimeType).toBe('application/json');
    if (kind === 'bedrock') expect(body.toolConfig.toolChoice).toEqual({ tool: { name: 'person' } });
    if (kind === 'openai') expect(body.response_format.json_schema.name).toBe('person');
  });
});
