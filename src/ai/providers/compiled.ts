/**
 * A provider as the hot path uses it: its descriptor, where requests go, the dispatcher to send them
 * with, its per-attempt timeouts and its usable keys. Built per snapshot by ai/gateway/compile.ts.
 */
import type { Dispatcher } from 'undici';
import type { ProviderKindName } from '../../core/ai-model.js';
import type { ProviderDescriptor } from './descriptors.js';
import type { KeyGroup } from './keys.js';

export interface CompiledProvider {
  id: string;
  name: string;
  kind: ProviderKindName;
  /** Null: organisation-wide. */
  teamId: string | null;
  descriptor: ProviderDescriptor;
  /** `https://host:port`. */
  origin: string;
  /** Path of the base URL without a trailing slash (`/v1`, or `''`). */
  basePath: string;
  /** Azure: `api-version`. */
  apiVersion: string;
  /** Azure: model → deployment. */
  deployments: Readonly<Record<string, string>>;
  /** Bedrock: signing region. */
  region: string;
  /** Flat `[name, value, ...]` extra headers from the provider's settings. */
  extraHeaders: readonly string[];
  /** Whole attempt (headers and body). */
  totalMs: number;
  /** Until response headers. */
  headerMs: number;
  keyGroups: KeyGroup[];
  /** Keys configured (usable or not): a provider that has some never goes out without one. */
  keyCount: number;
  pool: Dispatcher;
  poolKey: string;
}
