/**
 * The OpenAI protocol: the hub. Requests and responses in this format need no translation; what lives
 * here is reading them (usage, stream health) while they are passed through, and the small quirks of
 * OpenAI-compatible providers.
 *
 * Decisions:
 * - Stream usage: Gantry always asks the upstream for it (`ensureStreamUsage`). If the client did not
 *   ask, the usage-only chunk (`choices: []`) is dropped before the client sees it (the inspector
 *   flags it); the `usage: null` members on other chunks are forwarded unchanged (schema-valid,
 *   ignored by clients, and rewriting them would cost a serialisation per chunk).
 * - A passthrough stream is complete when `[DONE]` arrived, or a finish_reason arrived and the body
 *   ended cleanly; an `{"error": …}` object inside the stream makes it incomplete.
 * - OpenRouter `: comment` keep-alives are dropped by `SseParser`; no handler is needed.
 */
export { normalizeOpenaiUsage, usageFromChunk, ensureStreamUsage } from './usage.js';
export { OpenaiStreamInspector, type InspectSignal, type InspectorResult } from './stream-inspector.js';
export { applyMistralQuirks, type MistralChatRequest } from './quirks.js';
