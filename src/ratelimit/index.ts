export { compileLimit, type CompiledLimit } from './algorithms.js';
export { rateLimitedError, rateLimitUnavailableError } from './errors.js';
export { rateLimitHeaders, rateLimitHeaderWriter, sfString, type RateLimitHeaderOptions, type RateLimitHeaderWriter } from './headers.js';
export { LocalRateLimiter, type LocalRateLimiterOptions } from './local.js';
export { limiterClientOptions, RedisRateLimiter, type RedisRateLimiterOptions } from './redis.js';
export { ownedClientOptions, RedisScript, RedisTimeoutError, withTimeout } from './redis-script.js';
export type { Decision, FailMode, RateLimit, RateLimitAlgorithm, RateLimiter, RateLimitStats } from './types.js';
