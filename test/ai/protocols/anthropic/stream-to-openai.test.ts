import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatChunk, StreamOutput } from '../../../../src/ai/protocols/openai-types.js';
import type { SseEvent } from '../../../../src/ai/transport/sse.js';
import { AnthropicToOpenaiStream, type AnthropicToOpenaiStreamOptions } from '../../../../src/ai/protocols/anthropic/index.js';
import { startAnthropicFixture, type ProviderFixture } from '../../../fixtures/providers/anthropic.js';
import { yieldToLoop, fetchBytes, fetchUntilCut, parseSse, splitAt, sseBytes } from '../openai/helpers.js';

const OPTS: AnthropicToOpenaiStreamOptions = { model: 'claude-x', id: 'chatcmpl-1', created: 1700000000, includeUsage: true };

function run(events: SseEvent[], opts: Partial<AnthropicToOpenaiStreamOptions> = {}, endOpts?: { incomplete?: boolean }): StreamOutput<ChatChunk>[] {
  const t = new AnthropicToOpenaiStream({ ...OPTS, ...opts });
  const out: StreamOutput<ChatChunk>[] = [];
  for (const ev of events) out.push(...t.push(ev));
  out.push(...t.end(endOpts));
  return out;
}

function chunks(outs: StreamOutput<ChatChunk>[]): ChatChunk[] {
  return outs.filter((o) => o.kind === 'event').map((o) => (o as { event: ChatChunk }).event);
}

function ev(type: string, data: Record<string, unknown> = {}): SseEvent {
  return { event: type, data: JSON.stringify({ type, ...data }) };
}

/** Tool calls reassembled the way an OpenAI SDK does: by index. */
function toolCalls(cs: ChatChunk[]): Array<{ id?: string; name?: string; arguments: string }> {
  const calls: Array<{ id?: string; name?: string; arguments: string }> = [];
  for (const c of cs) {
    for (const tc of c.choices[0]?.delta.tool_calls ?? []) {
      const call = (calls[tc.index] ??= { arguments: '' });
      if (tc.id) call.id = tc.id;
      if (tc.function?.name) call.name = tc.function.name;
      call.arguments += tc.function?.arguments ?? '';
    }
  }
  return calls;
}

/** The basic streaming example of the Messages streaming reference. */
const DOCS_TEXT_STREAM = `event: message_start
data: {"type": "message_start", "message": {"id": "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "type": "message", "role": "assistant", "content": [], "model": "claude-opus-4-6", "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 25, "output_tokens": 1}}}

event: content_block_start
data: {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}}

event: content_block_delta
data: {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "!"}}

event: content_block_stop
data: {"type": "content_block_stop", "index": 0}

event: message_delta
data: {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence":null}, "usage": {"output_tokens": 15}}

event: message_stop
data: {"type": "message_stop"}

`;

