/**
 * The HTTP request a provider receives: URL layout, an allow-list of headers and authentication.
 * Nothing of the client's request reaches the provider but the translated body and the headers
 * named in `passHeaders` (a protocol option such as `anthropic-beta`): never its credentials.
 * The body is sent as one Buffer with its length, and SigV4 signs exactly those bytes.
 */
import { GANTRY_VERSION } from '../../version.js';
import type { CompiledProvider } from './compiled.js';
import { ANTHROPIC_VERSION } from './descriptors.js';
import type { ProviderKey } from './keys.js';
import { signRequest } from './sigv4.js';

export interface ProviderCall {
  /** Path defined by the protocol, relative to the provider's base URL (`/chat/completions`, `/v1/messages`, ...). */
  path: string;
  /** The provider's model id (Azure picks the deployment from it). */
  model: string;
  body: unknown;
  stream: boolean;
  /** Client headers a protocol lets through, flat `[name, value, ...]` (lower-case names). */
  passHeaders?: readonly string[];
}

export interface UpstreamRequest {
  path: string;
  headers: string[];
  body: Buffer;
}

const USER_AGENT = `gantry/${GANTRY_VERSION}`;

/** Names a provider's settings.headers may not set: Gantry owns framing and authentication. */
const RESERVED = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'authorization',
  'api-key',
  'x-api-key',
  'x-goog-api-key',
  'x-amz-date',
  'x-amz-content-sha256',
  'x-amz-security-token',
]);

export function isReservedHeader(name: string): boolean {
  return RESERVED.has(name.toLowerCase());
}

function azurePath(provider: CompiledProvider, call: ProviderCall): string {
  const deployment = provider.deployments[call.model] ?? call.model;
  return `${provider.basePath}/openai/deployments/${encodeURIComponent(deployment)}${call.path}?api-version=${encodeURIComponent(provider.apiVersion)}`;
}

export function buildUpstreamRequest(provider: CompiledProvider, key: ProviderKey | null, call: ProviderCall, requestId: string): UpstreamRequest {
  const d = provider.descriptor;
  const path = d.layout === 'azure' ? azurePath(provider, call) : provider.basePath + call.path;
  const body = Buffer.from(JSON.stringify(call.body));
  const headers: string[] = ['content-type', 'application/json', 'user-agent', USER_AGENT];
  if (d.protocol !== 'bedrock') {
    headers.push('accept', call.stream ? 'text/event-stream' : 'application/json', 'x-request-id', requestId);
  }
  const extra = provider.extraHeaders;
  for (let i = 0; i < extra.length; i++) headers.push(extra[i]);
  let anthropicVersion = ANTHROPIC_VERSION;
  const pass = call.passHeaders;
  if (pass !== undefined) {
    for (let i = 0; i < pass.length; i += 2) {
      if (pass[i] === 'anthropic-version') anthropicVersion = pass[i + 1];
      else headers.push(pass[i], pass[i + 1]);
    }
  }
  const secret = key?.secret ?? null;
  switch (d.auth) {
    case 'bearer':
      if (secret !== null) headers.push('authorization', `Bearer ${secret}`);
      break;
    case 'anthropic':
      if (secret !== null) headers.push('x-api-key', secret);
      headers.push('anthropic-version', anthropicVersion);
      break;
    case 'azure':
      if (secret !== null) headers.push('api-key', secret);
      break;
    case 'google':
      if (secret !== null) headers.push('x-goog-api-key', secret);
      break;
    case 'sigv4': {
      const aws = key?.aws;
      if (aws) {
        const signed = signRequest({
          method: 'POST',
          url: provider.origin + path,
          headers: { 'content-type': 'application/json' },
          body,
          region: provider.region,
          service: 'bedrock',
          credentials: aws,
        });
        for (const name in signed) headers.push(name, signed[name]);
      }
      break;
    }
  }
  return { path, headers, body };
}
