/**
 * Import of a price file in LiteLLM's format (`model_prices_and_context_window.json`): an object of
 * model name → { litellm_provider, mode, max_input_tokens, max_output_tokens, input_cost_per_token,
 * output_cost_per_token, cache_read_input_token_cost, cache_creation_input_token_cost, supports_* }.
 * Per-token costs become per-1M prices; entries that cannot be mapped are returned as skipped, with why.
 */
import { validationError } from '../../core/errors.js';
import type { CatalogModel, ModelMode, ProviderKind } from './types.js';
import { modelErrors } from './validate.js';

/** LiteLLM provider name → Gantry provider kind. */
const PROVIDER_MAP: Readonly<Record<string, ProviderKind>> = {
  openai: 'openai',
  azure: 'azure-openai',
  anthropic: 'anthropic',
  gemini: 'gemini',
  'vertex_ai-language-models': 'gemini',
  bedrock: 'bedrock',
  bedrock_converse: 'bedrock',
  mistral: 'mistral',
  deepseek: 'deepseek',
  groq: 'groq',
  together_ai: 'together',
  fireworks_ai: 'fireworks',
  xai: 'xai',
  openrouter: 'openrouter',
  ollama: 'ollama',
};

const MODE_MAP: Readonly<Record<string, ModelMode>> = { chat: 'chat', embedding: 'embedding' };

export interface LiteLLMImportOptions {
  /** Keep only these providers (after mapping); others are reported as skipped. */
  providers?: ProviderKind[];
  /** The import date recorded as each price's `as_of` (YYYY-MM-DD); defaults to today (UTC). */
  asOf?: string;
}

export interface LiteLLMImport {
  models: CatalogModel[];
  skipped: { key: string; reason: string }[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function cost(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Per-token USD → per-1M USD, with float noise (e.g. 0.15000000000000002) rounded away. */
function perMillion(perToken: number): number {
  return Number((perToken * 1_000_000).toFixed(10));
}

function tokens(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/** The provider's model id: the key without LiteLLM's `<provider>/` prefix. */
function modelName(key: string, litellmProvider: string): string {
  const prefixes = [`${litellmProvider}/`, litellmProvider === 'vertex_ai-language-models' ? 'vertex_ai/' : ''];
  for (const prefix of prefixes) {
    if (prefix && key.startsWith(prefix)) return key.slice(prefix.length);
  }
  return key;
}

type Converted = { model: CatalogModel } | { reason: string };

function convert(key: string, entry: Record<string, unknown>, asOf: string, wanted?: ProviderKind[]): Converted {
  const litellmProvider = typeof entry.litellm_provider === 'string' ? entry.litellm_provider : '';
  const provider = PROVIDER_MAP[litellmProvider];
  if (!provider) return { reason: `provider "${litellmProvider || '(none)'}" has no Gantry equivalent` };
  if (wanted && !wanted.includes(provider)) return { reason: `provider "${provider}" was not requested` };
  const mode = MODE_MAP[typeof entry.mode === 'string' ? entry.mode : ''];
  if (!mode) return { reason: `mode "${String(entry.mode ?? '(none)')}" is not chat or embedding` };
  const model = modelName(key, litellmProvider);
  if (provider === 'bedrock' && model.includes('/')) {
    return { reason: 'region- or commitment-specific Bedrock entry' };
  }
  const input = cost(entry.input_cost_per_token);
  if (input === undefined) return { reason: 'no input_cost_per_token' };
  const output = cost(entry.output_cost_per_token) ?? (mode === 'embedding' ? 0 : undefined);
  if (output === undefined) return { reason: 'no output_cost_per_token' };
  const contextWindow = tokens(entry.max_input_tokens) ?? tokens(entry.max_tokens);
  if (contextWindow === undefined) return { reason: 'no max_input_tokens or max_tokens' };
  const cacheRead = cost(entry.cache_read_input_token_cost);
  const cacheWrite = cost(entry.cache_creation_input_token_cost);
  const deprecation = typeof entry.deprecation_date === 'string' ? entry.deprecation_date : undefined;
  const candidate: CatalogModel = {
    id: `${provider}/${model}`,
    provider,
    model,
    display_name: model,
    mode,
    context_window: contextWindow,
    max_output_tokens: mode === 'chat' ? (tokens(entry.max_output_tokens) ?? null) : null,
    capabilities: {
      tools: entry.supports_function_calling === true,
      vision: entry.supports_vision === true,
      json_mode: entry.supports_response_schema === true,
      json_schema: entry.supports_response_schema === true,
      streaming: mode === 'chat' && entry.supports_native_streaming !== false,
      reasoning: entry.supports_reasoning === true,
    },
    price: {
      input: perMillion(input),
      output: perMillion(output),
      cache_read: cacheRead === undefined ? null : perMillion(cacheRead),
      cache_write: cacheWrite === undefined ? null : perMillion(cacheWrite),
      currency: 'USD',
      source: 'litellm-import',
      as_of: asOf,
    },
    ...(deprecation !== undefined && deprecation <= asOf ? { deprecated: true } : {}),
    ...(deprecation !== undefined ? { notes: `LiteLLM deprecation_date ${deprecation}` } : {}),
  };
  const errors = modelErrors(candidate);
  if (errors.length > 0) return { reason: errors.map((e) => `${e.path} ${e.message}`).join('; ') };
  return { model: candidate };
}

/**
 * Converts a LiteLLM price file to catalog models (source `litellm-import`, as_of the import date).
 * Throws GANTRY_ERR_VALIDATION only when the file is not an object of entries.
 */
export function importLiteLLMPrices(json: unknown, opts: LiteLLMImportOptions = {}): LiteLLMImport {
  if (!isRecord(json)) {
    throw validationError('A LiteLLM price file is an object of model name to entry', [
      { path: '/', message: 'must be a JSON object' },
    ]);
  }
  const asOf = opts.asOf ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) {
    throw validationError('The import date is not valid', [{ path: '/asOf', message: 'must be YYYY-MM-DD' }]);
  }
  const models: CatalogModel[] = [];
  const skipped: LiteLLMImport['skipped'] = [];
  const seen = new Map<string, string>();
  for (const [key, entry] of Object.entries(json)) {
    if (key === 'sample_spec') continue;
    if (!isRecord(entry)) {
      skipped.push({ key, reason: 'entry is not an object' });
      continue;
    }
    const result = convert(key, entry, asOf, opts.providers);
    if ('reason' in result) {
      skipped.push({ key, reason: result.reason });
      continue;
    }
    const first = seen.get(result.model.id);
    if (first !== undefined) {
      skipped.push({ key, reason: `same model id "${result.model.id}" as entry "${first}"` });
      continue;
    }
    seen.set(result.model.id, key);
    models.push(result.model);
  }
  return { models, skipped };
}
