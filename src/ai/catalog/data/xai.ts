/**
 * xAI (Grok). Prices from the xAI pricing page (text API, short-context rates). Requests whose
 * prompt reaches the long-context threshold (200K tokens) are billed at the long-context rates
 * (2x) for every token; the US regional endpoint bills 1.1x. Output limits are not published there.
 */
import type { CatalogModel } from '../types.js';
import { defineModels, TOOLS_JSON } from './define.js';

const PRICING = 'https://docs.x.ai/developers/pricing';
const READ = '2026-11-26';
const LONG = 'Base tier: prompts of 200K tokens or more are billed at 2x for all tokens.';
const GROK = { ...TOOLS_JSON, reasoning: true } as const;

export const models: CatalogModel[] = defineModels('xai', [
  {
    model: 'grok-4.7',
    display_name: 'Grok 4.7',
    context_window: 500_000,
    max_output_tokens: null,
    caps: GROK,
    price: { input: 2, output: 6, cache_read: 0.5, source: PRICING, as_of: READ },
    notes: LONG,
  },
  {
    model: 'grok-4.6',
    display_name: 'Grok 4.6',
    context_window: 500_000,
    max_output_tokens: null,
    caps: GROK,
    price: { input: 2, output: 6, cache_read: 0.5, source: PRICING, as_of: READ },
    notes: LONG,
  },
  {
    model: 'grok-4.5',
    display_name: 'Grok 4.5',
    context_window: 500_000,
    max_output_tokens: null,
    caps: GROK,
    price: { input: 2, output: 6, cache_read: 0.3, source: PRICING, as_of: READ },
    notes: LONG,
  },
  {
    model: 'grok-4.3',
    display_name: 'Grok 4.3',
    context_window: 1_000_000,
    max_output_tokens: null,
    caps: GROK,
    price: { input: 1.25, output: 2.5, cache_read: 0.2, source: PRICING, as_of: READ },
    notes: LONG,
  },
  {
    model: 'grok-4.20-0309-reasoning',
    display_name: 'Grok 4.20 (0309) reasoning',
    context_window: 1_000_000,
    max_output_tokens: null,
    caps: GROK,
    price: { input: 1.25, output: 2.5, cache_read: 0.2, source: PRICING, as_of: READ },
    notes: LONG,
  },
  {
    model: 'grok-4.20-0309-non-reasoning',
    display_name: 'Grok 4.20 (0309) non-reasoning',
    context_window: 1_000_000,
    max_output_tokens: null,
    caps: TOOLS_JSON,
    price: { input: 1.25, output: 2.5, cache_read: 0.2, source: PRICING, as_of: READ },
    notes: LONG,
  },
  {
    model: 'grok-4.20-multi-agent-0309',
    display_name: 'Grok 4.20 multi-agent (0309)',
    context_window: 1_000_000,
    max_output_tokens: null,
    caps: GROK,
    price: { input: 1.25, output: 2.5, cache_read: 0.2, source: PRICING, as_of: READ },
    notes: LONG,
  },
  {
    model: 'grok-build-0.1',
    display_name: 'Grok Build 0.1',
    context_window: 256_000,
    max_output_tokens: null,
    caps: GROK,
    price: { input: 1, output: 2, cache_read: 0.2, source: PRICING, as_of: READ },
    notes: LONG,
  },
]);
