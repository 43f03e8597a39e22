/** Picks the exchange for an inbound endpoint; see each file for its protocol pairs. */
import type { IncomingHttpHeaders } from 'node:http';
import { AnthropicMessagesExchange } from './anthropic-messages.js';
import { EmbeddingsExchange } from './embeddings.js';
import { OpenaiChatExchange } from './openai-chat.js';
import type { Exchange, ExchangeEndpoint } from './types.js';

export type { Exchange, ExchangeEndpoint, StreamSink, StreamTranslator, ClientBody } from './types.js';
export { translateProviderError, type ProviderError } from './provider-errors.js';

/** Client headers an Anthropic provider receives from an Anthropic client: API version and beta features. */
const ANTHROPIC_PASS = ['anthropic-version', 'anthropic-beta'] as const;

export interface ExchangeOptions {
  id: string;
  created: number;
  defaultMaxTokens: number;
  headers: IncomingHttpHeaders;
  estimateInput: () => number;
}

export function createExchange(endpoint: ExchangeEndpoint, body: Record<string, unknown>, opts: ExchangeOptions): Exchange {
  if (endpoint === 'embeddings') return new EmbeddingsExchange(body, opts.estimateInput);
  if (endpoint === 'chat') return new OpenaiChatExchange(body, opts);
  const passHeaders: string[] = [];
  for (const name of ANTHROPIC_PASS) {
    const v = opts.headers[name];
    if (typeof v === 'string' && v !== '' && !/[\r\n]/.test(v)) passHeaders.push(name, v);
  }
  return new AnthropicMessagesExchange(body, { ...opts, passHeaders });
}
