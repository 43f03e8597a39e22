/**
 * Providers are descriptors (STYLE.md rule 3): data saying which wire protocol a provider kind
 * speaks, where it lives, how it authenticates and what it can do. Translation is code and lives
 * once per protocol pair in ai/protocols; nothing here has behaviour. Adding an OpenAI-compatible
 * provider is one entry (or none at all: kind `openai-compatible` with a base URL).
 */
import type { ProviderKindName } from '../../core/ai-model.js';

export type WireProtocol = 'openai' | 'anthropic' | 'gemini' | 'bedrock';

/**
 * How a request proves who it is:
 * - `bearer`: `Authorization: Bearer <key>`
 * - `anthropic`: `x-api-key: <key>` and `anthropic-version`
 * - `azure`: `api-key: <key>`
 * - `google`: `x-goog-api-key: <key>` (never `?key=`: query strings land in logs)
 * - `sigv4`: AWS Signature V4 over the exact bytes sent; the key is AWS credentials as JSON
 */
export type AuthStyle = 'bearer' | 'anthropic' | 'azure' | 'google' | 'sigv4';

/** Request rewrites an OpenAI-compatible provider needs (implemented in ai/protocols/openai/quirks.ts). */
export type QuirkName = 'mistral';

export interface ProviderDescriptor {
  kind: ProviderKindName;
  protocol: WireProtocol;
  /** Public endpoint; `{region}` is replaced by settings.region. Null: the provider needs a base_url. */
  defaultBaseUrl: string | null;
  auth: AuthStyle;
  /** A provider without keys is called without credentials (local servers). */
  keyOptional: boolean;
  /** URL layout: `azure` puts the deployment in the path and the API version in the query. */
  layout: 'plain' | 'azure';
  capabilities: { chat: boolean; embeddings: boolean };
  quirks?: QuirkName;
}

const OPENAI_LIKE = { protocol: 'openai', auth: 'bearer', keyOptional: false, layout: 'plain', capabilities: { chat: true, embeddings: true } } as const;

function openaiCompatible(kind: ProviderKindName, defaultBaseUrl: string | null, extra: Partial<ProviderDescriptor> = {}): ProviderDescriptor {
  return { ...OPENAI_LIKE, capabilities: { ...OPENAI_LIKE.capabilities }, kind, defaultBaseUrl, ...extra };
}

export const DESCRIPTORS: Readonly<Record<ProviderKindName, ProviderDescriptor>> = {
  openai: openaiCompatible('openai', 'https://api.openai.com/v1'),
  'azure-openai': openaiCompatible('azure-openai', null, { auth: 'azure', layout: 'azure' }),
  anthropic: {
    kind: 'anthropic',
    protocol: 'anthropic',
    defaultBaseUrl: 'https://api.anthropic.com',
    auth: 'anthropic',
    keyOptional: false,
    layout: 'plain',
    capabilities: { chat: true, embeddings: false },
  },
  gemini: {
    kind: 'gemini',
    protocol: 'gemini',
    defaultBaseUrl: 'https://generativelanguage.googleapis.com',
    auth: 'google',
    keyOptional: false,
    layout: 'plain',
    capabilities: { chat: true, embeddings: true },
  },
  bedrock: {
    kind: 'bedrock',
    protocol: 'bedrock',
    defaultBaseUrl: 'https://bedrock-runtime.{region}.amazonaws.com',
    auth: 'sigv4',
    keyOptional: false,
    layout: 'plain',
    capabilities: { chat: true, embeddings: false },
  },
  mistral: openaiCompatible('mistral', 'https://api.mistral.ai/v1', { quirks: 'mistral' }),
  deepseek: openaiCompatible('deepseek', 'https://api.deepseek.com/v1', { capabilities: { chat: true, embeddings: false } }),
  groq: openaiCompatible('groq', 'https://api.groq.com/openai/v1'),
  together: openaiCompatible('together', 'https://api.together.xyz/v1'),
  fireworks: openaiCompatible('fireworks', 'https://api.fireworks.ai/inference/v1'),
  openrouter: openaiCompatible('openrouter', 'https://openrouter.ai/api/v1'),
  xai: openaiCompatible('xai', 'https://api.x.ai/v1'),
  ollama: openaiCompatible('ollama', 'http://127.0.0.1:11434/v1', { keyOptional: true }),
  vllm: openaiCompatible('vllm', null, { keyOptional: true }),
  'openai-compatible': openaiCompatible('openai-compatible', null, { keyOptional: true }),
};

export function descriptorOf(kind: string): ProviderDescriptor | undefined {
  return Object.hasOwn(DESCRIPTORS, kind) ? DESCRIPTORS[kind as ProviderKindName] : undefined;
}

/** AWS region used when a Bedrock provider names none. */
export const DEFAULT_AWS_REGION = 'us-east-1';

/** `anthropic-version` sent to Anthropic when the client did not choose one. */
export const ANTHROPIC_VERSION = '2023-06-01';
