/**
 * Self-hosted runtimes (Ollama, vLLM): no per-token price, so every price is 0 and the source is
 * the runtime's documentation. Only a few common models; operators add their own as overrides.
 * context_window is the model's maximum; Ollama's default num_ctx is smaller unless raised.
 */
import type { CatalogModel } from '../types.js';
import { defineModels } from './define.js';

const READ = '2026-11-26';
const FREE = (source: string) => ({ input: 0, output: 0, source, as_of: READ });
const VLLM_DOCS = 'https://docs.vllm.ai/en/latest/models/supported_models.html';

export const ollama: CatalogModel[] = defineModels('ollama', [
  {
    model: 'llama3.1:8b',
    display_name: 'Llama 3.1 8B (Ollama)',
    context_window: 131_072,
    max_output_tokens: null,
    caps: { tools: true, json_mode: true, json_schema: true },
    price: FREE('https://ollama.com/library/llama3.1'),
  },
  {
    model: 'llama3.2:3b',
    display_name: 'Llama 3.2 3B (Ollama)',
    context_window: 131_072,
    max_output_tokens: null,
    caps: { tools: true, json_mode: true, json_schema: true },
    price: FREE('https://ollama.com/library/llama3.2'),
  },
  {
    model: 'gpt-oss:20b',
    display_name: 'GPT-OSS 20B (Ollama)',
    context_window: 131_072,
    max_output_tokens: null,
    caps: { tools: true, json_mode: true, json_schema: true, reasoning: true },
    price: FREE('https://ollama.com/library/gpt-oss'),
  },
  {
    model: 'nomic-embed-text',
    display_name: 'nomic-embed-text (Ollama)',
    mode: 'embedding',
    context_window: 8_192,
    max_output_tokens: null,
    price: FREE('https://ollama.com/library/nomic-embed-text'),
  },
]);

export const vllm: CatalogModel[] = defineModels('vllm', [
  {
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    display_name: 'Llama 3.1 8B Instruct (vLLM)',
    context_window: 131_072,
    max_output_tokens: null,
    caps: { tools: true, json_mode: true, json_schema: true },
    price: FREE(VLLM_DOCS),
    notes: 'Tool calling needs vLLM started with --enable-auto-tool-choice and a tool parser.',
  },
  {
    model: 'openai/gpt-oss-20b',
    display_name: 'GPT-OSS 20B (vLLM)',
    context_window: 131_072,
    max_output_tokens: null,
    caps: { tools: true, json_mode: true, json_schema: true, reasoning: true },
    price: FREE(VLLM_DOCS),
  },
]);
