import { ModelCatalog, type CatalogModel, type CatalogPrice } from '../../../src/ai/catalog/index.js';
import type { AiCallEvent } from '../../../src/ai/events.js';

function model(
  id: string,
  price: Pick<CatalogPrice, 'input' | 'output' | 'cache_read' | 'cache_write'>,
  extra: Partial<CatalogModel> = {},
): CatalogModel {
  const [provider, name] = id.split('/') as [CatalogModel['provider'], string];
  return {
    id,
    provider,
    model: name,
    display_name: name,
    mode: 'chat',
    context_window: 128_000,
    max_output_tokens: 16_384,
    capabilities: { tools: true, vision: true, json_mode: true, json_schema: true, streaming: true, reasoning: false },
    price: { ...price, currency: 'USD', source: 'https://example.test/pricing', as_of: '2025-01-01' },
    ...extra,
  };
}

/** Prices fixed here, so the tests do not move when the shipped catalog does. */
export const testCatalog = new ModelCatalog([
  model('openai/gpt-4o', { input: 2.5, output: 10, cache_read: 1.25, cache_write: null }),
  model('openai/short-out', { input: 1, output: 2, cache_read: null, cache_write: null }, { max_output_tokens: 1000 }),
  model('anthropic/claude-test', { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 }, { max_output_tokens: 64_000 }),
  model('openai/embed-test', { input: 0.02, output: 0, cache_read: null, cache_write: null }, { mode: 'embedding', max_output_tokens: null }),
]);

/** A served chat call; override what the test is about. */
export function callEvent(over: Partial<AiCallEvent> = {}): AiCallEvent {
  return {
    requestId: 'req_1',
    timestamp: Date.now(),
    endpoint: 'chat',
    inbound: 'openai',
    teamId: 'team_a',
    appId: 'app_a',
    keyId: 'key_a',
    serviceId: 'svc_a',
    routeId: 'route_a',
    modelRequested: 'gpt-4o',
    providerId: 'prov_openai',
    providerKind: 'openai',
    modelServed: 'openai/gpt-4o',
    usage: { prompt_tokens: 100, completion_tokens: 20, cached_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0, estimated: false },
    cost: { input: 0.00025, output: 0.0002, cache_read: 0, cache_write: 0, total: 0.00045 },
    streamed: false,
    status: 200,
    errorCode: null,
    latencyMs: 10,
    ttftMs: null,
    overheadMs: 1,
    attempts: [],
    providerKeyId: 'pk_1',
    cacheHit: false,
    ...over,
  };
}

export const at = (iso: string): number => Date.parse(iso);
