/** Test helpers shared by the protocol tests: raw bytes from a fixture, and SSE parsing of them. */
import { SseParser, type SseEvent } from '../../../../src/ai/transport/sse.js';

/** A fetch Response whose JSON body tests read freely. */
export type JsonResponse = Omit<Response, 'json'> & { json(): Promise<any> };

/** The whole body of a fixture response, as bytes (streams included). */
export async function fetchBytes(url: string, init: { headers: Record<string, string>; body: unknown }): Promise<{ status: number; bytes: Uint8Array }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...init.headers }, body: JSON.stringify(init.body) });
  return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) };
}

/**
 * Reads a body that may be cut: the bytes received before the socket died, and whether it died.
 */
export async function fetchUntilCut(url: string, init: { headers: Record<string, string>; body: unknown }): Promise<{ bytes: Uint8Array; cut: boolean }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...init.headers }, body: JSON.stringify(init.body) });
  const parts: Uint8Array[] = [];
  let cut = false;
  try {
    for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) parts.push(c);
  } catch {
    cut = true;
  }
  return { bytes: Buffer.concat(parts), cut };
}

/** Parses bytes fed in the given pieces. */
export function parseSse(chunks: Uint8Array[]): { events: SseEvent[]; incomplete: boolean } {
  const p = new SseParser();
  const events: SseEvent[] = [];
  for (const c of chunks) events.push(...p.push(c));
  events.push(...p.end());
  return { events, incomplete: p.hadIncompleteEvent };
}

/** Wire text → the bytes of an SSE body. */
export function sseBytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function splitAt(bytes: Uint8Array, at: number): Uint8Array[] {
  return [bytes.subarray(0, at), bytes.subarray(at)];
}

/** Lets timers and I/O run during a long synchronous test loop. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
