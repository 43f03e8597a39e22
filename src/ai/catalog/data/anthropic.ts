/**
 * Anthropic (Claude API). Prices from Anthropic's pricing page: cache_write is the 5-minute cache
 * write, cache_read is "cache hits and refreshes". Context windows and output limits from each
 * model's overview page (platform.claude.com/docs/en/models/<model>/overview).
 */
import type { CatalogModel } from '../types.js';
import { defineModels } from './define.js';

const PRICING = 'https://platform.claude.com/docs/en/about-claude/pricing';
const READ = '2026-11-26';
const CLAUDE = { tools: true, vision: true, json_schema: true, reasoning: true } as const;

export const models: CatalogModel[] = defineModels('anthropic', [
  {
    model: 'claude-fable-5-1',
    display_name: 'Claude Fable 5.1',
    context_window: 1_000_000,
    max_output_tokens: 128_000,
    caps: CLAUDE,
    price: { input: 10, output: 50, cache_write: 12.5, cache_read: 0.25, source: PRICING, as_of: READ },
    notes: 'Adaptive thinking is always on.',
  },
  {
    model: 'claude-fable-5',
    display_name: 'Claude Fable 5',
    context_window: 1_000_000,
    max_output_tokens: 128_000,
    caps: CLAUDE,
    price: { input: 10, output: 50, cache_write: 12.5, cache_read: 1, source: PRICING, as_of: READ },
    notes: 'Legacy: Claude Fable 5.1 is the current Fable model.',
  },
  {
    model: 'claude-opus-5',
    display_name: 'Claude Opus 5',
    context_window: 1_000_000,
    max_output_tokens: 128_000,
    caps: CLAUDE,
    price: { input: 5, output: 25, cache_write: 6.25, cache_read: 0.5, source: PRICING, as_of: READ },
  },
  {
    model: 'claude-opus-4-8',
    display_name: 'Claude Opus 4.8',
    context_window: 1_000_000,
    max_output_tokens: 128_000,
    caps: CLAUDE,
    price: { input: 5, output: 25, cache_write: 6.25, cache_read: 0.5, source: PRICING, as_of: READ },
  },
  {
    model: 'claude-opus-4-6',
    display_name: 'Claude Opus 4.6',
    context_window: 1_000_000,
    max_output_tokens: 128_000,
    caps: CLAUDE,
    price: { input: 5, output: 25, cache_write: 6.25, cache_read: 0.5, source: PRICING, as_of: READ },
  },
  {
    model: 'claude-opus-4-5-20251101',
    display_name: 'Claude Opus 4.5',
    context_window: 200_000,
    max_output_tokens: 64_000,
    caps: CLAUDE,
    price: { input: 5, output: 25, cache_write: 6.25, cache_read: 0.5, source: PRICING, as_of: READ },
    aliases: ['anthropic/claude-opus-4-5'],
  },
  {
    model: 'claude-sonnet-5',
    display_name: 'Claude Sonnet 5',
    context_window: 1_000_000,
    max_output_tokens: 128_000,
    caps: CLAUDE,
    price: { input: 2, output: 10, cache_write: 2.5, cache_read: 0.2, source: PRICING, as_of: READ },
  },
  {
    model: 'claude-sonnet-4-6',
    display_name: 'Claude Sonnet 4.6',
    context_window: 1_000_000,
    max_output_tokens: 128_000,
    caps: CLAUDE,
    price: { input: 3, output: 15, cache_write: 3.75, cache_read: 0.3, source: PRICING, as_of: READ },
  },
  {
    model: 'claude-sonnet-4-5-20250929',
    display_name: 'Claude Sonnet 4.5',
    context_window: 200_000,
    max_output_tokens: 64_000,
    caps: CLAUDE,
    price: { input: 3, output: 15, cache_write: 3.75, cache_read: 0.3, source: PRICING, as_of: READ },
    aliases: ['anthropic/claude-sonnet-4-5'],
    deprecated: true,
    notes: 'Deprecated by Anthropic; retires 2026-11-30.',
  },
  {
    model: 'claude-haiku-4-5-20251001',
    display_name: 'Claude Haiku 4.5',
    context_window: 200_000,
    max_output_tokens: 64_000,
    caps: CLAUDE,
    price: { input: 1, output: 5, cache_write: 1.25, cache_read: 0.1, source: PRICING, as_of: READ },
    aliases: ['anthropic/claude-haiku-4-5'],
  },
]);
