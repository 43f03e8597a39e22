/**
 * Helpers that keep the shipped data short: the id is built from provider and model (so it cannot
 * drift), capabilities default to false, and every price names its source page and read date.
 */
import type { Capabilities, CatalogModel, ModelMode, ProviderKind } from '../types.js';

export interface ModelSpec {
  model: string;
  display_name: string;
  mode?: ModelMode;
  context_window: number;
  max_output_tokens: number | null;
  /** Capabilities that are true; the rest are false. `streaming` defaults to true for chat models. */
  caps?: Partial<Capabilities>;
  price: {
    input: number;
    output: number;
    cache_read?: number | null;
    cache_write?: number | null;
    source: string;
    as_of: string;
  };
  aliases?: string[];
  deprecated?: boolean;
  notes?: string;
}

/** Text chat with tools and structured output: the common case. */
export const TOOLS_JSON: Partial<Capabilities> = { tools: true, json_mode: true, json_schema: true };
export const TOOLS_JSON_VISION: Partial<Capabilities> = { ...TOOLS_JSON, vision: true };
export const TOOLS_JSON_VISION_REASONING: Partial<Capabilities> = { ...TOOLS_JSON_VISION, reasoning: true };

export function defineModels(provider: ProviderKind, specs: readonly ModelSpec[]): CatalogModel[] {
  return specs.map((spec) => {
    const mode = spec.mode ?? 'chat';
    const caps = spec.caps ?? {};
    const model: CatalogModel = {
      id: `${provider}/${spec.model}`,
      provider,
      model: spec.model,
      display_name: spec.display_name,
      mode,
      context_window: spec.context_window,
      max_output_tokens: spec.max_output_tokens,
      capabilities: {
        tools: caps.tools ?? false,
        vision: caps.vision ?? false,
        json_mode: caps.json_mode ?? false,
        json_schema: caps.json_schema ?? false,
        streaming: caps.streaming ?? mode === 'chat',
        reasoning: caps.reasoning ?? false,
      },
      price: {
        input: spec.price.input,
        output: spec.price.output,
        cache_read: spec.price.cache_read ?? null,
        cache_write: spec.price.cache_write ?? null,
        currency: 'USD',
        source: spec.price.source,
        as_of: spec.price.as_of,
      },
    };
    if (spec.aliases) model.aliases = spec.aliases;
    if (spec.deprecated) model.deprecated = true;
    if (spec.notes) model.notes = spec.notes;
    return model;
  });
}
