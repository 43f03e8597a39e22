/**
 * What the AI handler publishes (STYLE.md rule 8): the hot path publishes, usage recording, limits,
 * key-status persistence and (later) call logs subscribe. Build an event only when its channel
 * has subscribers.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import type { NormalizedUsage } from './protocols/openai-types.js';

export const AI_CALL_CHANNEL = 'gantry:ai-call';
export const AI_KEY_STATUS_CHANNEL = 'gantry:ai-key-status';
export const aiCallChannel = diagnostics_channel.channel(AI_CALL_CHANNEL);
export const aiKeyStatusChannel = diagnostics_channel.channel(AI_KEY_STATUS_CHANNEL);

export type AiEndpoint = 'chat' | 'messages' | 'embeddings' | 'models';

export interface AiAttempt {
  providerId: string;
  providerName: string;
  /** Catalog id `<kind>/<model>`. */
  model: string;
  keyId: string | null;
  /** Upstream status, or null when no response came (connect error, timeout). */
  status: number | null;
  /** Why this attempt did not serve the call, e.g. `rate_limited`, `timeout`, `server_error`; null when it did. */
  outcome: string | null;
  durationMs: number;
}

export interface AiCostBreakdown {
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
  total: number;
}

export interface AiCallEvent {
  requestId: string;
  /** Epoch ms when the request arrived. */
  timestamp: number;
  endpoint: AiEndpoint;
  /** `openai` or `anthropic`: the protocol the client spoke. */
  inbound: 'openai' | 'anthropic';
  teamId: string;
  appId: string | null;
  /** Gantry API key id. */
  keyId: string | null;
  serviceId: string;
  routeId: string;
  /** What the client asked for (alias, catalog id, provider/model). */
  modelRequested: string;
  /** The provider and model that served the answer; null when none did. */
  providerId: string | null;
  providerKind: string | null;
  modelServed: string | null;
  /** Null when no provider answered. */
  usage: NormalizedUsage | null;
  /** USD; null when the model has no price in the catalog. */
  cost: AiCostBreakdown | null;
  streamed: boolean;
  /** Client status sent (200, or the error's). */
  status: number;
  errorCode: string | null;
  latencyMs: number;
  /** Time to the first content byte sent to the client (streams), else null. */
  ttftMs: number | null;
  /** Gantry's own time: before the upstream request, and between upstream bytes and client bytes. */
  overheadMs: number;
  attempts: AiAttempt[];
  /** Provider key used for the served attempt. */
  providerKeyId: string | null;
  /** True when served from Gantry's AI cache (later issue); cost is then what it saved. */
  cacheHit: boolean;
}

export interface AiKeyStatusEvent {
  keyId: string;
  providerId: string;
  status: 'active' | 'auth_failed';
  reason: string | null;
}
