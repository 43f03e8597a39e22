/**
 * What the AI cache stores: streams folded back into whole answers (the inverse of the replay that
 * serves them), and the checks that keep errors, cut streams and broken tool calls out.
 */
import { describe, expect, it } from 'vitest';
import { replayAnthropicSse, replayOpenAiSse } from '../../../src/cache/ai-replay.js';
import { assembleAnthropicMessage, assembleOpenAiChat } from '../../../src/ai/gateway/cache/assemble.js';
import { unstorable } from '../../../src/ai/gateway/cache/entry.js';
import type { AnthropicResponse } from '../../../src/ai/protocols/anthropic/types.js';
import type { ChatResponse } from '../../../src/ai/protocols/openai-types.js';
import { validatePolicyConfig } from '../../../src/gateway/index.js';

const chat: ChatResponse = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1735689600,
  model: 'gpt-4o-mini',
  system_fingerprint: 'fp_1',
  choices: [
    { index: 0, message: { role: 'assistant', content: 'Bonjour à tous 👋, a longer answer split in pieces', reasoning_content: 'thinking it over' }, finish_reason: 'stop', logprobs: null },
    {
      index: 1,
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } },
          { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 },
};

const message: AnthropicResponse = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-haiku-4-5',
  content: [
    { type: 'thinking', thinking: 'Let me see what the weather tool needs.', signature: 'sig' },
    { type: 'text', text: 'I will look it up for you, one moment.' },
    { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris', days: [1, 2] } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 20, output_tokens: 15, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
};

describe('assembling an OpenAI chat stream', () => {
  it('gives back the completion a replay was made from: choices, reasoning, tool calls, usage', () => {
    const text = replayOpenAiSse(chat, { includeUsage: true, chunkChars: 5 }).join('');
    expect(assembleOpenAiChat(text)).toEqual(chat);
  });

  it('refuses a stream without [DONE], with an error event, or with a choice never finished', () => {
    const frames = replayOpenAiSse(chat, { chunkChars: 5 });
    expect(assembleOpenAiChat(frames.slice(0, -1).join(''))).toBeNull();
    expect(assembleOpenAiChat([...frames.slice(0, 3), 'data: {"error":{"message":"boom"}}\n\n', 'data: [DONE]\n\n'].join(''))).toBeNull();
    const unfinished = frames.filter((f) => !f.includes('"finish_reason":"tool_calls"')).join('');
    expect(assembleOpenAiChat(unfinished)).toBeNull();
  });
});

describe('assembling an Anthropic message stream', () => {
  it('gives back the message: thinking with its signature, text, tool input, stop reason and usage', () => {
    const text = replayAnthropicSse(message, { chunkChars: 4 }).join('');
    expect(assembleAnthropicMessage(text)).toEqual(message);
  });

  it('refuses a stream cut before message_stop, an error event, or tool input that is not JSON', () => {
    const frames = replayAnthropicSse(message, { chunkChars: 4 });
    expect(assembleAnthropicMessage(frames.slice(0, -1).join(''))).toBeNull();
    expect(assembleAnthropicMessage([...frames.slice(0, -1), 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"x"}}\n\n'].join(''))).toBeNull();
    const broken = frames.map((f) => f.replace('"partial_json":"{\\"ci"', '"partial_json":"{ci"')).join('');
    expect(broken).not.toBe(frames.join(''));
    expect(assembleAnthropicMessage(broken)).toBeNull();
  });
});

describe('what is never stored', () => {
  it('a chat completion with a tool call whose arguments are not JSON, or an unfinished choice', () => {
    expect(unstorable('openai-chat', chat)).toBeNull();
    const badArgs = structuredClone(chat);
    badArgs.choices[1].message.tool_calls![0].function.arguments = '{"city":';
    expect(unstorable('openai-chat', badArgs)).toMatch(/tool call/);
    const unfinished = structuredClone(chat);
    unfinished.choices[0].finish_reason = null;
    expect(unstorable('openai-chat', unfinished)).toMatch(/unfinished/);
    expect(unstorable('openai-chat', { error: { message: 'x' } })).toMatch(/error/);
  });

  it('a message without a stop reason or with a tool input that is not an object; empty embeddings', () => {
    expect(unstorable('anthropic-messages', message)).toBeNull();
    expect(unstorable('anthropic-messages', { ...message, stop_reason: null })).not.toBeNull();
    expect(unstorable('anthropic-messages', { ...message, content: [{ type: 'tool_use', id: 't', name: 'n', input: '{' }] })).toMatch(/tool call/);
    expect(unstorable('openai-embeddings', { object: 'list', data: [] })).not.toBeNull();
    expect(unstorable('openai-embeddings', { object: 'list', data: [{ embedding: [0.1] }] })).toBeNull();
  });
});

describe('ai-cache options', () => {
  it('applies defaults: an hour, memory, every endpoint, shared per team', () => {
    expect(validatePolicyConfig('ai-cache', {})).toEqual({
      ttl_seconds: 3600,
      store: 'memory',
      endpoints: ['chat', 'messages', 'embeddings'],
      share: 'team',
      max_entry_bytes: 2 * 1024 * 1024,
      bypass_header: 'X-Gantry-Cache',
      honor_cache_control: true,
      deterministic_only: false,
      coalesce: true,
      coalesce_wait_ms: 60_000,
    });
  });

  it('refuses bad options with the path of each problem', () => {
    for (const [config, path] of [
      [{ ttl_seconds: 0 }, '/ttl_seconds'],
      [{ endpoints: [] }, '/endpoints'],
      [{ endpoints: ['models'] }, '/endpoints/0'],
      [{ share: 'everyone' }, '/share'],
      [{ store: 'disk' }, '/store'],
      [{ bypass_header: 'bad header' }, '/bypass_header'],
      [{ ttl: 5 }, '/ttl'],
    ] as const) {
      let err: { code?: string; details?: Array<{ path: string }> } | undefined;
      try {
        validatePolicyConfig('ai-cache', config);
      } catch (e) {
        err = e as typeof err;
      }
      expect(err?.code, JSON.stringify(config)).toBe('GANTRY_ERR_VALIDATION');
      expect(err?.details?.map((d) => d.path), JSON.stringify(config)).toContain(path);
    }
  });
});
