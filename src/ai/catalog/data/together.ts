/**
 * Together AI serverless. Model strings and context lengths from Together's serverless model
 * catalog; prices from together.ai/pricing (cross-checked: the page itself was not readable here,
 * so only models whose price two dated copies agree on are listed).
 */
import type { CatalogModel } from '../types.js';
import { defineModels } from './define.js';

const PRICING = 'https://www.together.ai/pricing';
const READ = '2026-11-26';

export const models: CatalogModel[] = defineModels('together', [
  {
    model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
    display_name: 'Llama 3.3 70B Instruct Turbo (Together)',
    context_window: 131_072,
    max_output_tokens: null,
    caps: { tools: true, json_mode: true, json_schema: true },
    price: { input: 0.88, output: 0.88, source: PRICING, as_of: READ },
    notes: 'FP8. Cross-checked price.',
  },
  {
    model: 'openai/gpt-oss-120b',
    display_name: 'GPT-OSS 120B (Together)',
    context_window: 128_000,
    max_output_tokens: null,
    caps: { tools: true, json_mode: true, json_schema: true, reasoning: true },
    price: { input: 0.15, output: 0.6, source: PRICING, as_of: READ },
    notes: 'MXFP4. Cross-checked price.',
  },
]);
