import { describe, expect, it } from 'vitest';
import { ensureStreamUsage, normalizeOpenaiUsage, usageFromChunk } from '../../../../src/ai/protocols/openai/index.js';
import type { ChatRequest } from '../../../../src/ai/protocols/openai-types.js';

describe('normalizeOpenaiUsage', () => {
  it('reads cached and reasoning tokens from the details objects (OpenAI reference shape)', () => {
    expect(
      normalizeOpenaiUsage({
        prompt_tokens: 2006,
        completion_tokens: 300,
        total_tokens: 2306,
        prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 128, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      }),
    ).toEqual({ prompt_tokens: 2006, completion_tokens: 300, cached_read_tokens: 1920, cache_write_tokens: 0, reasoning_tokens: 128, estimated: false });
  });

  it("reads DeepSeek's prompt_cache_hit_tokens", () => {
    expect(normalizeOpenaiUsage({ prompt_tokens: 100, completion_tokens: 5, total_tokens: 105, prompt_cache_hit_tokens: 64, prompt_cache_miss_tokens: 36 })?.cached_read_tokens).toBe(64);
  });

  it('reads cache_write_tokens when a provider (or Gantry) reports it', () => {
    expect(normalizeOpenaiUsage({ prompt_tokens: 10, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 2, cache_write_tokens: 3 } })?.cache_write_tokens).toBe(3);
  });

  it('tolerates missing and odd fields, and says undefined when there is no count at all', () => {
    expect(normalizeOpenaiUsage({ prompt_tokens: 7 })).toEqual({ prompt_tokens: 7, completion_tokens: 0, cached_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0, estimated: false });
    expect(normalizeOpenaiUsage({ total_tokens: 10, completion_tokens: 4 })?.prompt_tokens).toBe(6);
    expect(normalizeOpenaiUsage({ prompt_tokens: 'x', completion_tokens: -1, prompt_tokens_details: null, total_tokens: 3 })?.prompt_tokens).toBe(3);
    expect(normalizeOpenaiUsage(null)).toBeUndefined();
    expect(normalizeOpenaiUsage({})).toBeUndefined();
    expect(normalizeOpenaiUsage('12')).toBeUndefined();
  });
});

describe('usageFromChunk', () => {
  it('reads the final usage chunk, and nothing from "usage": null', () => {
    expect(usageFromChunk({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })?.completion_tokens).toBe(2);
    expect(usageFromChunk({ choices: [{ index: 0, delta: { content: 'x' } }], usage: null })).toBeUndefined();
  });

  it("reads vLLM's choices: null chunk and Groq's x_groq.usage", () => {
    expect(usageFromChunk({ id: 'cmpl-1', object: 'chat.completion.chunk', choices: null, usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 } })?.prompt_tokens).toBe(11);
    expect(
      usageFromChunk({
        choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
        x_groq: { id: 'req_01', usage: { queue_time: 0.01, prompt_tokens: 24, completion_tokens: 377, total_tokens: 401 } },
      })?.completion_tokens,
    ).toBe(377);
    expect(usageFromChunk(undefined)).toBeUndefined();
  });
});

describe('ensureStreamUsage', () => {
  const base: ChatRequest = { model: 'm', messages: [] };

  it('asks the upstream for stream usage and reports that the client did not', () => {
    const req = { ...base, stream: true, stream_options: {} };
    const out = ensureStreamUsage(req);
    expect(out).toEqual({ request: { ...base, stream: true, stream_options: { include_usage: true } }, clientAskedForUsage: false });
    expect(req.stream_options).toEqual({}); // the input is not mutated
    expect(ensureStreamUsage({ ...base, stream: true, stream_options: null }).request.stream_options).toEqual({ include_usage: true });
  });

  it('leaves a request that already asks, or does not stream, unchanged', () => {
    const asked = { ...base, stream: true, stream_options: { include_usage: true } };
    expect(ensureStreamUsage(asked)).toEqual({ request: asked, clientAskedForUsage: true });
    expect(ensureStreamUsage(base).request).toBe(base);
  });
});
