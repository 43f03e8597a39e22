/**
 * Groq. Prices, context windows and completion limits from GroqCloud's supported-models page
 * (production models). Groq only lists models it serves today; preview models are left out.
 */
import type { CatalogModel } from '../types.js';
import { defineModels } from './define.js';

const MODELS = 'https://console.groq.com/docs/models';
const READ = '2026-11-26';

export const models: CatalogModel[] = defineModels('groq', [
  {
    model: 'openai/gpt-oss-120b',
    display_name: 'GPT-OSS 120B (Groq)',
    context_window: 131_072,
    max_output_tokens: 65_536,
    caps: { tools: true, json_mode: true, json_schema: true, reasoning: true },
    price: { input: 0.15, output: 0.6, cache_read: 0.075, source: MODELS, as_of: READ },
    notes: 'Cached-input price per the Groq pricing page (groq.com/pricing).',
  },
  {
    model: 'openai/gpt-oss-20b',
    display_name: 'GPT-OSS 20B (Groq)',
    context_window: 131_072,
    max_output_tokens: 65_536,
    caps: { tools: true, json_mode: true, json_schema: true, reasoning: true },
    price: { input: 0.075, output: 0.3, source: MODELS, as_of: READ },
  },
  {
    model: 'llama-3.3-70b-versatile',
    display_name: 'Llama 3.3 70B Versatile (Groq)',
    context_window: 131_072,
    max_output_tokens: 32_768,
    caps: { tools: true, json_mode: true },
    price: { input: 0.59, output: 0.79, source: MODELS, as_of: READ },
    notes: 'A later copy of the models page shows "Contact sales" for this model; verify before billing.',
  },
  {
    model: 'llama-3.1-8b-instant',
    display_name: 'Llama 3.1 8B Instant (Groq)',
    context_window: 131_072,
    max_output_tokens: 131_072,
    caps: { tools: true, json_mode: true },
    price: { input: 0.05, output: 0.08, source: MODELS, as_of: READ },
    notes: 'A later copy of the models page shows "Contact sales" for this model; verify before billing.',
  },
]);
