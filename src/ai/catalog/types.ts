/**
 * The model catalog's shape: one TypeBox schema, the TypeScript types inferred from it.
 * Prices are USD per 1M tokens, each with the page it was read from and the date it was read.
 */
import { Type, type Static } from '@sinclair/typebox';

export const ProviderKindSchema = Type.Union([
  Type.Literal('openai'),
  Type.Literal('azure-openai'),
  Type.Literal('anthropic'),
  Type.Literal('gemini'),
  Type.Literal('bedrock'),
  Type.Literal('mistral'),
  Type.Literal('deepseek'),
  Type.Literal('groq'),
  Type.Literal('together'),
  Type.Literal('fireworks'),
  Type.Literal('openrouter'),
  Type.Literal('xai'),
  Type.Literal('ollama'),
  Type.Literal('vllm'),
  Type.Literal('openai-compatible'),
]);
export type ProviderKind = Static<typeof ProviderKindSchema>;

export const PROVIDER_KINDS: readonly ProviderKind[] = ProviderKindSchema.anyOf.map((l) => l.const);

export const ModelModeSchema = Type.Union([Type.Literal('chat'), Type.Literal('embedding')]);
export type ModelMode = Static<typeof ModelModeSchema>;

export const CapabilitiesSchema = Type.Object(
  {
    tools: Type.Boolean(),
    vision: Type.Boolean(),
    json_mode: Type.Boolean(),
    json_schema: Type.Boolean(),
    streaming: Type.Boolean(),
    reasoning: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type Capabilities = Static<typeof CapabilitiesSchema>;

/** A per-1M-token price: finite, not negative. */
const PerMillion = Type.Number({ minimum: 0, maximum: 1_000_000 });

export const PriceSchema = Type.Object(
  {
    input: PerMillion,
    output: PerMillion,
    /** Cached input read (OpenAI "cached input", Anthropic "cache hits"); null when not priced separately. */
    cache_read: Type.Union([PerMillion, Type.Null()]),
    /** Cache write (Anthropic: the 5-minute cache write); null when not priced separately. */
    cache_write: Type.Union([PerMillion, Type.Null()]),
    currency: Type.Literal('USD'),
    /** URL of the provider's pricing or model page (or `litellm-import` for imported prices). */
    source: Type.String({ minLength: 1 }),
    /** YYYY-MM-DD: the date of the source that was read. */
    as_of: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
  },
  { additionalProperties: false },
);
export type CatalogPrice = Static<typeof PriceSchema>;

export const CatalogModelSchema = Type.Object(
  {
    /** `<provider>/<model>`: what clients send as `model`. Case-sensitive. */
    id: Type.String({ minLength: 3 }),
    provider: ProviderKindSchema,
    /** The provider's own model id, sent upstream. */
    model: Type.String({ minLength: 1 }),
    display_name: Type.String({ minLength: 1 }),
    mode: ModelModeSchema,
    context_window: Type.Integer({ minimum: 0 }),
    max_output_tokens: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
    capabilities: CapabilitiesSchema,
    price: PriceSchema,
    aliases: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    deprecated: Type.Optional(Type.Boolean()),
    notes: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type CatalogModel = Static<typeof CatalogModelSchema>;

/**
 * An operator override: the id plus any fields to change. `price` and `capabilities`
 * may be partial (merged into the shipped values); a new id must carry a complete model.
 */
export type CatalogModelOverride = { id: string } & Partial<Omit<CatalogModel, 'id' | 'price' | 'capabilities'>> & {
    price?: Partial<CatalogPrice>;
    capabilities?: Partial<Capabilities>;
  };

/** Token counts in the OpenAI convention (prompt includes cached tokens, completion includes reasoning). */
export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_read_tokens?: number;
  cache_write_tokens?: number;
  reasoning_tokens?: number;
}

/** A call's cost in USD, each part rounded to 10 decimal places. */
export interface CostBreakdown {
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
  total: number;
}
