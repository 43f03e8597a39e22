/**
 * Amazon Bedrock, on-demand, in-region (us-east-1) list prices. Model ids are Bedrock model ids;
 * cross-region inference profiles (us./eu./global.) are separate ids with their own prices (EU
 * profiles cost about 10% more) and are not listed. Claude prices match Anthropic's; cache_write
 * is the 5-minute cache write. Bedrock's pricing page renders prices client-side, so prices were
 * read from the AWS Price List (Nova, 2026-09-01) and cross-checked copies of the list (2026-08-20).
 */
import type { CatalogModel } from '../types.js';
import { defineModels, type ModelSpec } from './define.js';

const PRICING = 'https://aws.amazon.com/bedrock/pricing/';
const LIST = '2026-08-20';
const PRICE_LIST = '2026-09-01';
const READ = '2026-11-26';
const CLAUDE = { tools: true, vision: true, reasoning: true } as const;
const EMBED = { streaming: false } as const;

function claude(
  model: string,
  display_name: string,
  window: [number, number],
  p: [input: number, output: number, cacheRead: number, cacheWrite: number],
): ModelSpec {
  return {
    model,
    display_name: `${display_name} (Bedrock)`,
    context_window: window[0],
    max_output_tokens: window[1],
    caps: CLAUDE,
    price: { input: p[0], output: p[1], cache_read: p[2], cache_write: p[3], source: PRICING, as_of: LIST },
  };
}

