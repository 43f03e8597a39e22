/**
 * The Anthropic Messages protocol, translated to and from the OpenAI hub types. Pure, synchronous
 * functions and stateful stream translators: no I/O, no timers. Request translators throw
 * GANTRY_ERR_VALIDATION for input the other side cannot express; response and stream translators
 * never throw (a stream problem is an output of kind `error`).
 *
 * Decisions (OpenAI client → Anthropic provider):
 * - system/developer messages, wherever they are, become the top-level `system`: a string when there
 *   was one string message, else text blocks (one per message or part, order kept).
 * - Consecutive same-role turns are merged; tool messages become `tool_result` blocks of a user turn,
 *   placed before any text of that turn (Anthropic requires it). Empty text is dropped (Anthropic
 *   rejects empty text blocks).
 * - Tool-call arguments that are not a JSON object (truncated output, or a model's bad JSON in the
 *   history) are sent honestly as `{"_gantry_raw_arguments": "<raw text>"}` rather than rejected (that
 *   would make the conversation unusable) or replaced by `{}` (that would hide the text). The inbound
 *   translator unwraps that shape back to the raw text. Empty arguments become `{}`.
 * - `response_format: json_schema` → one extra tool whose input_schema is the schema, named after the
 *   schema, and forced (`tool_choice: {type: tool}`, or `any` when the client's own tools are offered
 *   too). `json_object` → the same with tool `json_response` and a schema accepting any object: a forced
 *   tool input is always a JSON object, unlike a system instruction plus prefill, which breaks with
 *   thinking and needs the prefill re-added to every answer. Pass `jsonResponseToolName(req)` as
 *   `jsonTool` to the response translators: they turn that tool call into the message content and
 *   report finish_reason `stop`.
 * - max_completion_tokens, else max_tokens, else `defaultMaxTokens` (Anthropic requires one).
 * - temperature above 1 is clamped to 1 (OpenAI allows 0–2, Anthropic 0–1; both default to 1, so
 *   scaling would change every non-default value). n > 1 is rejected. seed, penalties, logprobs are
 *   dropped. `user` → metadata.user_id. Assistant `reasoning_content` is not sent back (Anthropic
 *   accepts thinking blocks only with their signature).
 * - reasoning_effort low/medium/high → thinking budgets 1024/4096/16384, fitted under max_tokens
 *   (no thinking if under 1024 tokens are left, or if a tool is forced, which Anthropic forbids);
 *   with thinking on, temperature and top_p are dropped (Anthropic rejects them).
 * - Images: data: URLs → base64 sources (JPEG/PNG/GIF/WebP only), http(s) → url sources. Inline PDF
 *   `file` parts → document blocks. Other parts are rejected.
 *
 * Decisions (Anthropic client → any provider through the hub):
 * - `system` string → one system message; blocks → one system message with text parts.
 * - tool_result blocks → tool messages, before the turn's other content; `is_error` is kept as a
 *   leading "Error: " in the content; images inside a tool result go to a user message right after.
 * - thinking `{enabled, budget_tokens}` → reasoning_effort (≤2048 low, ≤8192 medium, else high); a
 *   provider that does not reason may reject reasoning_effort. Thinking blocks in the history →
 *   `reasoning_content` (signatures are lost). Server tools and unknown blocks are rejected.
 * - max_tokens → max_tokens (understood by every OpenAI-compatible provider). A stream asks for
 *   `stream_options.include_usage` (message_delta needs the usage). top_k and cache_control are dropped.
 *
 * Usage: OpenAI prompt_tokens = input + cache_read + cache_creation; cached_tokens = cache_read;
 * cache_write_tokens = cache_creation; the inverse for Anthropic clients. message_delta counts are
 * cumulative: each replaces the previous value.
 *
 * Errors: Anthropic types keep their names as OpenAI types except api_error/overloaded_error →
 * server_error, request_too_large → invalid_request_error, billing_error → insufficient_quota,
 * timeout_error → timeout; the Anthropic type is always kept in `code`; overloaded_error (529) is reported as 503 to
 * OpenAI clients (529 is not a registered status; every OpenAI SDK retries 503). OpenAI errors map to
 * Anthropic types by status. A stream that fails or ends before its last event gives an error output
 * (Anthropic clients: `event: error` with type api_error, never message_stop; OpenAI clients: an
 * error object, never `[DONE]`). Stream errors Gantry detects carry code GANTRY_ERR_UPSTREAM_FAILED.
 */
export type * from './types.js';
export {
  openaiToAnthropicRequest,
  jsonResponseToolName,
  argumentsToInput,
  parseDataUrl,
  RAW_ARGUMENTS_KEY,
  JSON_OBJECT_TOOL,
  THINKING_BUDGETS,
} from './request.js';
export { anthropicToOpenaiRequest, inputToArguments, effortForBudget, TOOL_ERROR_PREFIX } from './request-to-openai.js';
export {
  anthropicToOpenaiResponse,
  openaiToAnthropicResponse,
  anthropicStopToFinish,
  finishToAnthropicStop,
  type AnthropicToOpenaiResponseOptions,
} from './response.js';
export { AnthropicToOpenaiStream, type AnthropicToOpenaiStreamOptions } from './stream-to-openai.js';
export { OpenaiToAnthropicStream } from './stream-from-openai.js';
export { anthropicErrorToOpenai, openaiErrorToAnthropic, anthropicErrorToOpenaiError, anthropicStreamErrorEvent } from './errors.js';
export {
  anthropicUsageToOpenai,
  anthropicUsageToNormalized,
  normalizedToAnthropicUsage,
} from './usage.js';
