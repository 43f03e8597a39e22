/** Moved to test/helpers/redis.ts; kept so existing imports keep working. */
export * from '../helpers/redis.js';
