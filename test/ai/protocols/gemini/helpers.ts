import type { ChatChunk, StreamOutput } from '../../../../src/ai/protocols/openai-types.js';
import { GeminiToOpenaiStream } from '../../../../src/ai/protocols/gemini/stream.js';
import { SseParser } from '../../../../src/ai/transport/sse.js';
import { GEMINI_FIXTURE_KEY } from '../../../fixtures/providers/gemini.js';

export const STREAM_OPTS = { model: 'gemini-2.5-flash', id: 'chatcmpl-test', created: 1_700_000_000 };

/** Feeds byte chunks through SseParser into a fresh translator, then ends both. */
export function translateSse(chunks: Uint8Array[], includeUsage = false): StreamOutput<ChatChunk>[] {
  const parser = new SseParser();
  const t = new GeminiToOpenaiStream({ ...STREAM_OPTS, includeUsage });
  const out: StreamOutput<ChatChunk>[] = [];
  for (const c of chunks) for (const ev of parser.push(c)) out.push(...t.push(ev));
  for (const ev of parser.end()) out.push(...t.push(ev));
  out.push(...t.end({ incomplete: parser.hadIncompleteEvent }));
  return out;
}

export function sse(...responses: unknown[]): Uint8Array {
  return new TextEncoder().encode(responses.map((r) => `data: ${JSON.stringify(r)}\r\n\r\n`).join(''));
}

export function events(out: StreamOutput<ChatChunk>[]): ChatChunk[] {
  return out.filter((o): o is { kind: 'event'; event: ChatChunk } => o.kind === 'event').map((o) => o.event);
}

/** Reads a response body to the end or to its failure, keeping the bytes that arrived. */
export async function readBody(res: Response): Promise<{ bytes: Uint8Array; failed: boolean }> {
  const parts: Uint8Array[] = [];
  let failed = false;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parts.push(chunk);
  } catch {
    failed = true;
  }
  return { bytes: new Uint8Array(Buffer.concat(parts)), failed };
}

export function geminiPost(base: string, path: string, body: unknown, headers: Record<string, string> = { 'x-goog-api-key': GEMINI_FIXTURE_KEY }): Promise<Response> {
  return fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}
