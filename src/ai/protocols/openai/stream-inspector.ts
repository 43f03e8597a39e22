/**
 * Watches an OpenAI-format chat stream that Gantry forwards unchanged (same-protocol passthrough):
 * usage, finish reasons, `[DONE]`, first content (for time-to-first-token), and whether the stream
 * ended cleanly. One JSON.parse per data event and nothing else allocated on the hot path; never
 * throws.
 */
import type { NormalizedUsage } from '../openai-types.js';
import type { SseEvent } from '../../transport/sse.js';
import { usageFromChunk } from './usage.js';

/**
 * What `push` noticed about an event, for the caller to act on:
 * - `first-content`: the first event carrying model output (text, reasoning, refusal or a tool call);
 *   take time-to-first-token now.
 * - `usage-only`: the usage chunk (`choices` empty or null); drop it if the client did not ask for
 *   usage (see `ensureStreamUsage`).
 * - `error`: the upstream sent an `{"error": …}` object inside the stream; `inspector.error` has it.
 */
export type InspectSignal = 'first-content' | 'usage-only' | 'error' | undefined;

export interface InspectorResult {
  /** Saw `[DONE]`, or a finish reason followed by a clean end of the body, and no error object. */
  complete: boolean;
  usage?: NormalizedUsage;
}

export class OpenaiStreamInspector {
  /** Last usage seen (providers that send it more than once send running totals). */
  usage: NormalizedUsage | undefined;
  /** finish_reason per choice index, as sent. */
  readonly finishReasons: Array<string | undefined> = [];
  done = false;
  firstContentSeen = false;
  /** An error object the upstream sent inside the stream. */
  error: { message: string; type?: string; code?: unknown } | undefined;
  /** Data events that were not JSON (counted, not fatal: they are forwarded as they are). */
  malformedEvents = 0;

  push(ev: SseEvent): InspectSignal {
    const data = ev.data;
    if (data === '[DONE]') {
      this.done = true;
      return undefined;
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      this.malformedEvents++;
      return undefined;
    }
    if (typeof chunk !== 'object' || chunk === null) return undefined;
    const c = chunk as { choices?: unknown; error?: unknown; usage?: unknown; x_groq?: unknown };
    if (c.error !== undefined && c.error !== null) {
      const e = c.error as { message?: unknown; type?: unknown; code?: unknown };
      this.error = {
        message: typeof e.message === 'string' ? e.message : 'The upstream reported an error in the stream',
        type: typeof e.type === 'string' ? e.type : undefined,
        code: e.code,
      };
      return 'error';
    }
    if (c.usage != null || c.x_groq != null) {
      const u = usageFromChunk(chunk);
      if (u) this.usage = u;
    }
    const choices = c.choices;
    if (!Array.isArray(choices) || choices.length === 0) return c.usage != null ? 'usage-only' : undefined;
    let signal: InspectSignal;
    for (let i = 0; i < choices.length; i++) {
      const choice = choices[i] as { index?: unknown; delta?: unknown; finish_reason?: unknown } | null;
      if (choice === null || typeof choice !== 'object') continue;
      if (typeof choice.finish_reason === 'string') {
        this.finishReasons[typeof choice.index === 'number' ? choice.index : i] = choice.finish_reason;
      }
      if (!this.firstContentSeen && hasContent(choice.delta)) {
        this.firstContentSeen = true;
        signal = 'first-content';
      }
    }
    return signal;
  }

  /** `incomplete`: the body ended abnormally (socket error, or the SSE parser's `hadIncompleteEvent`). */
  end(opts: { incomplete?: boolean } = {}): InspectorResult {
    const sawFinish = this.finishReasons.some((r) => r !== undefined);
    const complete = this.error === undefined && (this.done || (sawFinish && opts.incomplete !== true));
    return this.usage ? { complete, usage: this.usage } : { complete };
  }
}

function hasContent(delta: unknown): boolean {
  if (typeof delta !== 'object' || delta === null) return false;
  const d = delta as { content?: unknown; reasoning_content?: unknown; refusal?: unknown; tool_calls?: unknown };
  return (
    (typeof d.content === 'string' && d.content.length > 0) ||
    (typeof d.reasoning_content === 'string' && d.reasoning_content.length > 0) ||
    (typeof d.refusal === 'string' && d.refusal.length > 0) ||
    (Array.isArray(d.tool_calls) && d.tool_calls.length > 0)
  );
}
