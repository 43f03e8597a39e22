import { Type, type Static } from '@sinclair/typebox';

const HeaderName = Type.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$" });
const QueryName = Type.String({ minLength: 1, maxLength: 128 });

export const CacheKeyOptions = Type.Object(
  {
    query: Type.Union([Type.Literal('all'), Type.Literal('none')], {
      default: 'all',
      description: '`all`: the query string joins the key (parameters sorted, so their order does not matter). `none`: it is ignored.',
    }),
    query_params: Type.Optional(
      Type.Array(QueryName, {
        maxItems: 64,
        uniqueItems: true,
        description: 'Only these query parameters join the key (with `query: all`); others are ignored for caching but still sent upstream.',
      }),
    ),
    ignore_query_params: Type.Optional(
      Type.Array(QueryName, {
        maxItems: 64,
        uniqueItems: true,
        description: 'These query parameters never join the key (tracking parameters such as `utm_source`).',
      }),
    ),
    headers: Type.Array(HeaderName, {
      default: [],
      maxItems: 16,
      uniqueItems: true,
      description: "Request headers whose values join the key, on top of what the response's Vary names.",
    }),
    host: Type.Boolean({ default: true, description: 'Whether the Host header joins the key.' }),
  },
  { additionalProperties: false, default: {} },
);
export type CacheKeyOptions = Static<typeof CacheKeyOptions>;

export const CacheOptions = Type.Object(
  {
    store: Type.Union([Type.Literal('memory'), Type.Literal('redis')], {
      default: 'memory',
      description: '`memory`: each node keeps its own bounded LRU. `redis`: one cache shared by every node (needs GANTRY_REDIS_URL).',
    }),
    methods: Type.Array(Type.Union([Type.Literal('GET'), Type.Literal('HEAD')]), {
      default: ['GET', 'HEAD'],
      minItems: 1,
      uniqueItems: true,
      description: 'Methods answered from the cache. Only GET responses are stored; HEAD is answered from a stored GET.',
    }),
    statuses: Type.Optional(
      Type.Array(Type.Integer({ minimum: 200, maximum: 599 }), {
        maxItems: 32,
        uniqueItems: true,
        description: 'Store only responses with these statuses (still only when HTTP allows it). Default: every status HTTP lets a shared cache store.',
      }),
    ),
    default_ttl_seconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 31_536_000,
        description:
          'Freshness for responses that give none (no max-age, s-maxage or Expires) where HTTP allows a heuristic: a cacheable-by-default status such as 200, or `public`. Off by default.',
      }),
    ),
    heuristic: Type.Boolean({
      default: true,
      description: 'Without explicit freshness or default_ttl_seconds, a response with Last-Modified is fresh for 10% of its age (at most a day), as RFC 9111 §4.2.2 allows.',
    }),
    key: CacheKeyOptions,
    surrogate_key_header: Type.String({
      pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$",
      default: 'Surrogate-Key',
      description: 'Response header listing space-separated tags to purge by. Removed from the response clients get.',
    }),
    max_entry_bytes: Type.Integer({
      minimum: 1,
      maximum: 64 * 1024 * 1024,
      default: 1024 * 1024,
      description: 'Larger responses are streamed to the client but not stored.',
    }),
    coalesce: Type.Boolean({ default: true, description: 'Concurrent misses for one key send one request upstream; the others wait for its answer.' }),
    coalesce_wait_ms: Type.Integer({
      minimum: 1,
      maximum: 120_000,
      default: 10_000,
      description: 'Longest a coalesced request waits for the one in flight before going upstream itself.',
    }),
    store_set_cookie: Type.Boolean({ default: false, description: 'Store responses that carry Set-Cookie (shared with every client!).' }),
  },
  { additionalProperties: false, description: 'Caches REST responses as an RFC 9111 shared cache.' },
);
export type CacheOptions = Static<typeof CacheOptions>;
