/**
 * rate-limit: counts each request against the value of `by` (client IP, app, key, team, route or
 * service) in the node's limiter for this policy (local or Redis), in the `limit` phase. Allowed
 * requests carry `RateLimit-Policy` / `RateLimit`; denied ones get 429 with `Retry-After`; a Redis
 * that cannot answer follows `fail_mode` (open: allowed, closed: 503). The outcome is left on
 * `ctx.rateLimit` for call records.
 */
import { validationError } from '../../../core/errors.js';
import { rateLimitedError, rateLimitHeaderWriter, rateLimitUnavailableError, type Decision, type RateLimit, type RateLimiter } from '../../../ratelimit/index.js';
import type { RequestContext } from '../../context.js';
import type { PolicyDefinition } from '../types.js';
import { RateLimitOptions } from './schema.js';

const PERIOD_MS = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** Validation without a node: a limiter that is never asked. */
const DETACHED: RateLimiter = {
  algorithm: 'sliding-window',
  hit() {
    throw new Error('validation-only rate limiter');
  },
  stats: () => ({ allowed: 0, denied: 0, degraded: 0 }),
  close() {},
};

type KeyOf = (ctx: RequestContext) => string;

/**
 * Keys of a local limiter, which belongs to this policy alone: the value itself, no prefix. Each is a
 * string that stays the same object from one request to the next — the client address Node keeps per
 * connection, ids from the config snapshot — so V8 hashes it once for the limiter's Map. A key built
 * by concatenation is a new string on every request, hashed anew on every lookup: in a profile of a
 * node under load that was most of what a local check cost. Ids start with their kind (`app_`, `key_`,
 * `team_`) and addresses never do, so the client-IP fallback cannot share a consumer's budget.
 */
function localKeyFunction(by: RateLimitOptions['by']): KeyOf {
  switch (by) {
    case 'ip':
      return (ctx) => ctx.clientIp;
    case 'route':
      return (ctx) => ctx.route?.id ?? '';
    case 'service':
      return (ctx) => ctx.route?.service.id ?? '';
    case 'app':
      return (ctx) => (ctx.consumer === null ? ctx.clientIp : ctx.consumer.appId);
    case 'key':
      return (ctx) => (ctx.consumer === null ? ctx.clientIp : ctx.consumer.keyId);
    case 'team':
      return (ctx) => (ctx.consumer === null ? ctx.clientIp : ctx.consumer.teamId);
  }
}

/** Keys of a Redis limiter, shared by every policy and node: `<policy id>:<by>:<value>`. */
function sharedKeyFunction(prefix: string, by: RateLimitOptions['by']): KeyOf {
  const ip = `${prefix}:ip:`;
  const byIp: KeyOf = (ctx) => ip + ctx.clientIp;
  switch (by) {
    case 'ip':
      return byIp;
    case 'route': {
      const p = `${prefix}:route:`;
      return (ctx) => p + (ctx.route?.id ?? '');
    }
    case 'service': {
      const p = `${prefix}:service:`;
      return (ctx) => p + (ctx.route?.service.id ?? '');
    }
    case 'app': {
      const p = `${prefix}:app:`;
      return (ctx) => (ctx.consumer === null ? byIp(ctx) : p + ctx.consumer.appId);
    }
    case 'key': {
      const p = `${prefix}:key:`;
      return (ctx) => (ctx.consumer === null ? byIp(ctx) : p + ctx.consumer.keyId);
    }
    case 'team': {
      const p = `${prefix}:team:`;
      return (ctx) => (ctx.consumer === null ? byIp(ctx) : p + ctx.consumer.teamId);
    }
  }
}

export const rateLimitPolicy: PolicyDefinition<typeof RateLimitOptions, RequestContext> = {
  type: 'rate-limit',
  description: 'Limit requests per app, key, client IP, route, service or team; local or shared through Redis.',
  schema: RateLimitOptions,
  priority: 900,
  phases: ['limit'],
  create(options, env) {
    if (options.burst !== undefined && options.algorithm !== 'gcra') {
      throw validationError('burst applies only to algorithm "gcra"; the sliding window always allows up to `limit`', [
        { path: '/burst', message: 'only with algorithm "gcra"' },
      ]);
    }
    if (options.fail_mode === 'closed' && options.backend !== 'redis') {
      throw validationError('fail_mode applies only to backend "redis"; a local limiter cannot be unavailable', [
        { path: '/fail_mode', message: 'only with backend "redis"' },
      ]);
    }
    const periodMs = PERIOD_MS[options.per];
    const limit: RateLimit = options.burst === undefined ? { limit: options.limit, periodMs } : { limit: options.limit, periodMs, burst: options.burst };
    const name = env.policyName === '' ? 'rate-limit' : env.policyName;
    const headersOf = rateLimitHeaderWriter(name, { periodMs });
    const keyOf = options.backend === 'local' ? localKeyFunction(options.by) : sharedKeyFunction(env.policyId, options.by);
    const limiterKey = `${env.policyId}\0${JSON.stringify([options.limit, options.per, options.burst ?? null, options.algorithm, options.backend, options.fail_mode])}`;
    const limiter =
      env.rateLimiters === null
        ? DETACHED
        : env.rateLimiters.get(limiterKey, { backend: options.backend, algorithm: options.algorithm, failMode: options.fail_mode });

    function decide(ctx: RequestContext, d: Decision): void {
      if (d.allowed) {
        ctx.rateLimit = d.degraded ? 'failed_open' : 'allowed';
        if (!d.degraded) ctx.addResponseHeaders(headersOf(d));
        return;
      }
      ctx.addResponseHeaders(headersOf(d));
      if (d.reason === 'unavailable') {
        ctx.rateLimit = 'failed_closed';
        throw rateLimitUnavailableError(name);
      }
      ctx.rateLimit = 'limited';
      throw rateLimitedError(name, limit, d);
    }

    function rateLimit(ctx: RequestContext): void | Promise<void> {
      const d = limiter.hit(keyOf(ctx), limit);
      if (d instanceof Promise) return d.then((decision) => decide(ctx, decision));
      decide(ctx, d);
    }
    return { limit: rateLimit };
  },
};
