import { Type, type Static } from '@sinclair/typebox';

export const AiCacheOptions = Type.Object(
  {
    ttl_seconds: Type.Integer({
      minimum: 1,
      maximum: 31_536_000,
      default: 3600,
      description: 'How long a stored answer is served. Applies when it is read too: lowering it shortens entries already stored.',
    }),
    store: Type.Union([Type.Literal('memory'), Type.Literal('redis')], {
      default: 'memory',
      description: '`memory`: each node keeps its own bounded LRU. `redis`: one cache shared by every node (needs GANTRY_REDIS_URL). Redis down is a miss, never an error.',
    }),
    endpoints: Type.Array(Type.Union([Type.Literal('chat'), Type.Literal('messages'), Type.Literal('embeddings')]), {
      default: ['chat', 'messages', 'embeddings'],
      minItems: 1,
      uniqueItems: true,
      description: 'Which AI endpoints are cached: `chat` (OpenAI chat completions), `messages` (Anthropic Messages), `embeddings`.',
    }),
    share: Type.Union([Type.Literal('team'), Type.Literal('service')], {
      default: 'team',
      description:
        "Who shares answers. `team`: callers whose keys belong to the same team (a hit would tell another team that someone asked exactly this, and what the answer was). `service`: every caller of the service.",
    }),
    max_entry_bytes: Type.Integer({
      minimum: 1,
      maximum: 8 * 1024 * 1024,
      default: 2 * 1024 * 1024,
      description: 'Larger answers (the JSON stored) are sent to the client but not stored.',
    }),
    bypass_header: Type.String({
      pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$",
      default: 'X-Gantry-Cache',
      description: 'Request header that skips the cache: `bypass` or `no-cache` asks the provider and stores the fresh answer; `no-store` asks the provider and stores nothing.',
    }),
    honor_cache_control: Type.Boolean({
      default: true,
      description: 'A request `Cache-Control: no-cache` (fresh answer, stored) or `no-store` (nothing read or stored) skips the cache like the bypass header.',
    }),
    deterministic_only: Type.Boolean({
      default: false,
      description: 'Cache only requests that ask for `temperature: 0` and one choice. Off: sampled requests are cached too, and a repeat gets the first sample again.',
    }),
    coalesce: Type.Boolean({
      default: true,
      description: 'Concurrent identical misses call the provider once; the others wait for its answer and are served it as a hit.',
    }),
    coalesce_wait_ms: Type.Integer({
      minimum: 1,
      maximum: 600_000,
      default: 60_000,
      description: 'Longest a coalesced request waits for the one in flight before calling the provider itself.',
    }),
  },
  { additionalProperties: false, description: 'Exact-match cache of AI chat, messages and embeddings answers.' },
);
export type AiCacheOptions = Static<typeof AiCacheOptions>;
