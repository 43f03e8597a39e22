/**
 * Gemini protocol (Gemini API v1beta): OpenAI Chat Completions ↔ Gemini generateContent.
 *
 * Decisions:
 * - Auth is the `x-goog-api-key` header (GEMINI_AUTH_HEADER / geminiHeaders). Never `?key=`: query
 *   strings land in access logs.
 * - system and developer messages, wherever they stand, are hoisted into `systemInstruction`.
 *   Consecutive turns of one role are merged (tool results are user-role `functionResponse` parts,
 *   named by looking the tool_call_id up in earlier assistant tool calls; `response: {content}`).
 * - Images: data: URLs → `inlineData`; http(s) URLs → `fileData` with a MIME type guessed from the
 *   extension (image/jpeg when unknown). `input_audio` and data-URL `file` parts → `inlineData`.
 * - Tool parameters and `json_schema` schemas are converted to Gemini's OpenAPI subset by a
 *   whitelist (schema.ts): `$ref` inlined, unions/nullability rewritten, the rest dropped. A function
 *   without parameters gets no `parameters` (Gemini rejects an OBJECT with empty `properties`).
 * - tool_choice: none → NONE, auto → AUTO, required → ANY, a named function → ANY +
 *   allowedFunctionNames. Sent only when tools are.
 * - reasoning_effort (best effort): gemini-3 and later get `thinkingLevel` (minimal/low → low,
 *   medium/high → high: the two levels every Gemini 3 model takes); older models get
 *   `thinkingBudget` 512/1024/8192/24576. Both with `includeThoughts`, so thought summaries come
 *   back as `reasoning_content`. Without reasoning_effort the model's default thinking applies.
 * - Thought signatures (Gemini 3 rejects a replayed function call without one) travel as
 *   `tool_calls[].extra_content.google.thought_signature`, as in Google's own OpenAI-compatible
 *   endpoint. When a client dropped it, gemini-3+ requests get Google's documented placeholder on
 *   the first call of the turn (GEMINI_DUMMY_THOUGHT_SIGNATURE). Thoughts are never replayed.
 * - Function calls without an id get `call_` + a hash of (Gantry response id, candidate, call
 *   ordinal): stable across retries and identical in the stream and non-stream forms.
 * - finishReason: MAX_TOKENS → length; SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII,
 *   IMAGE_SAFETY (and IMAGE_PROHIBITED_CONTENT, IMAGE_RECITATION) → content_filter; anything else
 *   → stop, or tool_calls when the candidate called functions. A blocked prompt (no candidates,
 *   promptFeedback.blockReason) → content_filter with empty content.
 * - Usage: prompt_tokens = promptTokenCount (already includes cachedContentTokenCount) +
 *   toolUsePromptTokenCount; completion_tokens = candidatesTokenCount + thoughtsTokenCount;
 *   cached = cachedContentTokenCount; reasoning = thoughtsTokenCount. Streams take the last
 *   usageMetadata seen and emit the include_usage chunk from end() (only when usage was reported).
 * - Streams: no `[DONE]`; end() without `incomplete` is the normal end, but a stream in which some
 *   started candidate never got a finishReason, or a `{error}` event, is an error output.
 * - Parameters with no Gemini equivalent (parallel_tool_calls, logit_bias, user, ...) are dropped.
 * - Embeddings: text only (token-id input → GANTRY_ERR_VALIDATION); usage is the caller's
 *   estimate, recorded through geminiEmbeddingsUsage (estimated: true).
 */
export const GEMINI_AUTH_HEADER = 'x-goog-api-key';

/** Request headers for a Gemini call. */
export function geminiHeaders(apiKey: string): Record<string, string> {
  return { [GEMINI_AUTH_HEADER]: apiKey, 'content-type': 'application/json' };
}

export { openaiToGeminiRequest, geminiModelPath, GEMINI_DUMMY_THOUGHT_SIGNATURE } from './request.js';
export { geminiToOpenaiResponse, geminiUsage, mapFinishReason as geminiFinishReason } from './response.js';
export { GeminiToOpenaiStream } from './stream.js';
export { openaiToGeminiEmbeddings, geminiToOpenaiEmbeddings, geminiEmbeddingsUsage } from './embeddings.js';
export { geminiErrorToOpenai } from './errors.js';
export { toGeminiSchema, toGeminiParameters } from './schema.js';
export type * from './types.js';
