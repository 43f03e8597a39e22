/**
 * Token estimates made before a call (limits and budgets) and when a provider reports no usage.
 *
 * Chat overhead follows OpenAI's counting guide ("How to count tokens with tiktoken", OpenAI
 * Cookbook): 3 tokens per message plus its role and content, 1 more for a `name`, 3 to prime the
 * reply; tool definitions follow the same guide's function-counting rules. For models that are not
 * OpenAI's the count is an approximation (see encodingForModel); the limiter reconciles with the
 * provider's usage after the call, so an estimate only needs to be close.
 *
 * Bodies arrive as parsed JSON the handler has only shape-checked, so every field is read defensively.
 */
import type { ChatRequest, EmbeddingsRequest } from '../protocols/openai-types.js';
import { encodingForModel, tokenCounter, type TokenCounter } from './tokenizer.js';

/**
 * Characters one estimate tokenizes exactly. Measured on a loaded 2-core machine: ~5 ms for 100 KB
 * of prose, ~60 ms for 100 KB of random base64 (the worst realistic text: many short multi-token
 * pieces). Beyond it, and for any single text larger than what is left, the count is
 * ⌈ASCII chars / 4⌉ + one token per non-ASCII char: a rough bound (English runs ~4 chars per token,
 * CJK about one token per char or a little less) that costs one pass over the string, so a 5 MB
 * prompt cannot stall the event loop. Limits are reconciled with the provider's usage anyway.
 */
export const EXACT_CHARS_PER_ESTIMATE = 100_000;

const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING = 3;
/** Per tool call in an assistant message: an undocumented wrapper; 3, like a message. */
const TOKENS_PER_TOOL_CALL = 3;

/**
 * Images are not decoded, so each one counts a fixed estimate. OpenAI (gpt-4o family): 85 tokens
 * at `detail: low`; otherwise 85 + 170 per 512-px tile, which is 765 for a 1024×1024 image (4 tiles)
 * — the figure used. Anthropic: about width × height / 750 tokens, ≈1,600 for the largest image it
 * accepts without resizing (~1.15 megapixels) — the figure used.
 */
export const IMAGE_TOKENS = { openaiLow: 85, openai: 765, anthropic: 1_600 } as const;

/**
 * Function counting constants from the OpenAI Cookbook guide (gpt-4o / gpt-4o-mini; the guide uses
 * 10 instead of 7 per function for gpt-4 and gpt-3.5-turbo, i.e. cl100k models).
 */
const TOOLS = { funcInitO200k: 7, funcInitCl100k: 10, propInit: 3, propKey: 3, enumInit: -3, enumItem: 3, funcEnd: 12 } as const;

/** Anthropic's documented tool-use system prompt (Claude 3.7 / 4 models, `tool_choice` auto or none). */
const ANTHROPIC_TOOL_SYSTEM_PROMPT = 346;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** ⌈ASCII/4⌉ + non-ASCII chars: the rough count for texts too large to tokenize on the hot path. */
export function roughTokenCount(text: string): number {
  let nonAscii = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) nonAscii += 1;
  return Math.ceil((text.length - nonAscii) / 4) + nonAscii;
}

/** One estimate's counter: exact until the per-estimate character budget is spent. */
class Tally {
  #exactLeft = EXACT_CHARS_PER_ESTIMATE;
  constructor(readonly encoding: ReturnType<typeof encodingForModel>, readonly counter: TokenCounter) {}

  static for(model: string): Tally {
    const encoding = encodingForModel(model);
    return new Tally(encoding, tokenCounter(encoding));
  }

