/**
 * OpenAI chat completion chunks → Anthropic Messages stream events (an Anthropic client served by an
 * OpenAI-format provider). Stateful and synchronous, no timers; never throws.
 *
 * Anthropic clients expect one content block open at a time (the Anthropic SDK reports a finished
 * block as "the last one started"), while OpenAI providers may interleave the deltas of several tool
 * calls. So: text, reasoning and the first tool call stream live; a tool call that starts while
 * another one's arguments are not yet a complete JSON value is held back and sent, whole, as soon
 * as the open one is complete (checked when a new call appears) or at the finish. Sequential tool
 * calls, the usual case, therefore stream without delay. A delta for a block already closed (an
 * upstream that interleaves after all) is still sent, under that block's index: never dropped.
 *
 * `message_delta` and `message_stop` wait for the usage: they are sent when a chunk carrying usage
 * arrives after (or with) the finish_reason, else by `end()` on a clean end.
 */
import type { ChatChunk, NormalizedUsage, StreamOutput } from '../openai-types.js';
import { usageFromChunk } from '../openai/usage.js';
import { finishToAnthropicStop } from './response.js';
import type { AnthropicSseOut, AnthropicStopReason } from './types.js';
import { normalizedToAnthropicUsage } from './usage.js';

type Out = StreamOutput<AnthropicSseOut>;

interface ToolState {
  id: string;
  name: string;
  /** All arguments received so far. */
  args: string;
  state: 'pending' | 'open' | 'closed';
  /** The Anthropic block index, once started. */
  block: number;
}

interface Open {
  kind: 'text' | 'thinking' | 'tool';
  block: number;
  tool?: ToolState;
}

interface DeltaLike {
  content?: unknown;
  reasoning_content?: unknown;
  refusal?: unknown;
  tool_calls?: unknown;
}

