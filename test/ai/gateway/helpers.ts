/**
 * AI gateway test plumbing: the four provider fixtures, a ConfigData with an `ai` service (route
 * `/v1/*`, key-auth, one app and key), providers pointing at the fixtures with sealed keys, and the
 * official SDKs as clients pointed at the data plane.
 */
import { randomBytes } from 'node:crypto';
import diagnostics_channel from 'node:diagnostics_channel';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { AiAlias, AiProvider, AiProviderKeyRecord, ProviderKindName, ProviderSettings } from '../../../src/core/ai-model.js';
import { hashSecret } from '../../../src/core/ids.js';
import type { ConfigData, Service } from '../../../src/core/model.js';
import { SecretBox } from '../../../src/core/secrets.js';
import { AI_CALL_CHANNEL, AI_KEY_STATUS_CHANNEL, type AiCallEvent, type AiKeyStatusEvent } from '../../../src/ai/events.js';
import type { DataPlaneOptions } from '../../../src/gateway/index.js';
import { startAnthropicFixture } from '../../fixtures/providers/anthropic.js';
import { BEDROCK_FIXTURE_CREDENTIALS, startBedrockFixture } from '../../fixtures/providers/bedrock.js';
import type { ProviderFixture } from '../../fixtures/providers/common.js';
import { GEMINI_FIXTURE_KEY, startGeminiFixture } from '../../fixtures/providers/gemini.js';
import { startOpenaiFixture } from '../../fixtures/providers/openai.js';
import { startGateway, type Gateway } from '../../gateway/helpers.js';

export const API_KEY = 'gk_aitest_' + 'k'.repeat(32);
export const TEAM = 'team_ai';
const T = '2024-01-01T00:00:00.000Z';

/** Provider names of the standard config, one per fixture. */
export const P = { openai: 'oa', anthropic: 'an', gemini: 'gm', bedrock: 'br' } as const;
export const MODELS = {
  openai: 'oa/gpt-4o-mini',
  anthropic: 'an/claude-haiku-4-5-20251001',
  gemini: 'gm/gemini-2.5-flash',
  bedrock: 'br/amazon.nova-lite-v1:0',
} as const;

export class AiConfig {
  readonly box: SecretBox;
  readonly data: ConfigData;

  constructor(box: SecretBox) {
    this.box = box;
    const service: Service = {
      id: 'svc_ai',
      team_id: TEAM,
      name: 'ai',
      description: '',
      kind: 'ai',
      upstream_id: null,
      path: '',
      preserve_host: false,
      timeouts: { connect_ms: 2000, header_ms: 10_000, total_ms: 30_000 },
      retries: 0,
      enabled: true,
      ai: { retries: 1 },
      created_at: T,
      updated_at: T,
    };
    this.data = {
      version: 1,
      teams: [{ id: TEAM, name: 'ai', description: '', created_at: T, updated_at: T }],
      upstreams: [],
      services: [service],
      routes: [
        { id: 'rt_ai', team_id: TEAM, service_id: 'svc_ai', name: 'ai', description: '', methods: [], hosts: [], paths: ['/v1/*'], strip_prefix: false, rewrite_path: null, enabled: true, created_at: T, updated_at: T },
      ],
      apps: [{ id: 'app_ai', team_id: TEAM, name: 'app', description: '', ai_limits: {}, created_at: T, updated_at: T }],
      apiKeys: [
        { id: 'key_ai', team_id: TEAM, app_id: 'app_ai', name: 'k', hint: 'gk_aitest', key_hash: hashSecret(API_KEY), enabled: true, expires_at: null, created_at: T, updated_at: T },
      ],
      policies: [
        { id: 'pol_auth', team_id: TEAM, name: 'auth', type: 'key-auth', scope: 'service', target_id: 'svc_ai', config: {}, enabled: true, priority: null, created_at: T, updated_at: T },
      ],
      aiProviders: [],
      aiProviderKeys: [],
      aiAliases: [],
      aiModelOverrides: [],
    };
  }

  get service(): Service {
    return this.data.services[0];
  }

  provider(id: string, name: string, kind: ProviderKindName, baseUrl: string | null, settings: ProviderSettings = {}, extra: Partial<AiProvider> = {}): this {
    this.data.aiProviders.push({ id, team_id: TEAM, name, kind, description: '', base_url: baseUrl, settings, enabled: true, created_at: T, updated_at: T, ...extra });
    return this;
  }

