/**
 * OpenAI `/v1/embeddings` ↔ Gemini `batchEmbedContents`. Gemini embeds text only and reports no
 * token usage: the caller passes its own estimate, which `geminiEmbeddingsUsage` marks as estimated.
 */
import { GantryError } from '../../../core/errors.js';
import type { EmbeddingsRequest, EmbeddingsResponse, NormalizedUsage } from '../openai-types.js';
import { geminiModelPath } from './request.js';
import type { GeminiBatchEmbedRequest, GeminiBatchEmbedResponse } from './types.js';

export function openaiToGeminiEmbeddings(
  req: EmbeddingsRequest,
  opts: { model: string },
): { path: string; body: GeminiBatchEmbedRequest } {
  const input = req.input;
  let texts: string[];
  if (typeof input === 'string') texts = [input];
  else if (Array.isArray(input) && input.every((v) => typeof v === 'string')) texts = input as string[];
  else {
    throw new GantryError(
      'GANTRY_ERR_VALIDATION',
      'Gemini embeds text only: send `input` as a string or an array of strings, not token ids',
    );
  }
  if (texts.length === 0) throw new GantryError('GANTRY_ERR_VALIDATION', '`input` must not be empty');
  const model = geminiModelPath(opts.model);
  const modelName = `models/${decodeURIComponent(model)}`;
  const dimensions = typeof req.dimensions === 'number' ? req.dimensions : undefined;
  return {
    path: `/v1beta/models/${model}:batchEmbedContents`,
    body: {
      requests: texts.map((text) => ({
        model: modelName,
        content: { parts: [{ text }] },
        ...(dimensions !== undefined ? { outputDimensionality: dimensions } : {}),
      })),
    },
  };
}

/** Little-endian float32 bytes, base64: what OpenAI sends for `encoding_format: "base64"`. */
function toBase64(values: number[]): string {
  const buf = Buffer.allocUnsafe(values.length * 4);
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i], i * 4);
  return buf.toString('base64');
}

export function geminiToOpenaiEmbeddings(
  res: GeminiBatchEmbedResponse,
  opts: { model: string; promptTokens: number; encodingFormat?: 'float' | 'base64' },
): EmbeddingsResponse {
  const embeddings = Array.isArray(res?.embeddings) ? res.embeddings : [];
  return {
    object: 'list',
    data: embeddings.map((e, index) => {
      const values = Array.isArray(e?.values) ? e.values : [];
      return { object: 'embedding', index, embedding: opts.encodingFormat === 'base64' ? toBase64(values) : values };
    }),
    model: opts.model,
    usage: { prompt_tokens: opts.promptTokens, total_tokens: opts.promptTokens },
  };
}

/** The usage to record for a Gemini embeddings call: the caller's estimate, marked as such. */
export function geminiEmbeddingsUsage(promptTokens: number): NormalizedUsage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: 0,
    cached_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    estimated: true,
  };
}
