import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatChunk, StreamOutput } from '../../../../src/ai/protocols/openai-types.js';
import { parseSseJson, type SseEvent } from '../../../../src/ai/transport/sse.js';
import { anthropicStreamErrorEvent, OpenaiToAnthropicStream, type AnthropicSseOut } from '../../../../src/ai/protocols/anthropic/index.js';
import { startOpenaiFixture, type ProviderFixture } from '../../../fixtures/providers/openai.js';
import { yieldToLoop, fetchBytes, fetchUntilCut, parseSse, splitAt, sseBytes } from '../openai/helpers.js';

type Out = StreamOutput<AnthropicSseOut>;

/** What the gateway does: chunks to the translator, `[DONE]` marks a clean end. */
function runEvents(events: SseEvent[], transportIncomplete = false): Out[] {
  const t = new OpenaiToAnthropicStream({ model: 'gpt-via-gantry', id: 'msg_1' });
  const out: Out[] = [];
  let done = false;
  for (const e of events) {
    const j = parseSseJson<ChatChunk>(e);
    if (j.done) done = true;
    else if (j.value) out.push(...t.push(j.value));
  }
  out.push(...t.end({ incomplete: transportIncomplete || !done }));
  return out;
}

function run(chunks: object[], end: { incomplete?: boolean } = {}): Out[] {
  const t = new OpenaiToAnthropicStream({ model: 'gpt-via-gantry', id: 'msg_1' });
  const out: Out[] = [];
  for (const c of chunks) out.push(...t.push(c as ChatChunk));
  out.push(...t.end(end));
  return out;
}

const names = (out: Out[]) => out.map((o) => (o.kind === 'event' ? o.event.event : 'ERROR'));

function chunk(delta: object, finish: string | null = null, extra: object = {}): object {
  return { id: 'chatcmpl-123', object: 'chat.completion.chunk', created: 1694268190, model: 'gpt-4o-mini', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra };
}

/** Rebuilds the message an Anthropic SDK would, and checks blocks never overlap. */
function assemble(out: Out[]): { blocks: Array<Record<string, unknown>>; stop?: unknown; usage?: unknown } {
  const blocks: Array<Record<string, unknown>> = [];
  const json: string[] = [];
  let open = -1;
  let stop: unknown;
  let usage: unknown;
  for (const o of out) {
    if (o.kind !== 'event') continue;
    const d = o.event.data as Record<string, any>;
    if (d.type === 'content_block_start') {
      expect(open, 'a block started while another was open').toBe(-1);
      expect(d.index).toBe(blocks.length);
      blocks.push({ ...d.content_block });
      json[d.index] = '';
      open = d.index;
    } else if (d.type === 'content_block_delta') {
      expect(d.index).toBe(open);
      const b = blocks[d.index];
      if (d.delta.type === 'text_delta') b.text += d.delta.text;
      else if (d.delta.type === 'thinking_delta') b.thinking += d.delta.thinking;
      else json[d.index] += d.delta.partial_json;
    } else if (d.type === 'content_block_stop') {
      expect(d.index).toBe(open);
      if (blocks[d.index].type === 'tool_use') blocks[d.index].input = JSON.parse(json[d.index]);
      open = -1;
    } else if (d.type === 'message_delta') {
      stop = d.delta.stop_reason;
      usage = d.usage;
    }
  }
  return { blocks, stop, usage };
}

