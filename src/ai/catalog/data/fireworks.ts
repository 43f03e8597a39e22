/**
 * Fireworks AI serverless. Prices (input / cached input / output) from the Fireworks serverless
 * pricing page, Standard tier. Model ids are Fireworks' full resource names; the short form is an
 * alias. Context windows are the open-weight models' published windows.
 */
import type { CatalogModel } from '../types.js';
import { defineModels, type ModelSpec } from './define.js';

const PRICING = 'https://docs.fireworks.ai/serverless/pricing';
const READ = '2026-11-26';

function fw(slug: string, spec: Omit<ModelSpec, 'model' | 'aliases'>): ModelSpec {
  return { ...spec, model: `accounts/fireworks/models/${slug}`, aliases: [`fireworks/${slug}`] };
}

export const models: CatalogModel[] = defineModels('fireworks', [
  fw('gpt-oss-120b', {
    display_name: 'GPT-OSS 120B (Fireworks)',
    context_window: 131_072,
    max_output_tokens: null,
    caps: { tools: true, json_mode: true, json_schema: true, reasoning: true },
    price: { input: 0.15, output: 0.6, cache_read: 0.015, source: PRICING, as_of: READ },
  }),
  fw('gpt-oss-20b', {
    display_name: 'GPT-OSS 20B (Fireworks)',
    context_window: 131_072,
    max_output_tokens: null,
    caps: { tools: true, json_mode: true, json_schema: true, reasoning: true },
    price: { input: 0.07, output: 0.3, cache_read: 0.035, source: PRICING, as_of: READ },
  }),
  fw('kimi-k2p6', {
    display_name: 'Kimi K2.6 (Fireworks)',
    context_window: 262_144,
    max_output_tokens: null,
    caps: { tools: true, json_mode: true, reasoning: true },
    price: { input: 0.95, output: 4, cache_read: 0.16, source: PRICING, as_of: READ },
  }),
  fw('kimi-k2p5', {
    display_name: 'Kimi K2.5 (Fireworks)',
    context_window: 262_144,
    max_output_tokens: null,
    caps: { tools: true, json_mode: true, reasoning: true },
    price: { input: 0.6, output: 3, cache_read: 0.1, source: PRICING, as_of: READ },
  }),
  fw('deepseek-v3p1', {
    display_name: 'DeepSeek V3.1 (Fireworks)',
    context_window: 128_000,
    max_output_tokens: null,
    caps: { tools: true, json_mode: true },
    price: { input: 0.56, output: 1.68, cache_read: 0.28, source: PRICING, as_of: READ },
    notes: 'Priced as the "DeepSeek V3 family" row.',
  }),
  fw('glm-4p7', {
    display_name: 'GLM 4.7 (Fireworks)',
    context_window: 202_752,
    max_output_tokens: null,
    caps: { tools: true, json_mode: true, reasoning: true },
    price: { input: 0.6, output: 2.2, cache_read: 0.3, source: PRICING, as_of: READ },
  }),
  fw('qwen3-vl-30b-a3b-instruct', {
    display_name: 'Qwen3 VL 30B A3B Instruct (Fireworks)',
    context_window: 262_144,
    max_output_tokens: null,
    caps: { tools: true, json_mode: true, vision: true },
    price: { input: 0.15, output: 0.6, cache_read: 0.075, source: PRICING, as_of: READ },
  }),
]);
