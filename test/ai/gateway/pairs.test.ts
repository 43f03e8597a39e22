/**
 * Every inbound protocol × every outbound protocol, streamed and not, with the official SDKs as
 * clients and the fixture servers as providers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/helpers.js';
import { anthropicClient, collectOpenai, MODELS, openaiClient, P, standardConfig, startAi, startFixtures, type Fixtures } from './helpers.js';

type Kind = keyof typeof MODELS;
const KINDS: Kind[] = ['openai', 'anthropic', 'gemini', 'bedrock'];

/** What each fixture answers to `[scenario:text] hi`. */
const TEXT: Record<Kind, string> = {
  openai: 'Hello from the fixture. You said: hi',
  anthropic: 'Hello from the fixture. You said: hi',
  gemini: 'Hello from the Gemini fixture.',
  bedrock: 'Hello from the Bedrock fixture.',
};
const SERVED: Record<Kind, string> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-haiku-4-5-20251001',
  gemini: 'gemini-2.5-flash',
  bedrock: 'amazon.nova-lite-v1:0',
};

let fx: Fixtures;
let gw: Gateway;

beforeAll(async () => {
  fx = await startFixtures();
  gw = await startAi(standardConfig(fx));
});
afterAll(async () => {
  await gw?.close();
  await fx?.close();
});

describe.each(KINDS)('OpenAI client → %s provider', (kind) => {
  it('answers a chat completion with the served model, usage and Gantry headers', async () => {
    const { data, response } = await openaiClient(gw)
      .chat.completions.create({ model: MODELS[kind], messages: [{ role: 'user', content: '[scenario:text] hi' }] })
      .withResponse();
    expect(data.choices[0].message.content).toBe(TEXT[kind]);
    expect(data.choices[0].finish_reason).toBe('stop');
    expect(data.model).toBe(SERVED[kind]);
    expect(data.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage!.completion_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-gantry-provider')).toBe(P[kind]);
    expect(response.headers.get('x-gantry-model')).toBe(SERVED[kind]);
    expect(response.headers.get('x-gantry-attempts')).toBe('1');
    expect(Number(response.headers.get('x-gantry-overhead-ms'))).toBeGreaterThanOrEqual(0);
    expect(response.headers.get('x-request-id')).toMatch(/.+/);
    expect(response.headers.get('content-type')).toBe('application/json');
  });

  it('streams: role first, the whole text, a finish reason, usage when asked, then [DONE]', async () => {
    const { data: stream, response } = await openaiClient(gw)
      .chat.completions.create({ model: MODELS[kind], messages: [{ role: 'user', content: '[scenario:text] hi' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('x-gantry-provider')).toBe(P[kind]);
    const { text, chunks } = await collectOpenai(stream);
    expect(text).toBe(TEXT[kind]);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.some((c) => c.choices[0]?.finish_reason === 'stop')).toBe(true);
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(chunks.every((c) => c.model === SERVED[kind])).toBe(true);
  });

  it('streams without a usage chunk when the client did not ask for one', async () => {
    const stream = await openaiClient(gw).chat.completions.create({ model: MODELS[kind], messages: [{ role: 'user', content: '[scenario:text] hi' }], stream: true });
    const { text, chunks } = await collectOpenai(stream);
    expect(text).toBe(TEXT[kind]);
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
  });
});

describe.each(KINDS)('Anthropic client → %s provider', (kind) => {
  it('answers a message with text, stop reason and usage', async () => {
    const { data, response } = await anthropicClient(gw)
      .messages.create({ model: MODELS[kind], max_tokens: 200, messages: [{ role: 'user', content: '[scenario:text] hi' }] })
      .withResponse();
    expect(data.type).toBe('message');
    expect(data.content[0]).toMatchObject({ type: 'text', text: TEXT[kind] });
    expect(data.stop_reason).toBe('end_turn');
    expect(data.model).toBe(SERVED[kind]);
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    expect(data.usage.output_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-gantry-provider')).toBe(P[kind]);
  });

  it('streams events from message_start to message_stop, and the SDK assembles the message', async () => {
    const events: string[] = [];
    const stream = anthropicClient(gw).messages.stream({ model: MODELS[kind], max_tokens: 200, messages: [{ role: 'user', content: '[scenario:text] hi' }] });
    stream.on('streamEvent', (ev) => void events.push(ev.type));
    const message = await stream.finalMessage();
    expect(message.content.map((b) => (b.type === 'text' ? b.text : '')).join('')).toBe(TEXT[kind]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(events[0]).toBe('message_start');
    expect(events[events.length - 1]).toBe('message_stop');
    expect(events).toContain('message_delta');
  });
});

describe('model names', () => {
  it('resolves a bare catalog name and a catalog id to an enabled provider of that kind', async () => {
    const client = openaiClient(gw);
    const bare = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(bare.response.headers.get('x-gantry-provider')).toBe(P.openai);
    const id = await client.chat.completions.create({ model: 'anthropic/claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(id.response.headers.get('x-gantry-provider')).toBe(P.anthropic);
    expect(id.data.model).toBe('claude-haiku-4-5-20251001');
  });
});
