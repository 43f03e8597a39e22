import { describe, expect, it } from 'vitest';
import { applyMistralQuirks, OpenaiStreamInspector } from '../../../../src/ai/protocols/openai/index.js';
import type { ChatRequest } from '../../../../src/ai/protocols/openai-types.js';
import { parseSse, sseBytes } from './helpers.js';

describe('applyMistralQuirks', () => {
  it('spells tool_choice required as any, seed as random_seed, and the output limit as max_tokens', () => {
    const req: ChatRequest = { model: 'mistral-large-latest', messages: [{ role: 'user', content: 'x' }], tool_choice: 'required', seed: 42, max_completion_tokens: 300 };
    expect(applyMistralQuirks(req)).toEqual({ model: 'mistral-large-latest', messages: [{ role: 'user', content: 'x' }], tool_choice: 'any', random_seed: 42, max_tokens: 300 });
    expect(req.seed).toBe(42); // not mutated
  });

  it('leaves other tool choices and requests without those fields alone', () => {
    const named = { type: 'function' as const, function: { name: 'f' } };
    expect(applyMistralQuirks({ model: 'm', messages: [], tool_choice: named, max_tokens: 5, max_completion_tokens: 9 })).toEqual({
      model: 'm',
      messages: [],
      tool_choice: named,
      max_tokens: 5,
    });
    expect(applyMistralQuirks({ model: 'm', messages: [] })).toEqual({ model: 'm', messages: [] });
  });
});

describe('OpenRouter keep-alive comments', () => {
  it('never reach the protocol layer: SseParser drops them, and the inspector sees only the chunks', () => {
    const chunk = '{"id":"gen-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}';
    const wire = `: OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\r\n\r\ndata: ${chunk}\n\n: OPENROUTER PROCESSING\n\ndata: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n`;
    const { events, incomplete } = parseSse([sseBytes(wire)]);
    expect(incomplete).toBe(false);
    expect(events.map((e) => e.data)).toEqual([chunk, '{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}', '[DONE]']);
    const inspector = new OpenaiStreamInspector();
    expect(events.map((e) => inspector.push(e))).toEqual(['first-content', undefined, undefined]);
    expect(inspector.end().complete).toBe(true);
  });
});
