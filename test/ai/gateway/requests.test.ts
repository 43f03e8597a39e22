/**
 * The requests providers receive, built from descriptors: URL layout, authentication, the header
 * allow-list, quirks. No sockets: the end-to-end tests cover the same paths against the fixtures.
 */
import { describe, expect, it } from 'vitest';
import { openaiBody } from '../../../src/ai/gateway/exchange/hub.js';
import type { ResolvedTarget } from '../../../src/ai/gateway/types.js';
import type { CompiledProvider } from '../../../src/ai/providers/compiled.js';
import { DESCRIPTORS, descriptorOf } from '../../../src/ai/providers/descriptors.js';
import { AiKeyState, type ProviderKey } from '../../../src/ai/providers/keys.js';
import { buildUpstreamRequest } from '../../../src/ai/providers/request.js';
import type { ProviderKindName } from '../../../src/core/ai-model.js';

function provider(kind: ProviderKindName, extra: Partial<CompiledProvider> = {}): CompiledProvider {
  return {
    id: 'p',
    name: 'p',
    kind,
    teamId: null,
    descriptor: descriptorOf(kind)!,
    origin: 'https://example.test',
    basePath: '/v1',
    apiVersion: '2024-10-21',
    deployments: {},
    region: 'eu-west-1',
    extraHeaders: [],
    totalMs: 1000,
    headerMs: 1000,
    keyGroups: [],
    keyCount: 1,
    pool: null as never,
    poolKey: '',
    ...extra,
  };
}

const key: ProviderKey = { id: 'k', name: 'k', priority: 0, secret: 'sk-secret', aws: null, state: new AiKeyState('k') };
const call = { path: '/chat/completions', model: 'gpt-4o', body: { model: 'gpt-4o', messages: [] }, stream: false };

function headerMap(list: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < list.length; i += 2) (out[list[i]] ??= []).push(list[i + 1]);
  return out;
}

describe('provider descriptors', () => {
  it('cover every provider kind with a protocol, and give defaults the brief lists', () => {
    for (const d of Object.values(DESCRIPTORS)) expect(['openai', 'anthropic', 'gemini', 'bedrock']).toContain(d.protocol);
    expect(DESCRIPTORS.groq.defaultBaseUrl).toBe('https://api.groq.com/openai/v1');
    expect(DESCRIPTORS.fireworks.defaultBaseUrl).toBe('https://api.fireworks.ai/inference/v1');
    expect(DESCRIPTORS.vllm.defaultBaseUrl).toBeNull();
    expect(DESCRIPTORS['openai-compatible'].defaultBaseUrl).toBeNull();
    expect(DESCRIPTORS.bedrock.capabilities.embeddings).toBe(false);
  });
});

describe('upstream requests', () => {
  it('bearer: Authorization with the key, base path kept, body as one buffer', () => {
    const r = buildUpstreamRequest(provider('openai'), key, call, 'req-1');
    const h = headerMap(r.headers);
    expect(r.path).toBe('/v1/chat/completions');
    expect(h.authorization).toEqual(['Bearer sk-secret']);
    expect(h['x-request-id']).toEqual(['req-1']);
    expect(JSON.parse(r.body.toString())).toEqual(call.body);
  });

  it('azure: deployment path, api-version, api-key header', () => {
    const r = buildUpstreamRequest(provider('azure-openai', { basePath: '', deployments: { 'gpt-4o': 'prod-4o' } }), key, call, 'r');
    expect(r.path).toBe('/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21');
    const h = headerMap(r.headers);
    expect(h['api-key']).toEqual(['sk-secret']);
    expect(h.authorization).toBeUndefined();
  });

  it('anthropic: x-api-key and the client-chosen anthropic-version', () => {
    const r = buildUpstreamRequest(provider('anthropic', { basePath: '' }), key, { ...call, path: '/v1/messages', passHeaders: ['anthropic-version', '2023-06-01', 'anthropic-beta', 'prompt-caching-2024-07-31'] }, 'r');
    const h = headerMap(r.headers);
    expect(r.path).toBe('/v1/messages');
    expect(h['x-api-key']).toEqual(['sk-secret']);
    expect(h['anthropic-version']).toEqual(['2023-06-01']);
    expect(h['anthropic-beta']).toEqual(['prompt-caching-2024-07-31']);
  });

  it('gemini: x-goog-api-key, never a key in the URL', () => {
    const r = buildUpstreamRequest(provider('gemini', { basePath: '' }), key, { ...call, path: '/v1beta/models/gemini-2.5-flash:generateContent' }, 'r');
    expect(r.path).not.toContain('key=');
    expect(headerMap(r.headers)['x-goog-api-key']).toEqual(['sk-secret']);
  });

  it('bedrock: SigV4 headers for the region, no bearer', () => {
    const aws: ProviderKey = { ...key, secret: null, aws: { accessKeyId: 'AKIDEXAMPLE0000000', secretAccessKey: 'secret-example-000000' } };
    const r = buildUpstreamRequest(provider('bedrock', { basePath: '' }), aws, { ...call, path: '/model/x/converse' }, 'r');
    const h = headerMap(r.headers);
    expect(h.authorization[0]).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE0000000\/\d{8}\/eu-west-1\/bedrock\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, /);
    expect(h['x-amz-content-sha256']).toHaveLength(1);
  });

  it('local servers without keys get no credentials', () => {
    const r = buildUpstreamRequest(provider('ollama'), null, call, 'r');
    expect(headerMap(r.headers).authorization).toBeUndefined();
  });
});

describe('quirks', () => {
  it('Mistral: tool_choice required → any, seed → random_seed; usage asked for streams', () => {
    const target = { provider: provider('mistral'), model: 'mistral-large-latest', catalogId: 'mistral/mistral-large-latest', catalogModel: undefined } as ResolvedTarget;
    const body = openaiBody({ model: 'x', messages: [], tool_choice: 'required', seed: 7, stream: true }, target);
    expect(body).toMatchObject({ model: 'mistral-large-latest', tool_choice: 'any', random_seed: 7, stream_options: { include_usage: true } });
    expect(body.seed).toBeUndefined();
  });
});
