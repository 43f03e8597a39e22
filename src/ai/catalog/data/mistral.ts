/**
 * Mistral AI (La Plateforme). Dated model versions are listed rather than the moving `-latest`
 * aliases, whose price changes when the alias moves. Mistral's pricing page was not readable here;
 * each price below was cross-checked between at least two dated copies (for Pixtral Large and
 * Magistral Small, against the same models' Bedrock list prices).
 */
import type { CatalogModel } from '../types.js';
import { defineModels } from './define.js';

const PRICING = 'https://mistral.ai/pricing';
const READ = '2026-11-26';
const CROSS = 'Cross-checked price.';

export const models: CatalogModel[] = defineModels('mistral', [
  {
    model: 'mistral-large-2411',
    display_name: 'Mistral Large 24.11',
    context_window: 131_072,
    max_output_tokens: null,
    caps: { tools: true, json_mode: true, json_schema: true },
    price: { input: 2, output: 6, source: PRICING, as_of: READ },
    notes: CROSS,
  },
  {
    model: 'pixtral-large-2411',
    display_name: 'Pixtral Large 24.11',
    context_window: 131_072,
    max_output_tokens: null,
    caps: { tools: true, json_mode: true, json_schema: true, vision: true },
    price: { input: 2, output: 6, source: PRICING, as_of: READ },
    notes: CROSS,
  },
  {
    model: 'magistral-small-2509',
    display_name: 'Magistral Small 25.09',
    context_window: 131_072,
    max_output_tokens: null,
    caps: { tools: true, json_mode: true, json_schema: true, reasoning: true },
    price: { input: 0.5, output: 1.5, source: PRICING, as_of: READ },
    notes: CROSS,
  },
  {
    model: 'mistral-embed',
    display_name: 'Mistral Embed',
    mode: 'embedding',
    context_window: 8_192,
    max_output_tokens: null,
    caps: { streaming: false },
    price: { input: 0.1, output: 0, source: PRICING, as_of: READ },
    notes: `1024 dimensions. ${CROSS}`,
  },
]);