describe('AnthropicToOpenaiStream', () => {
  let fixture: ProviderFixture;
  const fetchStream = (text: string, extra: Record<string, unknown> = {}) =>
    fetchBytes(`${fixture.url}/v1/messages`, {
      headers: { 'x-api-key': 'sk-ant-fixture', 'anthropic-version': '2023-06-01' },
      body: { model: 'claude-x', max_tokens: 1024, stream: true, messages: [{ role: 'user', content: text }], ...extra },
    });
  beforeAll(async () => {
    fixture = await startAnthropicFixture();
  });
  afterAll(() => fixture.close());

  it('translates the reference text stream into chunks with role first and the usage chunk last (golden)', () => {
    const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'claude-x', usage: null };
    const out = run(parseSse([sseBytes(DOCS_TEXT_STREAM)]).events);
    expect(out).toEqual([
      { kind: 'event', event: { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] } },
      { kind: 'event', event: { ...base, choices: [{ index: 0, delta: { content: 'Hello' }, finish_reason: null }] } },
      { kind: 'event', event: { ...base, choices: [{ index: 0, delta: { content: '!' }, finish_reason: null }] } },
      { kind: 'event', event: { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] } },
      {
        kind: 'event',
        event: {
          id: 'chatcmpl-1',
          object: 'chat.completion.chunk',
          created: 1700000000,
          model: 'claude-x',
          choices: [],
          usage: { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 } },
        },
      },
    ]);
  });

  it('sends no usage member at all without includeUsage, and takes the id from message_start', () => {
    const cs = chunks(run(parseSse([sseBytes(DOCS_TEXT_STREAM)]).events, { includeUsage: false, id: undefined }));
    expect(cs).toHaveLength(4);
    for (const c of cs) {
      expect('usage' in c).toBe(false);
      expect(c.id).toBe('msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY');
    }
  });

  it('gives each tool_use block its own tool-call index and never drops input_json_delta (fixture stream)', async () => {
    const { bytes } = await fetchStream('[scenario:tools] weather and time?');
    const cs = chunks(run(parseSse([bytes]).events));
    expect(cs.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe("I'll look that up.");
    expect(toolCalls(cs)).toEqual([
      { id: 'toolu_fx_weather', name: 'get_weather', arguments: '{"city": "Paris", "unit": "celsius"}' },
      { id: 'toolu_fx_time', name: 'get_time', arguments: '{"timezone": "Europe/Paris"}' },
    ]);
    const first = cs.find((c) => c.choices[0]?.delta.tool_calls?.[0].index === 1)!;
    expect(first.choices[0].delta.tool_calls![0]).toEqual({ index: 1, id: 'toolu_fx_time', type: 'function', function: { name: 'get_time', arguments: '' } });
    expect(cs.at(-2)!.choices[0].finish_reason).toBe('tool_calls');
    for (const c of cs) expect([c.id, c.created, c.model]).toEqual(['chatcmpl-1', 1700000000, 'claude-x']);
  });

  it('numbers three tool calls 0, 1, 2 whatever their Anthropic block indexes', () => {
    const events = [ev('message_start', { message: { id: 'm', usage: { input_tokens: 5, output_tokens: 1 } } })];
    const blocks = [
      { index: 0, block: { type: 'thinking', thinking: '' }, delta: { type: 'thinking_delta', thinking: 'hmm' } },
      { index: 1, block: { type: 'tool_use', id: 'a', name: 'fa', input: {} }, delta: { type: 'input_json_delta', partial_json: '{"x":1}' } },
      { index: 2, block: { type: 'text', text: '' }, delta: { type: 'text_delta', text: 'and' } },
      { index: 3, block: { type: 'tool_use', id: 'b', name: 'fb', input: {} }, delta: { type: 'input_json_delta', partial_json: '{"y":2}' } },
      { index: 4, block: { type: 'tool_use', id: 'c', name: 'fc', input: {} }, delta: { type: 'input_json_delta', partial_json: '{"z":3}' } },
    ];
    for (const b of blocks) {
      events.push(ev('content_block_start', { index: b.index, content_block: b.block }));
      events.push(ev('content_block_delta', { index: b.index, delta: b.delta }));
      events.push(ev('content_block_stop', { index: b.index }));
    }
    events.push(ev('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 30 } }), ev('message_stop'));
    const cs = chunks(run(events));
    expect(toolCalls(cs)).toEqual([
      { id: 'a', name: 'fa', arguments: '{"x":1}' },
      { id: 'b', name: 'fb', arguments: '{"y":2}' },
      { id: 'c', name: 'fc', arguments: '{"z":3}' },
    ]);
    expect(cs.map((c) => c.choices[0]?.delta.reasoning_content).filter(Boolean)).toEqual(['hmm']);
  });

  it('gives the same output whatever byte boundary the fixture stream is split at', async () => {
    const streams = await Promise.all(['tools', 'cache'].map((s) => fetchStream(`[scenario:${s}] Grüße 🎉`, { thinking: { type: 'enabled', budget_tokens: 1024 } })));
    for (const { bytes } of streams) {
      const whole = run(parseSse([bytes]).events);
      expect(whole.at(-1)?.kind).toBe('event');
      for (let at = 1; at < bytes.length; at++) {
        if (at % 256 === 0) await yieldToLoop(); // keep-alive timers of the fixture connection must run
        const parsed = parseSse(splitAt(bytes, at));
        expect(run(parsed.events, {}, { incomplete: parsed.incomplete }), `split at ${at}`).toEqual(whole);
      }
    }
  });

  it('counts cache tokens in prompt_tokens and takes the last cumulative output count, not the sum', () => {
    const t = new AnthropicToOpenaiStream(OPTS);
    t.push(ev('message_start', { message: { id: 'm', usage: { input_tokens: 12, cache_read_input_tokens: 1536, cache_creation_input_tokens: 512, output_tokens: 1 } } }));
    t.push(ev('message_delta', { delta: { stop_reason: null }, usage: { output_tokens: 10 } }));
    t.push(ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 25 } }));
    expect(t.usage).toEqual({ prompt_tokens: 2060, completion_tokens: 25, cached_read_tokens: 1536, cache_write_tokens: 512, reasoning_tokens: 0, estimated: false });
    const last = chunks(t.push(ev('message_stop'))).at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({
      prompt_tokens: 2060,
      completion_tokens: 25,
      total_tokens: 2085,
      prompt_tokens_details: { cached_tokens: 1536, cache_write_tokens: 512 },
    });
    expect(t.finished).toBe(true);
    expect(t.end()).toEqual([]);
  });

  it('turns an error event into an error output (503 for overloaded) and ignores what follows', () => {
    const t = new AnthropicToOpenaiStream(OPTS);
    t.push(ev('message_start', { message: { id: 'm', usage: { input_tokens: 1, output_tokens: 1 } } }));
    const out = t.push(ev('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }));
    expect(out).toEqual([{ kind: 'error', status: 503, error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' } }]);
    expect(t.push(ev('message_stop'))).toEqual([]);
    expect(t.end()).toEqual([]);
    expect(t.finished).toBe(false);
  });

  it('reports the midstream error of the fixture after the content sent so far', async () => {
    const { bytes } = await fetchStream('[scenario:midstream-error] hi there you');
    const out = run(parseSse([bytes]).events);
    expect(out.filter((o) => o.kind === 'event').length).toBeGreaterThan(1);
    expect(out.at(-1)).toMatchObject({ kind: 'error', status: 503, error: { code: 'overloaded_error' } });
  });

  it('never ends a cut stream cleanly: a cut fixture stream ends in an error output', async () => {
    const { bytes, cut } = await fetchUntilCut(`${fixture.url}/v1/messages`, {
      headers: { 'x-api-key': 'sk-ant-fixture', 'anthropic-version': '2023-06-01' },
      body: { model: 'm', max_tokens: 10, stream: true, messages: [{ role: 'user', content: '[scenario:cut] one two three four' }] },
    });
    expect(cut).toBe(true);
    const parsed = parseSse([bytes]);
    const out = run(parsed.events, {}, { incomplete: true });
    expect(out.some((o) => o.kind === 'event' && o.event.choices[0]?.finish_reason)).toBe(false);
    expect(out.at(-1)).toMatchObject({ kind: 'error', status: 502, error: { code: 'GANTRY_ERR_UPSTREAM_FAILED' } });
    // Even when the transport thought the end was clean, no message_stop means an error.
    expect(run(parsed.events).at(-1)).toMatchObject({ kind: 'error', status: 502 });
  });

  it('streams the structured-answer tool input as content, with finish_reason stop', () => {
    const events = [
      ev('message_start', { message: { id: 'm', usage: { input_tokens: 1, output_tokens: 1 } } }),
      ev('content_block_start', { index: 0, content_block: { type: 'tool_use', id: 't', name: 'answer', input: {} } }),
      ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":' } }),
      ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '1}' } }),
      ev('content_block_stop', { index: 0 }),
      ev('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 't2', name: 'answer', input: {} } }),
      ev('content_block_stop', { index: 1 }),
      ev('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } }),
      ev('message_stop'),
    ];
    const cs = chunks(run(events, { jsonTool: 'answer' }));
    expect(cs.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('{"a":1}{}');
    expect(cs.some((c) => c.choices[0]?.delta.tool_calls)).toBe(false);
    expect(cs.at(-2)!.choices[0].finish_reason).toBe('stop');
  });

  it('never throws on malformed input; it reports an error output instead', () => {
    const odd: SseEvent[] = [
      { event: 'message_start', data: '{not json' },
      { event: 'content_block_delta', data: JSON.stringify({ type: 'content_block_delta', index: 9, delta: { type: 'text_delta', text: 'x' } }) },
      { event: 'message', data: '42' },
      { event: 'content_block_start', data: JSON.stringify({ type: 'content_block_start' }) },
    ];
    for (const e of odd) {
      const out = run([ev('message_start', { message: { id: 'm' } }), e]);
      expect(out.at(-1)?.kind).toBe('error');
    }
    const unknown = run([ev('message_start', { message: { id: 'm' } }), ev('some_future_event'), ev('message_stop')]);
    expect(unknown.every((o) => o.kind === 'event')).toBe(true);
  });
});
