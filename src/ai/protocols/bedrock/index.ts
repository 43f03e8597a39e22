/**
 * Bedrock protocol (Bedrock Runtime Converse / ConverseStream): OpenAI Chat Completions ↔ Converse.
 * Requests are signed with SigV4 by the caller (ai/providers/sigv4.ts, service `bedrock`); the
 * stream is `application/vnd.amazon.eventstream`, decoded by ai/transport/event-stream.ts.
 *
 * Decisions:
 * - Path `/model/{encodeAwsPathSegment(modelId)}/converse` or `/converse-stream`: `:` and `/` of
 *   model ids and inference-profile ARNs are escaped on the wire (and signed encoded twice).
 * - system and developer messages, wherever they stand, → `system: [{text}]`. Consecutive turns of
 *   one role are merged (Converse requires user/assistant alternation); tool messages become
 *   `toolResult` blocks (`content: [{text}]`, no `status`: OpenAI has no error flag and not every
 *   model takes one) in a user turn. Blank text blocks are dropped (Converse rejects them).
 *   Reasoning from earlier turns is not replayed.
 * - Images: data: URLs only (png, jpeg, gif, webp) → `{image: {format, source: {bytes}}}`; an
 *   http(s) URL → GANTRY_ERR_VALIDATION (Bedrock needs the bytes inline; Gantry does not fetch).
 *   Other part types → GANTRY_ERR_VALIDATION. `n` > 1 → GANTRY_ERR_VALIDATION (one choice only).
 * - inferenceConfig: maxTokens (max_completion_tokens ?? max_tokens), temperature, topP,
 *   stopSequences. seed, penalties, reasoning_effort and other model-specific knobs are dropped
 *   (they would need per-model `additionalModelRequestFields`).
 * - tool_choice: auto → {auto}, required → {any}, a named function → {tool}. Converse has no
 *   "none": tools are left out, unless the history holds toolUse/toolResult blocks (Bedrock then
 *   requires a toolConfig): tools stay, with no toolChoice. A history with tool blocks and no
 *   tools gets minimal specs for the tool names it uses, for the same reason.
 * - response_format json_schema / json_object → a forced tool, as the Anthropic translator does:
 *   the tool is named after json_schema.name (sanitized) or BEDROCK_JSON_TOOL, its input schema
 *   is the schema; toolChoice {tool} (or {any} when the client's own tools are offered too).
 *   openaiToConverseRequest returns its name as `jsonTool`; pass it to the response and stream
 *   translators, which turn that tool's input into message content and finish with `stop`.
 * - stopReason: end_turn/stop_sequence → stop, tool_use → tool_calls, max_tokens and
 *   model_context_window_exceeded → length, guardrail_intervened/content_filtered →
 *   content_filter, others → stop.
 * - Usage: Converse's inputTokens excludes cache reads and writes, so prompt_tokens = inputTokens
 *   + cacheReadInputTokens + cacheWriteInputTokens (OpenAI convention); cached_tokens = reads,
 *   cache_write_tokens = writes. Bedrock does not split reasoning out of outputTokens.
 * - Streams: the include_usage chunk is emitted from end(); end() before messageStop and metadata,
 *   an `exception` message (throttlingException, modelStreamErrorException, ...) or an `error`
 *   message → error output.
 * - Errors: type from `x-amzn-errortype` or `__type`; ThrottlingException 429,
 *   ValidationException 400, AccessDeniedException 403, ModelTimeoutException 504 (Bedrock says
 *   408, but towards the client it is an upstream timeout), ServiceUnavailableException 503, ...
 */
export { openaiToConverseRequest, BEDROCK_JSON_TOOL } from './request.js';
export { converseToOpenaiResponse, converseUsage, mapStopReason as bedrockFinishReason } from './response.js';
export { ConverseToOpenaiStream } from './stream.js';
export { bedrockErrorToOpenai, bedrockExceptionToOpenai } from './errors.js';
export type * from './types.js';

/** AWS SigV4 service name for Bedrock Runtime. */
export const BEDROCK_SIGNING_SERVICE = 'bedrock';
