/**
 * OpenAI embeddings clients (`POST /embeddings`): passed through to OpenAI-format providers (Azure
 * included), translated for Gemini (`batchEmbedContents`, whose usage Gantry estimates). Anthropic
 * and Bedrock offer no embeddings: resolution refuses them before an exchange is made.
 */
import { GantryError } from '../../../core/errors.js';
import { geminiEmbeddingsUsage, geminiToOpenaiEmbeddings, openaiToGeminiEmbeddings } from '../../protocols/gemini/index.js';
import { normalizeOpenaiUsage } from '../../protocols/openai/index.js';
import type { EmbeddingsRequest } from '../../protocols/openai-types.js';
import type { ProviderCall } from '../../providers/request.js';
import type { ResolvedTarget } from '../types.js';
import type { ClientBody, Exchange, StreamTranslator } from './types.js';

export class EmbeddingsExchange implements Exchange {
  readonly inbound = 'openai' as const;
  readonly endpoint = 'embeddings' as const;
  readonly stream = false;
  readonly clientWantsUsage = false;
  readonly #req: EmbeddingsRequest;
  readonly #estimate: () => number;

  /** `estimate`: input tokens, for providers that report none. */
  constructor(body: Record<string, unknown>, estimate: () => number) {
    this.#req = body as unknown as EmbeddingsRequest;
    this.#estimate = estimate;
  }

  call(target: ResolvedTarget): ProviderCall {
    const model = target.model;
    switch (target.provider.descriptor.protocol) {
      case 'openai':
        return { path: '/embeddings', model, body: { ...this.#req, model }, stream: false };
      case 'gemini': {
        const { path, body } = openaiToGeminiEmbeddings(this.#req, { model });
        return { path, model, body, stream: false };
      }
      default:
        throw new GantryError('GANTRY_ERR_AI_INVALID_REQUEST', `The provider "${target.provider.name}" (${target.provider.kind}) offers no embeddings`);
    }
  }

  respond(raw: Buffer, target: ResolvedTarget): ClientBody {
    const parsed = JSON.parse(raw.toString('utf8')) as { usage?: unknown };
    if (target.provider.descriptor.protocol === 'openai') return { body: raw, usage: normalizeOpenaiUsage(parsed?.usage) };
    const tokens = this.#estimate();
    const format = this.#req.encoding_format === 'base64' ? 'base64' : 'float';
    const res = geminiToOpenaiEmbeddings(parsed as never, { model: target.model, promptTokens: tokens, encodingFormat: format });
    return { body: JSON.stringify(res), usage: geminiEmbeddingsUsage(tokens) };
  }

  openStream(): StreamTranslator {
    throw new Error('embeddings are never streamed');
  }
}