  text(value: unknown): number {
    if (typeof value !== 'string' || value.length === 0) return 0;
    if (value.length > this.#exactLeft) return roughTokenCount(value);
    this.#exactLeft -= value.length;
    return this.counter.count(value);
  }

  /** A JSON value as it would be serialized to the model (schemas, tool arguments as objects). */
  json(value: unknown): number {
    if (value === undefined) return 0;
    try {
      return this.text(JSON.stringify(value));
    } catch {
      return 0;
    }
  }
}

const withoutFinalDot = (s: string): string => (s.endsWith('.') ? s.slice(0, -1) : s);

/** Tool definitions by the Cookbook's rules; nested object/array schemas add their JSON (beyond the guide). */
function toolTokens(tally: Tally, tools: Array<{ name: string; description: string; parameters: unknown }>): number {
  if (tools.length === 0) return 0;
  const funcInit = tally.encoding === 'o200k_base' ? TOOLS.funcInitO200k : TOOLS.funcInitCl100k;
  let n = TOOLS.funcEnd;
  for (const tool of tools) {
    n += funcInit + tally.text(`${tool.name}:${withoutFinalDot(tool.description)}`);
    const props = isObject(tool.parameters) && isObject(tool.parameters.properties) ? tool.parameters.properties : {};
    const keys = Object.keys(props);
    if (keys.length > 0) n += TOOLS.propInit;
    for (const key of keys) {
      const prop = isObject(props[key]) ? props[key] : {};
      n += TOOLS.propKey;
      if (Array.isArray(prop.enum)) {
        n += TOOLS.enumInit;
        for (const item of prop.enum) n += TOOLS.enumItem + tally.text(String(item));
      }
      const type = Array.isArray(prop.type) ? prop.type.join('|') : str(prop.type);
      n += tally.text(`${key}:${type}:${withoutFinalDot(str(prop.description))}`);
      if (prop.properties !== undefined || prop.items !== undefined) n += tally.json({ properties: prop.properties, items: prop.items });
    }
  }
  return n;
}

function openaiContentTokens(tally: Tally, content: unknown): number {
  if (typeof content === 'string') return tally.text(content);
  let n = 0;
  for (const part of arr(content)) {
    if (!isObject(part)) continue;
    if (part.type === 'text') n += tally.text(part.text);
    else if (part.type === 'image_url') {
      const detail = isObject(part.image_url) ? part.image_url.detail : undefined;
      n += detail === 'low' ? IMAGE_TOKENS.openaiLow : IMAGE_TOKENS.openai;
    } else if (part.type === 'refusal') n += tally.text(part.refusal);
    // input_audio and file parts are not estimated; the reconcile after the call counts them.
  }
  return n;
}

/** Input tokens of an OpenAI chat request, for `model` (default: the request's own). */
export function estimatePromptTokens(req: ChatRequest, model: string = str(req.model)): number {
  const tally = Tally.for(model);
  let n = REPLY_PRIMING;
  for (const msg of arr(req.messages)) {
    if (!isObject(msg)) continue;
    n += TOKENS_PER_MESSAGE + tally.text(msg.role) + openaiContentTokens(tally, msg.content);
    if (typeof msg.name === 'string') n += TOKENS_PER_NAME + tally.text(msg.name);
    n += tally.text(msg.tool_call_id) + tally.text(msg.reasoning_content) + tally.text(msg.refusal);
    for (const call of arr(msg.tool_calls)) {
      const fn = isObject(call) && isObject(call.function) ? call.function : {};
      n += TOKENS_PER_TOOL_CALL + tally.text(fn.name) + tally.text(fn.arguments);
    }
  }
  const tools = arr(req.tools).flatMap((t) => {
    const fn = isObject(t) && isObject(t.function) ? t.function : undefined;
    return fn ? [{ name: str(fn.name), description: str(fn.description), parameters: fn.parameters }] : [];
  });
  n += toolTokens(tally, tools);
  const format = req.response_format;
  if (isObject(format) && format.type === 'json_schema' && isObject(format.json_schema)) n += tally.json(format.json_schema.schema);
  return n;
}

function anthropicBlocksTokens(tally: Tally, content: unknown): number {
  if (typeof content === 'string') return tally.text(content);
  let n = 0;
  for (const block of arr(content)) {
    if (!isObject(block)) continue;
    switch (block.type) {
      case 'text':
        n += tally.text(block.text);
        break;
      case 'image':
        n += IMAGE_TOKENS.anthropic;
        break;
      case 'tool_use':
        n += TOKENS_PER_TOOL_CALL + tally.text(block.name) + tally.json(block.input);
        break;
      case 'tool_result':
        n += tally.text(block.tool_use_id) + anthropicBlocksTokens(tally, block.content);
        break;
      case 'thinking':
        n += tally.text(block.thinking);
        break;
      case 'document':
        // Text documents are counted; PDFs are not (pages mix text and images), the reconcile does.
        if (isObject(block.source) && block.source.type === 'text') n += tally.text(block.source.data);
        break;
      default:
        break;
    }
  }
  return n;
}

/** Input tokens of an Anthropic Messages request, counted with the same rules (an approximation). */
export function estimateMessagesTokens(body: unknown, model: string): number {
  const req = isObject(body) ? body : {};
  const tally = Tally.for(model);
  let n = REPLY_PRIMING;
  if (req.system !== undefined) n += TOKENS_PER_MESSAGE + anthropicBlocksTokens(tally, req.system);
  for (const msg of arr(req.messages)) {
    if (!isObject(msg)) continue;
    n += TOKENS_PER_MESSAGE + tally.text(msg.role) + anthropicBlocksTokens(tally, msg.content);
  }
  const tools = arr(req.tools).flatMap((t) =>
    isObject(t) ? [{ name: str(t.name), description: str(t.description), parameters: t.input_schema }] : [],
  );
  if (tools.length > 0) n += ANTHROPIC_TOOL_SYSTEM_PROMPT + toolTokens(tally, tools);
  return n;
}

/** Tokens of embeddings input: strings are tokenized, token arrays are counted as they are. */
export function estimateEmbeddingTokens(input: EmbeddingsRequest['input'] | unknown, model: string): number {
  if (typeof input === 'string') return Tally.for(model).text(input);
  if (!Array.isArray(input)) return 0;
  const tally = Tally.for(model);
  let n = 0;
  for (const item of input) {
    if (typeof item === 'string') n += tally.text(item);
    else if (typeof item === 'number') n += 1;
    else if (Array.isArray(item)) n += item.length;
  }
  return n;
}

/** Tokens of plain text for `model`. */
export function estimateTextTokens(text: string, model: string): number {
  return Tally.for(model).text(text);
}

/** Tokens of generated text (for calls whose provider reported no usage). */
export function estimateCompletionTokens(text: string, model: string): number {
  return Tally.for(model).text(text);
}

export type EstimatedEndpoint = 'chat' | 'messages' | 'embeddings';

/** Input tokens of a request body of any AI endpoint Gantry serves. */
export function estimateInputTokens(body: unknown, endpoint: EstimatedEndpoint, model: string): number {
  if (endpoint === 'embeddings') return estimateEmbeddingTokens(isObject(body) ? body.input : undefined, model);
  if (endpoint === 'messages') return estimateMessagesTokens(body, model);
  return estimatePromptTokens((isObject(body) ? body : { messages: [] }) as ChatRequest, model);
}

/**
 * The output the request allows, as the client asked: `max_completion_tokens` or `max_tokens`
 * (Anthropic: `max_tokens`), times `n` choices; null when it set none. Embeddings produce none.
 */
export function requestedOutputTokens(body: unknown, endpoint: EstimatedEndpoint): { maxTokens: number | null; choices: number } {
  if (endpoint === 'embeddings' || !isObject(body)) return { maxTokens: endpoint === 'embeddings' ? 0 : null, choices: 1 };
  const positive = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : null);
  const maxTokens = positive(body.max_completion_tokens) ?? positive(body.max_tokens);
  return { maxTokens, choices: endpoint === 'chat' ? (positive(body.n) ?? 1) : 1 };
}