  key(id: string, providerId: string, secret: string, extra: Partial<AiProviderKeyRecord> = {}): this {
    this.data.aiProviderKeys.push({
      id,
      provider_id: providerId,
      team_id: TEAM,
      name: id,
      hint: secret.slice(0, 4),
      sealed_secret: this.box.seal(secret, id),
      priority: 0,
      enabled: true,
      status: 'active',
      status_reason: null,
      status_changed_at: null,
      created_at: T,
      updated_at: T,
      ...extra,
    });
    return this;
  }

  alias(name: string, targets: Array<{ provider_id: string; model: string; weight?: number }>, strategy: AiAlias['strategy'] = 'fallback'): this {
    this.data.aiAliases.push({
      id: `alias_${name}`,
      team_id: TEAM,
      name,
      description: '',
      strategy,
      targets: targets.map((t) => ({ ...t, weight: t.weight ?? 1 })),
      created_at: T,
      updated_at: T,
    });
    return this;
  }

  ai(settings: Service['ai']): this {
    this.service.ai = settings;
    return this;
  }

  build(): ConfigData {
    return structuredClone(this.data);
  }
}

export interface Fixtures {
  openai: ProviderFixture;
  anthropic: ProviderFixture;
  gemini: ProviderFixture;
  bedrock: ProviderFixture;
  close(): Promise<void>;
}

export async function startFixtures(): Promise<Fixtures> {
  const [openai, anthropic, gemini, bedrock] = await Promise.all([startOpenaiFixture(), startAnthropicFixture(), startGeminiFixture(), startBedrockFixture()]);
  return { openai, anthropic, gemini, bedrock, close: async () => void (await Promise.all([openai, anthropic, gemini, bedrock].map((f) => f.close()))) };
}

export function newBox(): SecretBox {
  return new SecretBox(randomBytes(32));
}

/** One provider per fixture, each with a working key. */
export function standardConfig(fx: Fixtures, box = newBox()): AiConfig {
  const aws = JSON.stringify({ access_key_id: BEDROCK_FIXTURE_CREDENTIALS.accessKeyId, secret_access_key: BEDROCK_FIXTURE_CREDENTIALS.secretAccessKey });
  return new AiConfig(box)
    .provider('prov_oa', P.openai, 'openai', `${fx.openai.url}/v1`)
    .key('pk_oa', 'prov_oa', 'sk-fixture')
    .provider('prov_an', P.anthropic, 'anthropic', fx.anthropic.url)
    .key('pk_an', 'prov_an', 'sk-ant-fixture')
    .provider('prov_gm', P.gemini, 'gemini', fx.gemini.url)
    .key('pk_gm', 'prov_gm', GEMINI_FIXTURE_KEY)
    .provider('prov_br', P.bedrock, 'bedrock', fx.bedrock.url, { region: 'us-east-1' })
    .key('pk_br', 'prov_br', aws);
}

export async function startAi(config: AiConfig, opts: DataPlaneOptions = {}): Promise<Gateway> {
  return startGateway(config.build(), { secretBox: config.box, ...opts });
}

export function openaiClient(gw: Gateway, apiKey = API_KEY): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${gw.url}/v1`, maxRetries: 0 });
}

export function anthropicClient(gw: Gateway, apiKey = API_KEY): Anthropic {
  return new Anthropic({ apiKey, baseURL: gw.url, maxRetries: 0 });
}

/** Records events of a diagnostics channel until `stop()`. */
export function capture<T>(name: string): { events: T[]; stop(): void } {
  const events: T[] = [];
  const listener = (message: unknown): void => void events.push(message as T);
  diagnostics_channel.subscribe(name, listener);
  return { events, stop: () => diagnostics_channel.unsubscribe(name, listener) };
}

export const captureCalls = (): { events: AiCallEvent[]; stop(): void } => capture<AiCallEvent>(AI_CALL_CHANNEL);
export const captureKeyStatus = (): { events: AiKeyStatusEvent[]; stop(): void } => capture<AiKeyStatusEvent>(AI_KEY_STATUS_CHANNEL);

/** The gantry:ai-call event of a request, once published (it is published when the response ends). */
export async function callEvent(events: AiCallEvent[], requestId: string | null): Promise<AiCallEvent> {
  for (let i = 0; i < 200; i++) {
    const found = events.find((e) => e.requestId === requestId);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no gantry:ai-call event for request ${requestId}`);
}

/** Text of an OpenAI chat stream, and the chunks. */
export async function collectOpenai(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>): Promise<{ text: string; chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] }> {
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  let text = '';
  for await (const c of stream) {
    chunks.push(c);
    text += c.choices[0]?.delta?.content ?? '';
  }
  return { text, chunks };
}
