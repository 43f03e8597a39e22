import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenaiStreamInspector, type InspectSignal } from '../../../../src/ai/protocols/openai/index.js';
import { startOpenaiFixture, type ProviderFixture } from '../../../fixtures/providers/openai.js';
import { fetchUntilCut, parseSse } from './helpers.js';

describe('OpenaiStreamInspector', () => {
  let fx: ProviderFixture;
  const stream = (text: string, includeUsage: boolean) =>
    fetchUntilCut(`${fx.url}/v1/chat/completions`, {
      headers: { authorization: 'Bearer sk-fixture' },
      body: { model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: includeUsage }, messages: [{ role: 'user', content: text }] },
    });
  /** Feeds a fixture stream as the passthrough path would; returns the signals in order. */
  async function inspect(text: string, includeUsage = true): Promise<{ inspector: OpenaiStreamInspector; signals: InspectSignal[]; incomplete: boolean }> {
    const { bytes, cut } = await stream(text, includeUsage);
    const { events, incomplete } = parseSse([bytes]);
    const inspector = new OpenaiStreamInspector();
    return { inspector, signals: events.map((e) => inspector.push(e)), incomplete: incomplete || cut };
  }
  beforeAll(async () => {
    fx = await startOpenaiFixture();
  });
  afterAll(() => fx.close());

  it('records usage with cache tokens, the finish reason and [DONE]; flags first content and the usage-only chunk', async () => {
    const { inspector, signals, incomplete } = await inspect('[scenario:cache] hello there');
    // chunk 0 is role-only (no content yet), chunk 1 has the first words.
    expect(signals.indexOf('first-content')).toBe(1);
    expect(signals.filter((s) => s === 'first-content')).toHaveLength(1);
    expect(signals.at(-2)).toBe('usage-only');
    expect(inspector.finishReasons).toEqual(['stop']);
    expect(inspector.done).toBe(true);
    const result = inspector.end({ incomplete });
    expect(result.complete).toBe(true);
    expect(result.usage).toMatchObject({ cached_read_tokens: 1536, estimated: false });
    expect(result.usage!.prompt_tokens).toBeGreaterThan(2048);
  });

  it('counts tool-call deltas as first content', async () => {
    const { inspector, signals } = await inspect('[scenario:tools] x', false);
    expect(signals.indexOf('first-content')).toBe(1);
    expect(inspector.finishReasons).toEqual(['tool_calls']);
    expect(inspector.end().usage).toBeUndefined();
  });

  it('reports a cut stream as incomplete', async () => {
    const { inspector, incomplete } = await inspect('[scenario:cut] a b c d e f');
    expect(incomplete).toBe(true);
    expect(inspector.end({ incomplete }).complete).toBe(false);
  });

  it('reports an error object inside the stream as incomplete', async () => {
    const { inspector, signals } = await inspect('[scenario:midstream-error] a b c d e f');
    expect(signals.at(-1)).toBe('error');
    expect(inspector.error?.type).toBe('server_error');
    expect(inspector.end().complete).toBe(false);
  });

  it('counts a finish reason plus a clean end as complete even without [DONE], and tolerates junk', () => {
    const inspector = new OpenaiStreamInspector();
    expect(inspector.push({ event: 'message', data: 'not json' })).toBeUndefined();
    expect(inspector.push({ event: 'message', data: 'null' })).toBeUndefined();
    inspector.push({ event: 'message', data: '{"choices":[{"index":0,"delta":{},"finish_reason":"length"}],"x_groq":{"usage":{"prompt_tokens":3,"completion_tokens":9,"total_tokens":12}}}' });
    expect(inspector.malformedEvents).toBe(1);
    expect(inspector.end()).toEqual({ complete: true, usage: { prompt_tokens: 3, completion_tokens: 9, cached_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0, estimated: false } });
    expect(inspector.end({ incomplete: true }).complete).toBe(false);
  });

  it('reads the usage chunk vLLM sends with choices: null', () => {
    const inspector = new OpenaiStreamInspector();
    expect(inspector.push({ event: 'message', data: '{"choices":null,"usage":{"prompt_tokens":4,"completion_tokens":1,"total_tokens":5}}' })).toBe('usage-only');
    expect(inspector.usage?.prompt_tokens).toBe(4);
  });
});
