import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnthropicResponse } from '../../src/ai/protocols/anthropic/types.js';
import type { ChatChunk, ChatResponse } from '../../src/ai/protocols/openai-types.js';
import { SseParser, type SseEvent } from '../../src/ai/transport/sse.js';
import { replayAnthropicSse, replayOpenAiSse, splitText } from '../../src/cache/index.js';

const TEXT = 'Paris 🇫🇷 is the capital of France — 巴黎是法国的首都. 😀 '.repeat(3);

const CHAT: ChatResponse = {
  id: 'chatcmpl-cached',
  object: 'chat.completion',
  created: 1_760_000_000,
  model: 'gpt-4o-mini-2024-07-18',
  system_fingerprint: 'fp_1',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: TEXT,
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } },
          { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' } },
        ],
      },
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 34, total_tokens: 46 },
};

const MESSAGE: AnthropicResponse = {
  id: 'msg_cached',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content: [
    { type: 'thinking', thinking: 'The user wants the weather. '.repeat(4), signature: 'sig-abc' },
    { type: 'text', text: TEXT },
    { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris', days: [1, 2] } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 20, output_tokens: 40, cache_read_input_tokens: 5, cache_creation_input_tokens: 0 },
};

/** Feeds the frames to the project's SSE parser in awkward 7-byte pieces. */
function parse(frames: string[]): SseEvent[] {
  const bytes = Buffer.from(frames.join(''));
  const parser = new SseParser();
  const out: SseEvent[] = [];
  for (let i = 0; i < bytes.length; i += 7) out.push(...parser.push(bytes.subarray(i, i + 7)));
  out.push(...parser.end());
  expect(parser.hadIncompleteEvent).toBe(false);
  return out;
}

describe('splitText', () => {
  it('cuts by code points, never inside a surrogate pair', () => {
    const pieces = splitText('a😀b😀c', 2);
    expect(pieces).toEqual(['a😀', 'b😀', 'c']);
    expect(splitText('', 3)).toEqual([]);
  });
});

describe('OpenAI replay, parsed back with SseParser', () => {
  it('is role first, content and tool calls in order with indices, finish_reason, usage chunk, then [DONE]', () => {
    const events = parse(replayOpenAiSse(CHAT, { includeUsage: true, chunkChars: 10 }));
    expect(events.at(-1)!.data).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data) as ChatChunk);
    for (const c of chunks) {
      expect(c).toMatchObject({ id: CHAT.id, object: 'chat.completion.chunk', created: CHAT.created, model: CHAT.model, system_fingerprint: 'fp_1' });
      expect('usage' in c).toBe(true);
    }
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toEqual(CHAT.usage);
    const body = chunks.slice(0, -1);
    expect(body.slice(0, -1).every((c) => c.choices[0].finish_reason === null && c.usage === null)).toBe(true);
    expect(body.at(-1)!.choices[0]).toMatchObject({ delta: {}, finish_reason: 'tool_calls' });
    const content = body.map((c) => c.choices[0].delta.content ?? '').join('');
    expect(content).toBe(TEXT);
    const calls: Record<number, { id?: string; name?: string; args: string }> = {};
    for (const c of body) {
      for (const tc of c.choices[0].delta.tool_calls ?? []) {
        const call = (calls[tc.index] ??= { args: '' });
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.name = tc.function.name;
        call.args += tc.function?.arguments ?? '';
      }
    }
    expect(calls).toEqual({
      0: { id: 'call_a', name: 'get_weather', args: '{"city":"Paris","unit":"celsius"}' },
      1: { id: 'call_b', name: 'get_time', args: '{"timezone":"Europe/Paris"}' },
    });
  });

  it('sends no usage field and no usage chunk unless include_usage was asked', () => {
    const chunks = parse(replayOpenAiSse(CHAT)).slice(0, -1).map((e) => JSON.parse(e.data) as ChatChunk);
    expect(chunks.every((c) => !('usage' in c) && c.choices.length === 1)).toBe(true);
  });

  it('replays every choice of an n > 1 answer under its index', () => {
    const two: ChatResponse = {
      ...CHAT,
      choices: [
        { index: 1, message: { role: 'assistant', content: 'second' }, finish_reason: 'stop' },
        { index: 0, message: { role: 'assistant', content: 'first' }, finish_reason: 'length' },
      ],
    };
    const chunks = parse(replayOpenAiSse(two)).slice(0, -1).map((e) => JSON.parse(e.data) as ChatChunk);
    const byIndex = (i: number) => chunks.filter((c) => c.choices[0].index === i);
    expect(byIndex(0).map((c) => c.choices[0].delta.content ?? '').join('')).toBe('first');
    expect(byIndex(1).map((c) => c.choices[0].delta.content ?? '').join('')).toBe('second');
    expect(byIndex(0).at(-1)!.choices[0].finish_reason).toBe('length');
  });
});

describe('Anthropic replay, parsed back with SseParser', () => {
  it('is message_start, each block started, delta-ed and stopped in order, message_delta, message_stop', () => {
    const events = parse(replayAnthropicSse(MESSAGE, { chunkChars: 8 }));
    for (const e of events) expect(JSON.parse(e.data).type).toBe(e.event);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('message_start');
    expect(names.slice(-2)).toEqual(['message_delta', 'message_stop']);
    const blockEvents = events.slice(1, -2).map((e) => JSON.parse(e.data) as { type: string; index: number });
    let open = -1;
    for (const ev of blockEvents) {
      if (ev.type === 'content_block_start') {
        expect(open).toBe(-1);
        open = ev.index;
      } else {
        expect(ev.index).toBe(open);
        if (ev.type === 'content_block_stop') open = -1;
      }
    }
    expect(open).toBe(-1);
    expect(blockEvents.filter((e) => e.type === 'content_block_start').map((e) => e.index)).toEqual([0, 1, 2]);
    expect(JSON.parse(events.at(-2)!.data)).toMatchObject({ delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 40 } });
  });
});

describe('replays read by the real SDKs', () => {
  let server: http.Server;
  let base = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const parsed = JSON.parse(body) as { stream_options?: { include_usage?: boolean } };
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const frames = req.url!.endsWith('/chat/completions')
          ? replayOpenAiSse(CHAT, { includeUsage: parsed.stream_options?.include_usage === true, chunkChars: 5 })
          : replayAnthropicSse(MESSAGE, { chunkChars: 5 });
        for (const f of frames) res.write(f);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('the OpenAI SDK accumulates exactly the cached completion', async () => {
    const client = new OpenAI({ apiKey: 'k', baseURL: `${base}/v1`, maxRetries: 0 });
    const stream = client.chat.completions.stream({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } });
    const done = await stream.finalChatCompletion();
    const choice = done.choices[0];
    expect(choice.message.content).toBe(TEXT);
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.tool_calls).toEqual(CHAT.choices[0].message.tool_calls);
    expect(done.usage).toEqual(CHAT.usage);
    expect(done.id).toBe(CHAT.id);
  });

  it('the Anthropic SDK accumulates exactly the cached message', async () => {
    const client = new Anthropic({ apiKey: 'k', baseURL: base, maxRetries: 0 });
    const message = await client.messages.stream({ model: 'claude-test-model', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(message.content).toEqual(MESSAGE.content);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject(MESSAGE.usage);
    expect(message.id).toBe(MESSAGE.id);
  });
});
