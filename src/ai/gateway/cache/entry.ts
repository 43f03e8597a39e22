/**
 * A stored AI answer: the complete answer in the inbound protocol's non-stream shape (a chat
 * completion, an Anthropic message, an embeddings list) as the entry body, byte for byte what a
 * non-stream hit sends, and who served it with what usage in one header, for the hit's call record
 * and the cost it saved. Checked before storing: errors, cut streams and broken tool calls never go in.
 */
import type { AiCacheKind } from '../../../cache/ai-key.js';
import type { CacheEntry } from '../../../cache/types.js';
import type { ChatResponse, NormalizedUsage, Usage } from '../../protocols/openai-types.js';

const META_HEADER = 'x-gantry-ai-answer';

export interface AnswerMeta {
  kind: AiCacheKind;
  providerId: string;
  providerKind: string;
  providerName: string;
  /** The provider's model id (the `x-gantry-model` header). */
  model: string;
  /** `<kind>/<model>`: prices the saved cost. */
  catalogId: string;
  usage: NormalizedUsage;
}

export interface StoredAnswer {
  meta: AnswerMeta;
  /** JSON in the inbound protocol's non-stream shape. */
  body: Buffer;
  storedAt: number;
}

export function answerEntry(answer: StoredAnswer, tags: readonly string[]): CacheEntry {
  return { status: 200, headers: ['content-type', 'application/json', META_HEADER, JSON.stringify(answer.meta)], body: answer.body, storedAt: answer.storedAt, tags };
}

/** The answer an entry holds; undefined for an entry that is not one (never trusted blindly: Redis is shared). */
export function answerOf(entry: CacheEntry, kind: AiCacheKind): StoredAnswer | undefined {
  if (entry.status !== 200) return undefined;
  const h = entry.headers;
  for (let i = 0; i + 1 < h.length; i += 2) {
    if (h[i] !== META_HEADER) continue;
    try {
      const meta = JSON.parse(h[i + 1]) as AnswerMeta;
      if (meta?.kind !== kind || typeof meta.providerId !== 'string' || typeof meta.catalogId !== 'string' || typeof meta.usage !== 'object' || meta.usage === null) return undefined;
      return { meta, body: entry.body, storedAt: entry.storedAt };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function isJson(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** OpenAI usage for a stored chat completion that has none (a stream whose client did not ask for it). */
export function openaiUsage(u: NormalizedUsage): Usage {
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.prompt_tokens + u.completion_tokens,
    prompt_tokens_details: { cached_tokens: u.cached_read_tokens },
    completion_tokens_details: { reasoning_tokens: u.reasoning_tokens },
  };
}

/**
 * Why a complete-looking answer must not be stored (null: it may). A chat completion needs every
 * choice finished and every tool call's arguments valid JSON; a message needs a stop reason and
 * tool inputs that are objects; embeddings need their data.
 */
export function unstorable(kind: AiCacheKind, parsed: unknown): string | null {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'not a JSON object';
  const o = parsed as Record<string, unknown>;
  if (o.error != null) return 'an error';
  if (kind === 'openai-embeddings') return Array.isArray(o.data) && o.data.length > 0 ? null : 'no embeddings';
  if (kind === 'anthropic-messages') {
    if (o.type !== 'message' || !Array.isArray(o.content) || o.stop_reason == null) return 'not a complete message';
    for (const b of o.content as Array<Record<string, unknown>>) {
      if (b?.type === 'tool_use' && (typeof b.input !== 'object' || b.input === null || Array.isArray(b.input))) return 'a tool call without a valid input';
    }
    return null;
  }
  const choices = (o as Partial<ChatResponse>).choices;
  if (!Array.isArray(choices) || choices.length === 0) return 'no choices';
  for (const c of choices) {
    if (c?.finish_reason == null || (c.finish_reason as string) === 'error') return 'an unfinished choice';
    for (const tc of c.message?.tool_calls ?? []) if (!isJson(tc?.function?.arguments)) return 'a tool call whose arguments are not JSON';
  }
  return null;
}
