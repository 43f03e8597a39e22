/**
 * DeepSeek. deepseek-chat and deepseek-reasoner are the non-thinking and thinking modes of the same
 * model; both bill input on cache miss, cached input on cache hit, and output (reasoning included).
 * The copy of DeepSeek's pricing page reachable from here predates the V3.2 prices, so these prices
 * were cross-checked from dated copies of it (2025-12-09).
 */
import type { CatalogModel } from '../types.js';
import { defineModels } from './define.js';

const PRICING = 'https://api-docs.deepseek.com/quick_start/pricing';
const AS_OF = '2025-12-09';

export const models: CatalogModel[] = defineModels('deepseek', [
  {
    model: 'deepseek-chat',
    display_name: 'DeepSeek Chat (V3.2, non-thinking)',
    context_window: 128_000,
    max_output_tokens: 8_192,
    caps: { tools: true, json_mode: true },
    price: { input: 0.28, output: 0.42, cache_read: 0.028, source: PRICING, as_of: AS_OF },
    notes: 'Cross-checked price; DeepSeek changes prices with model upgrades, verify before billing.',
  },
  {
    model: 'deepseek-reasoner',
    display_name: 'DeepSeek Reasoner (V3.2, thinking)',
    context_window: 128_000,
    max_output_tokens: 65_536,
    caps: { tools: true, json_mode: true, reasoning: true },
    price: { input: 0.28, output: 0.42, cache_read: 0.028, source: PRICING, as_of: AS_OF },
    notes: 'Cross-checked price; DeepSeek changes prices with model upgrades, verify before billing.',
  },
]);
