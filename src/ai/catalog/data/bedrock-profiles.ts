/**
 * Amazon Bedrock cross-region inference profiles for Claude (and DeepSeek-R1). Recent Claude models
 * are served on demand only through these profile ids. `global.` and `us.` profiles bill the
 * model's list price; `eu.` profiles bill 10% more. Prices from cross-checked copies of the Bedrock
 * list price (2026-08-20); cache_write is the 5-minute cache write.
 */
import type { CatalogModel } from '../types.js';
import { defineModels, type ModelSpec } from './define.js';

const PRICING = 'https://aws.amazon.com/bedrock/pricing/';
const LIST = '2026-08-20';

interface ClaudeBase {
  id: string;
  name: string;
  window: [context: number, output: number];
  /** input, output, cache read, 5-minute cache write (USD per 1M tokens, list price) */
  price: [number, number, number, number];
}

const CLAUDE: ClaudeBase[] = [
  { id: 'claude-fable-5', name: 'Claude Fable 5', window: [1_000_000, 128_000], price: [10, 50, 1, 12.5] },
  { id: 'claude-opus-5', name: 'Claude Opus 5', window: [1_000_000, 128_000], price: [5, 25, 0.5, 6.25] },
  { id: 'claude-opus-4-8', name: 'Claude Opus 4.8', window: [1_000_000, 128_000], price: [5, 25, 0.5, 6.25] },
  { id: 'claude-opus-4-6-v1', name: 'Claude Opus 4.6', window: [1_000_000, 128_000], price: [5, 25, 0.5, 6.25] },
  { id: 'claude-opus-4-5-20251101-v1:0', name: 'Claude Opus 4.5', window: [200_000, 64_000], price: [5, 25, 0.5, 6.25] },
  { id: 'claude-sonnet-5', name: 'Claude Sonnet 5', window: [1_000_000, 128_000], price: [2, 10, 0.2, 2.5] },
  { id: 'claude-sonnet-4-6', name: 'Claude Sonnet 4.6', window: [1_000_000, 128_000], price: [3, 15, 0.3, 3.75] },
  {
    id: 'claude-sonnet-4-5-20250929-v1:0',
    name: 'Claude Sonnet 4.5',
    window: [200_000, 64_000],
    price: [3, 15, 0.3, 3.75],
  },
  {
    id: 'claude-haiku-4-5-20251001-v1:0',
    name: 'Claude Haiku 4.5',
    window: [200_000, 64_000],
    price: [1, 5, 0.1, 1.25],
  },
];

/** Round away float noise from applying a regional multiplier (e.g. 3 × 1.1). */
const cents = (usd: number): number => Math.round(usd * 1_000_000) / 1_000_000;

function profile(region: 'global' | 'us' | 'eu', base: ClaudeBase): ModelSpec {
  const factor = region === 'eu' ? 1.1 : 1;
  const [input, output, read, write] = base.price.map((p) => cents(p * factor));
  return {
    model: `${region}.anthropic.${base.id}`,
    display_name: `${base.name} (Bedrock, ${region} profile)`,
    context_window: base.window[0],
    max_output_tokens: base.window[1],
    caps: { tools: true, vision: true, reasoning: true },
    price: { input, output, cache_read: read, cache_write: write, source: PRICING, as_of: LIST },
    ...(region === 'eu' ? { notes: 'EU profile: 10% above the list price.' } : {}),
  };
}

export const models: CatalogModel[] = defineModels('bedrock', [
  ...CLAUDE.map((base) => profile('global', base)),
  ...CLAUDE.map((base) => profile('us', base)),
  ...CLAUDE.map((base) => profile('eu', base)),
  {
    model: 'us.anthropic.claude-opus-4-1-20250805-v1:0',
    display_name: 'Claude Opus 4.1 (Bedrock, us profile)',
    context_window: 200_000,
    max_output_tokens: 32_000,
    caps: { tools: true, vision: true, reasoning: true },
    price: { input: 15, output: 75, cache_read: 1.5, cache_write: 18.75, source: PRICING, as_of: LIST },
  },
  {
    model: 'us.deepseek.r1-v1:0',
    display_name: 'DeepSeek-R1 (Bedrock, us profile)',
    context_window: 128_000,
    max_output_tokens: 32_768,
    caps: { reasoning: true },
    price: { input: 1.35, output: 5.4, source: PRICING, as_of: LIST },
  },
]);
