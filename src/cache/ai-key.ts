/**
 * The AI exact-match cache key: SHA-256 of the normalized request. Two requests share a key exactly
 * when a model would be asked the same thing with the same output-affecting parameters.
 *
 * Normalization: object keys sorted at every depth; array order kept (message order matters); text
 * kept byte for byte (whitespace inside content can change an answer, so it is not normalized);
 * top-level parameters set to null dropped (null means "the default", like absence).
 *
 * Left out: what cannot change the answer, so a streamed request hits an entry stored from a
 * non-streamed one — `stream`, `stream_options` — and what identifies the caller rather than the
 * question — `user`, `metadata` (Anthropic's user_id), `safety_identifier`, `prompt_cache_key`,
 * `store`. The caller's API key is never part of it: it is a header, and only the body is read here.
 * Everything else is kept, unknown parameters included: a parameter Gantry does not know might
 * change the output, and a key too specific only costs a miss, never a wrong answer.
 */
import { createHash } from 'node:crypto';

/** Which API the body is for: the same JSON means different things on different endpoints. */
export type AiCacheKind = 'openai-chat' | 'anthropic-messages' | 'openai-embeddings';

export const AI_KEY_EXCLUDED: ReadonlySet<string> = new Set([
  'stream',
  'stream_options',
  'user',
  'metadata',
  'safety_identifier',
  'prompt_cache_key',
  'store',
]);

/** JSON with object keys sorted at every depth; undefined members dropped, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** The request as it counts for the key: excluded and null top-level parameters removed. */
export function normalizeAiRequest(body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (AI_KEY_EXCLUDED.has(k) || v === null || v === undefined) continue;
    out[k] = v;
  }
  return out;
}

/**
 * The cache key (hex SHA-256) of an AI request body. `scope` separates caches that must not share
 * answers (e.g. the route id, or a team id); it is part of the hash.
 */
export function aiCacheKey(kind: AiCacheKind, body: Readonly<Record<string, unknown>>, scope = ''): string {
  return createHash('sha256')
    .update(`gantry-ai-cache/1\0${kind}\0${scope}\0`)
    .update(canonicalJson(normalizeAiRequest(body)))
    .digest('hex');
}
