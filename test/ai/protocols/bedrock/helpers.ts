import { ConverseToOpenaiStream } from '../../../../src/ai/protocols/bedrock/stream.js';
import type { ChatChunk, StreamOutput } from '../../../../src/ai/protocols/openai-types.js';
import { signRequest, type AwsCredentials } from '../../../../src/ai/providers/sigv4.js';
import { encodeEventStreamMessage, EventStreamDecoder } from '../../../../src/ai/transport/event-stream.js';
import { BEDROCK_FIXTURE_CREDENTIALS, BEDROCK_FIXTURE_REGION } from '../../../fixtures/providers/bedrock.js';

export const STREAM_OPTS = { model: 'anthropic.claude-3-5-sonnet-20240620-v1:0', id: 'chatcmpl-test', created: 1_700_000_000 };

/** Feeds byte chunks through EventStreamDecoder into a fresh translator, then ends both. */
export function translateEventStream(chunks: Uint8Array[], includeUsage = false, jsonTool?: string): StreamOutput<ChatChunk>[] {
  const decoder = new EventStreamDecoder();
  const t = new ConverseToOpenaiStream({ ...STREAM_OPTS, includeUsage, ...(jsonTool ? { jsonTool } : {}) });
  const out: StreamOutput<ChatChunk>[] = [];
  for (const c of chunks) for (const msg of decoder.push(c)) out.push(...t.push(msg));
  out.push(...t.end({ incomplete: decoder.end().truncated }));
  return out;
}

export function event(type: string, payload: unknown): Uint8Array {
  return encodeEventStreamMessage({ ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' }, JSON.stringify(payload));
}

export function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

export function events(out: StreamOutput<ChatChunk>[]): ChatChunk[] {
  return out.filter((o): o is { kind: 'event'; event: ChatChunk } => o.kind === 'event').map((o) => o.event);
}

export async function readBody(res: Response): Promise<{ bytes: Uint8Array; failed: boolean }> {
  const parts: Uint8Array[] = [];
  let failed = false;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parts.push(chunk);
  } catch {
    failed = true;
  }
  return { bytes: concat(parts), failed };
}

/** POSTs a SigV4-signed request, as the Bedrock provider will. */
export function signedPost(base: string, path: string, body: unknown, credentials: AwsCredentials = BEDROCK_FIXTURE_CREDENTIALS, region = BEDROCK_FIXTURE_REGION): Promise<Response> {
  const url = `${base}${path}`;
  const payload = JSON.stringify(body);
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  const signed = signRequest({ method: 'POST', url, headers, body: payload, region, service: 'bedrock', credentials });
  return fetch(url, { method: 'POST', headers: { ...headers, ...signed }, body: payload });
}
