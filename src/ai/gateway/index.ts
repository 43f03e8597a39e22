/**
 * The AI request path of the data plane: services of kind `ai` serve OpenAI- and Anthropic-compatible
 * endpoints from the providers, aliases and keys of the config snapshot. The gateway calls
 * `compileAi` when it compiles a snapshot and `handleAi` after a request's phases.
 */
export { compileAi, type AiCompileResources, type CompiledAi } from './compile.js';
export { handleAi } from './handler.js';
export { aiErrorBody } from './errors.js';
export { BASIC_HOOKS, catalogCost, type AiHooks, type AiLimiterHook, type LimitVerdict } from './hooks.js';
export { DEFAULT_AI_RETRIES, DEFAULT_MAX_TOKENS, type AiSnapshot, type CompiledAiService, type ResolvedTarget } from './types.js';