export const models: CatalogModel[] = defineModels('bedrock', [
  claude('anthropic.claude-fable-5', 'Claude Fable 5', [1_000_000, 128_000], [10, 50, 1, 12.5]),
  claude('anthropic.claude-opus-4-8', 'Claude Opus 4.8', [1_000_000, 128_000], [5, 25, 0.5, 6.25]),
  claude('anthropic.claude-opus-4-6-v1', 'Claude Opus 4.6', [1_000_000, 128_000], [5, 25, 0.5, 6.25]),
  claude('anthropic.claude-opus-4-5-20251101-v1:0', 'Claude Opus 4.5', [200_000, 64_000], [5, 25, 0.5, 6.25]),
  claude('anthropic.claude-opus-4-1-20250805-v1:0', 'Claude Opus 4.1', [200_000, 32_000], [15, 75, 1.5, 18.75]),
  claude('anthropic.claude-sonnet-5', 'Claude Sonnet 5', [1_000_000, 128_000], [2, 10, 0.2, 2.5]),
  claude('anthropic.claude-sonnet-4-6', 'Claude Sonnet 4.6', [1_000_000, 128_000], [3, 15, 0.3, 3.75]),
  claude('anthropic.claude-sonnet-4-5-20250929-v1:0', 'Claude Sonnet 4.5', [200_000, 64_000], [3, 15, 0.3, 3.75]),
  claude('anthropic.claude-haiku-4-5-20251001-v1:0', 'Claude Haiku 4.5', [200_000, 64_000], [1, 5, 0.1, 1.25]),
  {
    model: 'amazon.nova-pro-v1:0',
    display_name: 'Amazon Nova Pro',
    context_window: 300_000,
    max_output_tokens: null,
    caps: { tools: true, vision: true },
    price: { input: 0.8, output: 3.2, cache_read: 0.2, source: PRICING, as_of: PRICE_LIST },
  },
  {
    model: 'amazon.nova-lite-v1:0',
    display_name: 'Amazon Nova Lite',
    context_window: 300_000,
    max_output_tokens: null,
    caps: { tools: true, vision: true },
    price: { input: 0.06, output: 0.24, cache_read: 0.015, source: PRICING, as_of: PRICE_LIST },
  },
  {
    model: 'amazon.nova-micro-v1:0',
    display_name: 'Amazon Nova Micro',
    context_window: 128_000,
    max_output_tokens: null,
    caps: { tools: true },
    price: { input: 0.035, output: 0.14, cache_read: 0.00875, source: PRICING, as_of: PRICE_LIST },
  },
  {
    model: 'meta.llama3-3-70b-instruct-v1:0',
    display_name: 'Llama 3.3 70B Instruct (Bedrock)',
    context_window: 128_000,
    max_output_tokens: 8_192,
    caps: { tools: true },
    price: { input: 0.72, output: 0.72, source: PRICING, as_of: LIST },
  },
  {
    model: 'meta.llama3-1-70b-instruct-v1:0',
    display_name: 'Llama 3.1 70B Instruct (Bedrock)',
    context_window: 128_000,
    max_output_tokens: 8_192,
    caps: { tools: true },
    price: { input: 0.72, output: 0.72, source: PRICING, as_of: LIST },
  },
  {
    model: 'meta.llama3-1-8b-instruct-v1:0',
    display_name: 'Llama 3.1 8B Instruct (Bedrock)',
    context_window: 128_000,
    max_output_tokens: 8_192,
    caps: { tools: true },
    price: { input: 0.22, output: 0.22, source: PRICING, as_of: LIST },
  },
  {
    model: 'mistral.pixtral-large-2502-v1:0',
    display_name: 'Pixtral Large 25.02 (Bedrock)',
    context_window: 128_000,
    max_output_tokens: null,
    caps: { tools: true, vision: true },
    price: { input: 2, output: 6, source: PRICING, as_of: LIST },
  },
  {
    model: 'openai.gpt-oss-120b-1:0',
    display_name: 'GPT-OSS 120B (Bedrock)',
    context_window: 128_000,
    max_output_tokens: null,
    caps: { tools: true, reasoning: true },
    price: { input: 0.15, output: 0.6, source: PRICING, as_of: LIST },
  },
  {
    model: 'openai.gpt-oss-20b-1:0',
    display_name: 'GPT-OSS 20B (Bedrock)',
    context_window: 128_000,
    max_output_tokens: null,
    caps: { tools: true, reasoning: true },
    price: { input: 0.07, output: 0.3, source: PRICING, as_of: LIST },
  },
  {
    model: 'deepseek.r1-v1:0',
    display_name: 'DeepSeek-R1 (Bedrock)',
    context_window: 128_000,
    max_output_tokens: 32_768,
    caps: { reasoning: true },
    price: { input: 1.35, output: 5.4, source: PRICING, as_of: LIST },
  },
  {
    model: 'deepseek.v3-v1:0',
    display_name: 'DeepSeek-V3.1 (Bedrock)',
    context_window: 128_000,
    max_output_tokens: null,
    caps: { tools: true },
    price: { input: 0.58, output: 1.68, source: PRICING, as_of: LIST },
  },
  {
    model: 'moonshotai.kimi-k2.5',
    display_name: 'Kimi K2.5 (Bedrock)',
    context_window: 262_144,
    max_output_tokens: null,
    caps: { tools: true, reasoning: true },
    price: { input: 0.6, output: 3, source: PRICING, as_of: LIST },
  },
  {
    model: 'zai.glm-4.7',
    display_name: 'GLM 4.7 (Bedrock)',
    context_window: 202_752,
    max_output_tokens: null,
    caps: { tools: true, reasoning: true },
    price: { input: 0.6, output: 2.2, source: PRICING, as_of: LIST },
  },
  {
    model: 'xai.grok-4.3',
    display_name: 'Grok 4.3 (Bedrock)',
    context_window: 1_000_000,
    max_output_tokens: null,
    caps: { tools: true, reasoning: true },
    price: { input: 1.25, output: 2.5, cache_read: 0.2, source: PRICING, as_of: LIST },
  },
  {
    model: 'google.gemma-3-27b-it',
    display_name: 'Gemma 3 27B IT (Bedrock)',
    context_window: 128_000,
    max_output_tokens: null,
    caps: { vision: true },
    price: { input: 0.12, output: 0.2, source: PRICING, as_of: LIST },
  },
  {
    model: 'amazon.titan-embed-text-v2:0',
    display_name: 'Titan Text Embeddings V2',
    mode: 'embedding',
    context_window: 8_192,
    max_output_tokens: null,
    caps: EMBED,
    price: { input: 0.02, output: 0, source: PRICING, as_of: READ },
    notes: 'Cross-checked price. 1024 dimensions by default (256/512 selectable).',
  },
  {
    model: 'amazon.titan-embed-text-v1',
    display_name: 'Titan Text Embeddings G1',
    mode: 'embedding',
    context_window: 8_192,
    max_output_tokens: null,
    caps: EMBED,
    price: { input: 0.1, output: 0, source: PRICING, as_of: READ },
    notes: 'Cross-checked price. 1536 dimensions.',
  },
  {
    model: 'cohere.embed-english-v3',
    display_name: 'Cohere Embed English v3 (Bedrock)',
    mode: 'embedding',
    context_window: 512,
    max_output_tokens: null,
    caps: EMBED,
    price: { input: 0.1, output: 0, source: PRICING, as_of: READ },
    notes: 'Cross-checked price. 1024 dimensions.',
  },
  {
    model: 'cohere.embed-multilingual-v3',
    display_name: 'Cohere Embed Multilingual v3 (Bedrock)',
    mode: 'embedding',
    context_window: 512,
    max_output_tokens: null,
    caps: EMBED,
    price: { input: 0.1, output: 0, source: PRICING, as_of: READ },
    notes: 'Cross-checked price. 1024 dimensions.',
  },
]);
