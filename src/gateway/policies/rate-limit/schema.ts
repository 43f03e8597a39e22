import { Type, type Static } from '@sinclair/typebox';

export const RateLimitOptions = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'Requests allowed per `per` period, for each value of `by`.' }),
    per: Type.Union([Type.Literal('second'), Type.Literal('minute'), Type.Literal('hour'), Type.Literal('day')], {
      description: 'The period the limit applies to.',
    }),
    by: Type.Union([Type.Literal('app'), Type.Literal('key'), Type.Literal('ip'), Type.Literal('route'), Type.Literal('service'), Type.Literal('team')], {
      default: 'app',
      description:
        'What gets its own budget. `app`, `key` and `team` need a consumer (an authentication policy such as key-auth); a request without one is counted by client IP instead.',
    }),
    algorithm: Type.Union([Type.Literal('sliding-window'), Type.Literal('gcra')], {
      default: 'sliding-window',
      description:
        '`sliding-window` (exact log): never more than `limit` in any window of `per`. `gcra`: smoother, constant memory per key, but admits up to `burst` back to back, so a window straddling a burst can see more than `limit`.',
    }),
    burst: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'GCRA only: requests that may arrive back to back. Default `limit`; `1` spaces them evenly.' }),
    ),
    backend: Type.Union([Type.Literal('local'), Type.Literal('redis')], {
      default: 'local',
      description: '`local`: counted in each node. `redis`: shared by every node using the same Redis (needs GANTRY_REDIS_URL on the node).',
    }),
    fail_mode: Type.Union([Type.Literal('open'), Type.Literal('closed')], {
      default: 'open',
      description: 'Redis backend only: when Redis cannot answer, `open` lets requests through, `closed` refuses them with 503.',
    }),
  },
  { additionalProperties: false, description: 'Limits requests per app, key, client IP, route, service or team.' },
);
export type RateLimitOptions = Static<typeof RateLimitOptions>;