function isCompleteJson(s: string): boolean {
  if (s.trim() === '') return false;
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

export class OpenaiToAnthropicStream {
  readonly #model: string;
  #id: string | undefined;
  #started = false;
  #done = false;
  #failed = false;
  #nextBlock = 0;
  #open: Open | undefined;
  readonly #tools = new Map<number, ToolState>();
  readonly #pending: ToolState[] = [];
  #stop: AnthropicStopReason | undefined;
  #usage: NormalizedUsage | undefined;

  constructor(opts: { model: string; id?: string }) {
    this.#model = opts.model;
    this.#id = opts.id;
  }

  get usage(): NormalizedUsage | undefined {
    return this.#usage;
  }

  /** `message_stop` was sent. */
  get finished(): boolean {
    return this.#done;
  }

  push(chunk: ChatChunk): Out[] {
    if (this.#done || this.#failed) return [];
    if (typeof chunk !== 'object' || chunk === null) return this.#fail('The upstream sent a stream chunk that is not an object');
    const err = (chunk as { error?: { message?: unknown } }).error;
    if (typeof err === 'object' && err !== null) {
      return this.#fail(typeof err.message === 'string' ? err.message : 'The upstream reported an error in the stream', 'api_error');
    }
    const usage = usageFromChunk(chunk);
    if (usage) this.#usage = usage;
    const out: Out[] = [];
    if (!this.#started) this.#start(chunk, out);
    const choices: unknown = chunk.choices;
    if (Array.isArray(choices)) {
      for (const choice of choices as Array<{ index?: unknown; delta?: DeltaLike; finish_reason?: unknown } | null>) {
        if (choice === null || typeof choice !== 'object' || (choice.index !== undefined && choice.index !== 0)) continue;
        if (typeof choice.delta === 'object' && choice.delta !== null) this.#delta(choice.delta, out);
        if (typeof choice.finish_reason === 'string' && this.#stop === undefined) {
          this.#closeOpen(out);
          this.#flushPending(out, true);
          this.#stop = finishToAnthropicStop(choice.finish_reason);
        }
      }
    }
    if (this.#stop !== undefined && usage) this.#complete(out);
    return out;
  }

  /** `incomplete`: the upstream body ended abnormally (no `[DONE]`, socket error, partial event). */
  end(opts: { incomplete?: boolean } = {}): Out[] {
    if (this.#done || this.#failed) return [];
    if (opts.incomplete === true || this.#stop === undefined) {
      return this.#fail(
        opts.incomplete === true
          ? 'The upstream stream was cut before the message was complete'
          : 'The upstream stream ended without a finish reason',
      );
    }
    const out: Out[] = [];
    this.#complete(out);
    return out;
  }

  #start(chunk: ChatChunk, out: Out[]): void {
    this.#started = true;
    if (this.#id === undefined) this.#id = typeof chunk.id === 'string' && chunk.id !== '' ? chunk.id : 'msg_gantry';
    const u = normalizedToAnthropicUsage(this.#usage);
    out.push({
      kind: 'event',
      event: {
        event: 'message_start',
        data: {
          type: 'message_start',
          message: {
            id: this.#id,
            type: 'message',
            role: 'assistant',
            model: this.#model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: u,
          },
        },
      },
    });
  }

  #delta(d: DeltaLike, out: Out[]): void {
    if (typeof d.reasoning_content === 'string' && d.reasoning_content !== '') {
      this.#ensureOpen('thinking', out);
      this.#emitDelta(this.#open!.block, { type: 'thinking_delta', thinking: d.reasoning_content }, out);
    }
    for (const text of [d.content, d.refusal]) {
      if (typeof text !== 'string' || text === '') continue;
      this.#ensureOpen('text', out);
      this.#emitDelta(this.#open!.block, { type: 'text_delta', text }, out);
    }
    if (!Array.isArray(d.tool_calls)) return;
    d.tool_calls.forEach((tc: { index?: unknown; id?: unknown; function?: { name?: unknown; arguments?: unknown } } | null, i: number) => {
      if (tc === null || typeof tc !== 'object') return;
      const key = typeof tc.index === 'number' ? tc.index : i;
      const piece = typeof tc.function?.arguments === 'string' ? tc.function.arguments : '';
      let tool = this.#tools.get(key);
      if (tool === undefined) {
        tool = { id: '', name: '', args: '', state: 'pending', block: -1 };
        this.#tools.set(key, tool);
        if (typeof tc.id === 'string') tool.id = tc.id;
        if (typeof tc.function?.name === 'string') tool.name = tc.function.name;
        if (tool.id === '') tool.id = `call_${key}`;
        tool.args = piece;
        this.#newTool(tool, out);
        return;
      }
      if (tool.state === 'pending') {
        tool.args += piece;
      } else if (piece !== '') {
        tool.args += piece;
        this.#emitDelta(tool.block, { type: 'input_json_delta', partial_json: piece }, out);
      }
    });
  }

  /** A tool call seen for the first time: open it now, or hold it while another call is incomplete. */
  #newTool(tool: ToolState, out: Out[]): void {
    const open = this.#open;
    if (open?.kind === 'tool' && !isCompleteJson(open.tool!.args)) {
      this.#pending.push(tool);
      return;
    }
    this.#closeOpen(out);
    this.#flushPending(out, false);
    if (this.#open === undefined) this.#openTool(tool, out);
    else this.#pending.push(tool);
  }

  /** Sends held tool calls in order; with `all` false, stops at the first one still incomplete. */
  #flushPending(out: Out[], all: boolean): void {
    while (this.#pending.length > 0 && this.#open === undefined) {
      const tool = this.#pending.shift()!;
      this.#openTool(tool, out);
      if (all || isCompleteJson(tool.args)) this.#closeOpen(out);
    }
  }

  #openTool(tool: ToolState, out: Out[]): void {
    tool.state = 'open';
    tool.block = this.#nextBlock++;
    this.#open = { kind: 'tool', block: tool.block, tool };
    this.#emit('content_block_start', { type: 'content_block_start', index: tool.block, content_block: { type: 'tool_use', id: tool.id, name: tool.name, input: {} } }, out);
    if (tool.args !== '') this.#emitDelta(tool.block, { type: 'input_json_delta', partial_json: tool.args }, out);
  }

  #ensureOpen(kind: 'text' | 'thinking', out: Out[]): void {
    if (this.#open?.kind === kind) return;
    this.#closeOpen(out);
    const block = this.#nextBlock++;
    this.#open = { kind, block };
    const content_block = kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
    this.#emit('content_block_start', { type: 'content_block_start', index: block, content_block }, out);
  }

  #closeOpen(out: Out[]): void {
    const open = this.#open;
    if (open === undefined) return;
    this.#open = undefined;
    if (open.tool) open.tool.state = 'closed';
    this.#emit('content_block_stop', { type: 'content_block_stop', index: open.block }, out);
  }

  #complete(out: Out[]): void {
    this.#closeOpen(out);
    this.#flushPending(out, true);
    const u = normalizedToAnthropicUsage(this.#usage);
    this.#emit('message_delta', { type: 'message_delta', delta: { stop_reason: this.#stop ?? 'end_turn', stop_sequence: null }, usage: u }, out);
    this.#emit('message_stop', { type: 'message_stop' }, out);
    this.#done = true;
  }

  #emitDelta(index: number, delta: object, out: Out[]): void {
    this.#emit('content_block_delta', { type: 'content_block_delta', index, delta }, out);
  }

  #emit(event: string, data: object, out: Out[]): void {
    out.push({ kind: 'event', event: { event, data } });
  }

  #fail(message: string, type = 'api_error'): Out[] {
    this.#failed = true;
    return [{ kind: 'error', status: 502, error: { message, type, param: null, code: 'GANTRY_ERR_UPSTREAM_FAILED' } }];
  }
}