describe('OpenaiToAnthropicStream', () => {
  let fixture: ProviderFixture;
  const fetchStream = (text: string, includeUsage = true) =>
    fetchBytes(`${fixture.url}/v1/chat/completions`, {
      headers: { authorization: 'Bearer sk-fixture' },
      body: { model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: includeUsage }, messages: [{ role: 'user', content: text }] },
    });
  beforeAll(async () => {
    fixture = await startOpenaiFixture();
  });
  afterAll(() => fixture.close());

  it('translates a reference text stream with its usage chunk into the Messages event sequence (golden)', () => {
    const usage = { prompt_tokens: 2100, completion_tokens: 2, total_tokens: 2102, prompt_tokens_details: { cached_tokens: 2048 } };
    const out = run([
      chunk({ role: 'assistant', content: '' }, null, { usage: null }),
      chunk({ content: 'Hello' }, null, { usage: null }),
      chunk({ content: '!' }, null, { usage: null }),
      chunk({}, 'stop', { usage: null }),
      { id: 'chatcmpl-123', object: 'chat.completion.chunk', created: 1694268190, model: 'gpt-4o-mini', choices: [], usage },
    ]);
    const zero = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    expect(out).toEqual([
      {
        kind: 'event',
        event: {
          event: 'message_start',
          data: {
            type: 'message_start',
            message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'gpt-via-gantry', content: [], stop_reason: null, stop_sequence: null, usage: zero },
          },
        },
      },
      { kind: 'event', event: { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } } },
      { kind: 'event', event: { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } } } },
      { kind: 'event', event: { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '!' } } } },
      { kind: 'event', event: { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } } },
      {
        kind: 'event',
        event: {
          event: 'message_delta',
          data: {
            type: 'message_delta',
            delta: { stop_reason: 'end_turn', stop_sequence: null },
            usage: { input_tokens: 52, output_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 2048 },
          },
        },
      },
      { kind: 'event', event: { event: 'message_stop', data: { type: 'message_stop' } } },
    ]);
  });

  it('turns interleaved tool-call deltas into sequential tool_use blocks with complete input (fixture)', async () => {
    const { bytes } = await fetchStream('[scenario:tools] go');
    const out = runEvents(parseSse([bytes]).events);
    const msg = assemble(out);
    expect(msg.blocks).toEqual([
      { type: 'tool_use', id: 'call_fx_weather', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } },
      { type: 'tool_use', id: 'call_fx_time', name: 'get_time', input: { timezone: 'Europe/Paris' } },
    ]);
    expect(msg.stop).toBe('tool_use');
    expect(names(out).at(-1)).toBe('message_stop');
  });

  it('streams sequential tool calls live: the second starts before the finish arrives', () => {
    const t = new OpenaiToAnthropicStream({ model: 'm' });
    const seen: Out[] = [];
    const tc = (index: number, extra: object) => chunk({ tool_calls: [{ index, ...extra }] });
    seen.push(...t.push(chunk({ role: 'assistant', content: 'Sure.' }) as ChatChunk));
    for (const [i, name] of ['a', 'b', 'c'].entries()) {
      seen.push(...t.push(tc(i, { id: `call_${name}`, type: 'function', function: { name, arguments: '' } }) as ChatChunk));
      seen.push(...t.push(tc(i, { function: { arguments: `{"n":` } }) as ChatChunk));
      seen.push(...t.push(tc(i, { function: { arguments: `${i}}` } }) as ChatChunk));
    }
    expect(names(seen).filter((n) => n === 'content_block_start')).toHaveLength(4);
    seen.push(...t.push(chunk({}, 'tool_calls') as ChatChunk));
    seen.push(...t.end());
    const msg = assemble(seen);
    expect(msg.blocks.map((b) => b.input ?? b.text)).toEqual(['Sure.', { n: 0 }, { n: 1 }, { n: 2 }]);
  });

  it('gives the same events whatever byte boundary the fixture stream is split at', async () => {
    const streams = await Promise.all(['tools', 'cache'].map((s) => fetchStream(`[scenario:${s}] héllo 🎉`)));
    for (const { bytes } of streams) {
      const whole = runEvents(parseSse([bytes]).events);
      expect(names(whole).at(-1)).toBe('message_stop');
      for (let at = 1; at < bytes.length; at++) {
        if (at % 256 === 0) await yieldToLoop(); // keep-alive timers of the fixture connection must run
        const p = parseSse(splitAt(bytes, at));
        expect(runEvents(p.events, p.incomplete), `split at ${at}`).toEqual(whole);
      }
    }
  });

  it('reports cache reads with input_tokens excluding them (fixture cache scenario)', async () => {
    const { bytes } = await fetchStream('[scenario:cache] hi');
    const msg = assemble(runEvents(parseSse([bytes]).events));
    const u = msg.usage as Record<string, number>;
    expect(u.cache_read_input_tokens).toBe(1536);
    expect(u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens).toBeGreaterThan(2048);
  });

  it('completes at once when the finish chunk itself carries usage (Groq x_groq)', () => {
    const t = new OpenaiToAnthropicStream({ model: 'm' });
    t.push(chunk({ role: 'assistant', content: 'hi' }) as ChatChunk);
    const out = t.push(chunk({}, 'length', { x_groq: { usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } } }) as ChatChunk);
    expect(names(out)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect((out[1] as { event: AnthropicSseOut }).event.data).toMatchObject({ delta: { stop_reason: 'max_tokens' }, usage: { input_tokens: 9, output_tokens: 3 } });
    expect(t.usage?.prompt_tokens).toBe(9);
  });

  it('ends a cut upstream with an api_error event, never message_stop', async () => {
    const { bytes, cut } = await fetchUntilCut(`${fixture.url}/v1/chat/completions`, {
      headers: { authorization: 'Bearer sk-fixture' },
      body: { model: 'm', stream: true, messages: [{ role: 'user', content: '[scenario:cut] one two three four five' }] },
    });
    expect(cut).toBe(true);
    const out = runEvents(parseSse([bytes]).events, true);
    expect(names(out)).not.toContain('message_stop');
    const last = out.at(-1)!;
    expect(last.kind).toBe('error');
    expect(anthropicStreamErrorEvent(last as Extract<Out, { kind: 'error' }>)).toEqual({
      event: 'error',
      data: { type: 'error', error: { type: 'api_error', message: 'The upstream stream was cut before the message was complete' } },
    });
  });

  it('treats a finish without a clean end, or a clean end without a finish, as incomplete', () => {
    expect(names(run([chunk({ content: 'a' }, 'stop')], { incomplete: true })).at(-1)).toBe('ERROR');
    expect(names(run([chunk({ content: 'a' })])).at(-1)).toBe('ERROR');
    expect(names(run([chunk({ content: 'a' }, 'stop')])).slice(-2)).toEqual(['message_delta', 'message_stop']);
  });

  it('turns an error object inside the stream (fixture midstream-error) into an error output', async () => {
    const { bytes } = await fetchStream('[scenario:midstream-error] a b c d e');
    const out = runEvents(parseSse([bytes]).events);
    expect(names(out).filter((n) => n === 'ERROR')).toHaveLength(1);
    expect(out.at(-1)).toMatchObject({ kind: 'error', error: { message: expect.stringContaining('server had an error') } });
  });

  it('maps reasoning_content to a thinking block before the text', () => {
    const out = run([chunk({ role: 'assistant', reasoning_content: 'Let me ' }), chunk({ reasoning_content: 'think.' }), chunk({ content: 'Answer.' }), chunk({}, 'stop')]);
    expect(assemble(out).blocks).toEqual([
      { type: 'thinking', thinking: 'Let me think.', signature: '' },
      { type: 'text', text: 'Answer.' },
    ]);
  });

  it('ignores chunks of other choices and never throws on odd chunks', () => {
    const out = run([
      { choices: [{ index: 1, delta: { content: 'other' }, finish_reason: null }] },
      { choices: null },
      { choices: [null, { index: 0, delta: null, finish_reason: null }] },
      chunk({ content: 'mine' }, 'stop'),
    ]);
    expect(assemble(out).blocks).toEqual([{ type: 'text', text: 'mine' }]);
    expect(run([null as unknown as object]).at(0)?.kind).toBe('error');
  });

  it('parses its wire from SSE text the same as from objects', () => {
    const text = `data: ${JSON.stringify(chunk({ content: 'x' }, 'stop'))}\n\ndata: [DONE]\n\n`;
    expect(runEvents(parseSse([sseBytes(text)]).events)).toEqual(run([chunk({ content: 'x' }, 'stop')]));
  });
});
