/**
 * Google Gemini API (AI Studio). Prices are the Paid tier, Standard, for text/image/video input;
 * tiered models use the base tier (prompts up to 200K tokens) and say so in notes. Limits from the
 * model pages on ai.google.dev. The pricing page was read through a dated verbatim transcription
 * (2026-09-20), with outputs it did not carry cross-checked from other dated copies. Context-cache
 * prices could not be verified for most models: cache_read is then null (cached tokens bill at input).
 */
import type { CatalogModel } from '../types.js';
import { defineModels, TOOLS_JSON_VISION_REASONING } from './define.js';

const PRICING = 'https://ai.google.dev/gemini-api/docs/pricing';
const AS_OF = '2026-09-20';
const TIER = 'Base tier (prompts up to 200K tokens); longer prompts cost more.';

export const models: CatalogModel[] = defineModels('gemini', [
  {
    model: 'gemini-3.8-flash',
    display_name: 'Gemini 3.8 Flash',
    context_window: 1_000_000,
    max_output_tokens: 65_536,
    caps: TOOLS_JSON_VISION_REASONING,
    price: { input: 0.75, output: 3.75, source: PRICING, as_of: AS_OF },
    notes: 'Introductory price through 2026-12-31; $1.50 input / $7.50 output from 2027-01-01.',
  },
  {
    model: 'gemini-3.5-flash',
    display_name: 'Gemini 3.5 Flash',
    context_window: 1_048_576,
    max_output_tokens: 65_536,
    caps: TOOLS_JSON_VISION_REASONING,
    price: { input: 1.5, output: 9, cache_read: 0.15, source: PRICING, as_of: AS_OF },
    notes: 'Output price includes thinking tokens.',
  },
  {
    model: 'gemini-3.1-pro-preview',
    display_name: 'Gemini 3.1 Pro (preview)',
    context_window: 1_048_576,
    max_output_tokens: 65_536,
    caps: TOOLS_JSON_VISION_REASONING,
    price: { input: 2, output: 12, source: PRICING, as_of: AS_OF },
    notes: `${TIER} Over 200K: $4 input / $18 output.`,
  },
  {
    model: 'gemini-2.5-pro',
    display_name: 'Gemini 2.5 Pro',
    context_window: 1_048_576,
    max_output_tokens: 65_536,
    caps: TOOLS_JSON_VISION_REASONING,
    price: { input: 1.25, output: 10, source: PRICING, as_of: AS_OF },
    notes: `${TIER} Over 200K: $2.50 input / $15 output.`,
  },
  {
    model: 'gemini-2.5-flash',
    display_name: 'Gemini 2.5 Flash',
    context_window: 1_048_576,
    max_output_tokens: 65_536,
    caps: TOOLS_JSON_VISION_REASONING,
    price: { input: 0.3, output: 2.5, source: PRICING, as_of: AS_OF },
    notes: 'Text/image/video input price; audio input costs $1.00.',
  },
  {
    model: 'gemini-2.5-flash-lite',
    display_name: 'Gemini 2.5 Flash-Lite',
    context_window: 1_048_576,
    max_output_tokens: 65_536,
    caps: TOOLS_JSON_VISION_REASONING,
    price: { input: 0.1, output: 0.4, source: PRICING, as_of: AS_OF },
    notes: 'Text/image/video input price; audio input costs $0.30.',
  },
  {
    model: 'gemini-embedding-001',
    display_name: 'Gemini Embedding 001',
    mode: 'embedding',
    context_window: 2_048,
    max_output_tokens: null,
    caps: { streaming: false },
    price: { input: 0.15, output: 0, source: PRICING, as_of: AS_OF },
  },
]);
