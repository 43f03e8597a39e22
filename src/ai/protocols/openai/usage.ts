/**
 * Usage as OpenAI-format providers report it, normalised to Gantry's terms. Providers differ in where
 * they put the numbers; everything here tolerates missing or odd fields and never throws.
 */
import type { ChatRequest, NormalizedUsage } from '../openai-types.js';

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/**
 * `usage` of a chat completion (or of the last stream chunk). Reads `prompt_tokens`,
 * `completion_tokens`, `prompt_tokens_details.cached_tokens` (DeepSeek: `prompt_cache_hit_tokens`),
 * `prompt_tokens_details.cache_write_tokens` (Gantry's own extension, also sent by some routers) and
 * `completion_tokens_details.reasoning_tokens`. Undefined when `u` holds no token count at all.
 */
export function normalizeOpenaiUsage(u: unknown): NormalizedUsage | undefined {
  if (!isObject(u)) return undefined;
  const prompt = num(u.prompt_tokens) ?? num(u.input_tokens);
  const completion = num(u.completion_tokens) ?? num(u.output_tokens);
  const total = num(u.total_tokens);
  if (prompt === undefined && completion === undefined && total === undefined) return undefined;
  const promptDetails = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : undefined;
  const completionDetails = isObject(u.completion_tokens_details) ? u.completion_tokens_details : undefined;
  const promptTokens = prompt ?? (total !== undefined && completion !== undefined ? Math.max(0, total - completion) : total ?? 0);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completion ?? (total !== undefined && prompt !== undefined ? Math.max(0, total - prompt) : 0),
    cached_read_tokens: num(promptDetails?.cached_tokens) ?? num(u.prompt_cache_hit_tokens) ?? 0,
    cache_write_tokens: num(promptDetails?.cache_write_tokens) ?? 0,
    reasoning_tokens: num(completionDetails?.reasoning_tokens) ?? 0,
    estimated: false,
  };
}

/**
 * Usage carried by one stream chunk, if any: `chunk.usage` (OpenAI's final `choices: []` chunk, vLLM's
 * `choices: null` chunk, providers that put it on the finish chunk) or Groq's `x_groq.usage`.
 * `usage: null` on ordinary chunks gives undefined.
 */
export function usageFromChunk(chunk: unknown): NormalizedUsage | undefined {
  if (!isObject(chunk)) return undefined;
  const direct = chunk.usage;
  if (isObject(direct)) return normalizeOpenaiUsage(direct);
  const groq = chunk.x_groq;
  if (isObject(groq) && isObject(groq.usage)) return normalizeOpenaiUsage(groq.usage);
  return undefined;
}

/**
 * A streaming request that asks the upstream for usage (`stream_options.include_usage: true`), and
 * whether the client had asked for it itself. Gantry always needs stream usage (cost, budgets,
 * analytics). When the client did not ask, the caller drops the usage-only chunk
 * (`OpenaiStreamInspector.push` returns `'usage-only'` for it) so the client sees the stream it asked
 * for: a `choices: []` chunk breaks clients that read `choices[0]` unconditionally. The `usage: null`
 * members the upstream then adds to other chunks are left alone: they are part of the schema and
 * clients ignore them, and rewriting every chunk would cost a serialisation each.
 * Non-streaming requests are returned unchanged (usage is always in the body).
 */
export function ensureStreamUsage(req: ChatRequest): { request: ChatRequest; clientAskedForUsage: boolean } {
  if (req.stream !== true) return { request: req, clientAskedForUsage: false };
  const asked = req.stream_options?.include_usage === true;
  if (asked) return { request: req, clientAskedForUsage: true };
  return {
    request: { ...req, stream_options: { ...(req.stream_options ?? {}), include_usage: true } },
    clientAskedForUsage: false,
  };
}
