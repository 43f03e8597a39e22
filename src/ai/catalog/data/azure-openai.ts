/**
 * Azure OpenAI: the OpenAI models as deployed on Azure, priced as Azure's Global (standard)
 * deployment, which matches OpenAI's own token rates; Data Zone and Regional deployments cost more.
 * `model` is the Azure model name; the deployment name an operator chose is configured on the route.
 * Azure's pricing page is rendered client-side and was not readable here: these prices were
 * cross-checked from dated copies of its Global deployment table.
 */
import type { CatalogModel } from '../types.js';
import { defineModels, TOOLS_JSON_VISION } from './define.js';

const PRICING = 'https://azure.microsoft.com/en-us/pricing/details/cognitive-services/openai-service/';
const READ = '2026-11-26';
const GLOBAL = 'Global deployment price (cross-checked); Data Zone and Regional deployments cost more.';
const EMBED = { streaming: false } as const;

export const models: CatalogModel[] = defineModels('azure-openai', [
  {
    model: 'gpt-4.1',
    display_name: 'GPT-4.1 (Azure)',
    context_window: 1_047_576,
    max_output_tokens: 32_768,
    caps: TOOLS_JSON_VISION,
    price: { input: 2, output: 8, cache_read: 0.5, source: PRICING, as_of: READ },
    notes: GLOBAL,
  },
  {
    model: 'gpt-4.1-mini',
    display_name: 'GPT-4.1 mini (Azure)',
    context_window: 1_047_576,
    max_output_tokens: 32_768,
    caps: TOOLS_JSON_VISION,
    price: { input: 0.4, output: 1.6, cache_read: 0.1, source: PRICING, as_of: READ },
    notes: GLOBAL,
  },
  {
    model: 'gpt-4.1-nano',
    display_name: 'GPT-4.1 nano (Azure)',
    context_window: 1_047_576,
    max_output_tokens: 32_768,
    caps: TOOLS_JSON_VISION,
    price: { input: 0.1, output: 0.4, cache_read: 0.03, source: PRICING, as_of: READ },
    notes: `Azure lists cached input at $0.03 (OpenAI: $0.025). ${GLOBAL}`,
  },
  {
    model: 'gpt-4o',
    display_name: 'GPT-4o (Azure)',
    context_window: 128_000,
    max_output_tokens: 16_384,
    caps: TOOLS_JSON_VISION,
    price: { input: 2.5, output: 10, cache_read: 1.25, source: PRICING, as_of: READ },
    notes: GLOBAL,
  },
  {
    model: 'gpt-4o-mini',
    display_name: 'GPT-4o mini (Azure)',
    context_window: 128_000,
    max_output_tokens: 16_384,
    caps: TOOLS_JSON_VISION,
    price: { input: 0.15, output: 0.6, cache_read: 0.075, source: PRICING, as_of: READ },
    notes: GLOBAL,
  },
  {
    model: 'text-embedding-3-small',
    display_name: 'text-embedding-3-small (Azure)',
    mode: 'embedding',
    context_window: 8_191,
    max_output_tokens: null,
    caps: EMBED,
    price: { input: 0.02, output: 0, source: PRICING, as_of: READ },
    notes: GLOBAL,
  },
  {
    model: 'text-embedding-3-large',
    display_name: 'text-embedding-3-large (Azure)',
    mode: 'embedding',
    context_window: 8_191,
    max_output_tokens: null,
    caps: EMBED,
    price: { input: 0.13, output: 0, source: PRICING, as_of: READ },
    notes: GLOBAL,
  },
  {
    model: 'text-embedding-ada-002',
    display_name: 'text-embedding-ada-002 (Azure)',
    mode: 'embedding',
    context_window: 8_191,
    max_output_tokens: null,
    caps: EMBED,
    price: { input: 0.1, output: 0, source: PRICING, as_of: READ },
    notes: GLOBAL,
  },
]);
