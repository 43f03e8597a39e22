import { describe, expect, it } from 'vitest';
import { aiCacheKey, canonicalJson } from '../../src/cache/index.js';

const base = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hello  world' },
  ],
  temperature: 0.2,
  max_tokens: 100,
};
const key = (body: Record<string, unknown>, scope?: string) => aiCacheKey('openai-chat', body, scope);

describe('aiCacheKey', () => {
  it('is a hex SHA-256', () => {
    expect(key(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores the order of JSON keys at every depth', () => {
    const reordered = {
      max_tokens: 100,
      temperature: 0.2,
      messages: [
        { content: 'Be brief.', role: 'system' },
        { content: 'Hello  world', role: 'user' },
      ],
      model: 'gpt-4o-mini',
    };
    expect(key(reordered)).toBe(key(base));
    const tools = (a: object) => ({ ...base, tools: [{ type: 'function', function: { name: 'f', parameters: a } }] });
    expect(key(tools({ type: 'object', properties: { x: { type: 'string' } } }))).toBe(key(tools({ properties: { x: { type: 'string' } }, type: 'object' })));
  });

  it('ignores stream and stream_options, so a streamed request hits a non-streamed entry', () => {
    expect(key({ ...base, stream: true, stream_options: { include_usage: true } })).toBe(key(base));
  });

  it("never includes the caller's identity: user, metadata, safety_identifier, prompt_cache_key, store", () => {
    expect(key({ ...base, user: 'alice', safety_identifier: 'h', prompt_cache_key: 'p', store: true })).toBe(key(base));
    expect(aiCacheKey('anthropic-messages', { model: 'm', max_tokens: 5, messages: [], metadata: { user_id: 'u1' } })).toBe(
      aiCacheKey('anthropic-messages', { model: 'm', max_tokens: 5, messages: [] }),
    );
  });

  it('treats a null parameter as absent', () => {
    expect(key({ ...base, seed: null, stop: null })).toBe(key(base));
  });

  it('changes with every output-affecting parameter', () => {
    const variants: Array<Record<string, unknown>> = [
      { model: 'gpt-4o' },
      { temperature: 0.3 },
      { top_p: 0.9 },
      { max_tokens: 101 },
      { max_completion_tokens: 100 },
      { stop: ['\n'] },
      { seed: 1 },
      { n: 2 },
      { presence_penalty: 0.1 },
      { frequency_penalty: 0.1 },
      { tools: [{ type: 'function', function: { name: 'f' } }] },
      { tool_choice: 'required' },
      { response_format: { type: 'json_object' } },
      { reasoning_effort: 'low' },
      { logit_bias: { '50256': -100 } },
      { some_future_parameter: true },
    ];
    const keys = new Set([key(base), ...variants.map((v) => key({ ...base, ...v }))]);
    expect(keys.size).toBe(variants.length + 1);
  });

  it('keeps whitespace and message order significant', () => {
    expect(key({ ...base, messages: [base.messages[0], { role: 'user', content: 'Hello world' }] })).not.toBe(key(base));
    expect(key({ ...base, messages: [...base.messages].reverse() })).not.toBe(key(base));
  });

  it('separates endpoints and scopes', () => {
    expect(aiCacheKey('openai-embeddings', base)).not.toBe(key(base));
    expect(key(base, 'route-a')).not.toBe(key(base, 'route-b'));
  });

  it('canonical JSON sorts keys and drops undefined members like JSON.stringify', () => {
    expect(canonicalJson({ b: 1, a: [undefined, { d: undefined, c: 'x' }] })).toBe('{"a":[null,{"c":"x"}],"b":1}');
  });
});
