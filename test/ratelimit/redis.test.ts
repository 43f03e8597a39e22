import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRateLimiter, RedisTimeoutError, type RateLimit, type RateLimitAlgorithm } from '../../src/ratelimit/index.js';
import { gcraViolations, windowViolations } from './bounds.js';
import { describeLimiterConformance } from './conformance.js';
import { deleteByPrefix, describePrivateRedis, describeRedis, eventually, PrivateRedis, ready, scanKeys, StallableProxy, uniquePrefix } from './redis-env.js';

describeRedis('RedisRateLimiter on the shared Redis', (url) => {
  const prefix = uniquePrefix('rl');
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(url);
  });
  afterAll(async () => {
    await deleteByPrefix(admin, prefix);
    admin.disconnect();
  });

  describeLimiterConformance('redis', async (algorithm) => {
    const limiter = new RedisRateLimiter({ redis: url, failMode: 'closed', algorithm, keyPrefix: prefix, timeoutMs: 5000 });
    await ready(limiter.redis);
    return limiter;
  });

  it('sliding window: reads state an earlier version of its script wrote (no newest time kept, costs above 1)', async () => {
    const limiter = new RedisRateLimiter({ redis: url, failMode: 'closed', algorithm: 'sliding-window', keyPrefix: prefix, timeoutMs: 5000 });
    await ready(limiter.redis);
    const T = 1_700_000_000_000;
    const base = `${prefix}w:{legacy}`;
    // The earlier script's layout: log members "<seq>:<cost>" scored in µs, and a hash of sum and seq.
    await admin.zadd(`${base}:log`, (T - 500) * 1000, '1:2', (T - 100) * 1000, '2:1');
    await admin.hset(`${base}:n`, 'sum', 3, 'seq', 2);
    const limit: RateLimit = { limit: 4, periodMs: 1000 };
    expect(await limiter.hit('legacy', limit, 1, T)).toMatchObject({ allowed: true, remaining: 0, resetMs: 1000 });
    expect(await limiter.hit('legacy', limit, 1, T)).toMatchObject({ allowed: false, retryAfterMs: 500 });
    // The cost-2 entry leaves the window at T + 500: two units free, and only two.
    expect(await limiter.hit('legacy', limit, 1, T + 500)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limiter.hit('legacy', limit, 1, T + 500)).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limiter.hit('legacy', limit, 1, T + 500)).allowed).toBe(false);
    limiter.close();
  });

  describe.each(['gcra', 'sliding-window'] as const)('%s', (algorithm: RateLimitAlgorithm) => {
    it('admits no more than the bound across four clients hitting one key concurrently, by Redis time', async () => {
      const limit: RateLimit = { limit: 20, periodMs: 400, burst: 5 };
      const limiters = Array.from({ length: 4 }, () => new RedisRateLimiter({ redis: url, failMode: 'closed', algorithm, keyPrefix: prefix, timeoutMs: 5000 }));
      await Promise.all(limiters.map((l) => ready(l.redis)));
      const key = `shared-${algorithm}`;
      const decisions = (
        await Promise.all(
          limiters.flatMap((l) =>
            Array.from({ length: 4 }, async () => {
              const out = [];
              for (let i = 0; i < 150; i++) out.push(await l.hit(key, limit));
              return out;
            }),
          ),
        )
      ).flat();
      for (const l of limiters) l.close();
      expect(decisions.filter((d) => d.degraded)).toEqual([]);
      const admitted = decisions.filter((d) => d.allowed).map((d) => Math.round(d.at * 1000));
      expect(admitted.length).toBeGreaterThanOrEqual(algorithm === 'gcra' ? 5 : 20);
      expect(admitted.length).toBeLessThan(decisions.length);
      expect(algorithm === 'gcra' ? gcraViolations(admitted, limit) : windowViolations(admitted, limit)).toEqual([]);
    });

    it('keeps a key only while it holds state (it expires)', async () => {
      const limiter = new RedisRateLimiter({ redis: url, failMode: 'closed', algorithm, keyPrefix: prefix, timeoutMs: 5000 });
      await ready(limiter.redis);
      await limiter.hit('expiring', { limit: 10, periodMs: 5000 });
      limiter.close();
      const keys = await scanKeys(admin, `${prefix}*expiring*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) {
        const ttl = await admin.pttl(k);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(5000);
      }
    });

    it('answers hits taken in one turn, more than one call carries, each from its own part of the reply and in the order they came', async () => {
      const limiter = new RedisRateLimiter({ redis: url, failMode: 'closed', algorithm, keyPrefix: prefix, timeoutMs: 5000 });
      await ready(limiter.redis);
      const T = 1_700_000_000_000;
      const limit: RateLimit = { limit: 250, periodMs: 60_000 };
      // 300 hits on one key and one on another, all taken before any reply: three calls' worth.
      const decisions = await Promise.all([...Array.from({ length: 300 }, () => limiter.hit('turn', limit, 1, T)), limiter.hit('turn-other', limit, 1, T)]);
      limiter.close();
      expect(decisions.map((d) => d.allowed)).toEqual([...Array.from({ length: 250 }, () => true), ...Array.from({ length: 50 }, () => false), true]);
      expect(decisions.slice(0, 250).map((d) => d.remaining)).toEqual(Array.from({ length: 250 }, (_, i) => 249 - i));
      expect(decisions[300]).toMatchObject({ allowed: true, remaining: 249 });
    });
  });
});

describePrivateRedis('RedisRateLimiter when Redis goes away', () => {
  let server: PrivateRedis;
  const limit = { limit: 1, periodMs: 60_000 };
  beforeAll(async () => {
    server = await PrivateRedis.start();
  });
  afterAll(async () => {
    await server?.kill();
  });

  it('fails open: allows and marks degraded while Redis is down, then recovers by itself', async () => {
    const rl = new RedisRateLimiter({ redis: server.url, failMode: 'open', timeoutMs: 1000 });
    await ready(rl.redis);
    expect(await rl.hit('open', limit)).toMatchObject({ allowed: true });
    expect((await rl.hit('open', limit)).degraded).toBeUndefined();
    expect(await rl.hit('open', limit)).toMatchObject({ allowed: false, reason: 'limited' });
    await server.kill();
    expect(await rl.hit('open', limit)).toMatchObject({ allowed: true, degraded: true, retryAfterMs: 0 });
    await server.restart();
    await eventually(async () => (await rl.hit('open-after', limit)).degraded !== true);
    expect(await rl.hit('open-after', limit)).toMatchObject({ allowed: false, reason: 'limited' });
    expect(rl.stats().degraded).toBeGreaterThan(0);
    rl.close();
  });

  it('fails closed: denies with reason unavailable while Redis is down, then recovers by itself', async () => {
    const rl = new RedisRateLimiter({ redis: server.url, failMode: 'closed', timeoutMs: 1000, unavailableRetryAfterMs: 2000 });
    await ready(rl.redis);
    expect(await rl.hit('closed', limit)).toMatchObject({ allowed: true });
    await server.kill();
    expect(await rl.hit('closed-2', limit)).toMatchObject({ allowed: false, degraded: true, reason: 'unavailable', retryAfterMs: 2000 });
    await server.restart();
    await eventually(async () => (await rl.hit('closed-3', limit)).allowed);
    rl.close();
  });

  it('bounds a stalled Redis by timeoutMs: the fail mode answers and the error is reported', async () => {
    const proxy = await new StallableProxy(server.port).listen();
    const errors: Error[] = [];
    const rl = new RedisRateLimiter({ redis: proxy.url, failMode: 'closed', timeoutMs: 50, onError: (e) => errors.push(e) });
    await ready(rl.redis);
    // 50 ms is tight for a loaded test machine: only require that Redis answered once before the stall.
    await eventually(async () => (await rl.hit('stall', { limit: 100, periodMs: 1000 })).degraded !== true);
    errors.length = 0;
    proxy.stall();
    expect(await rl.hit('stall-2', limit)).toMatchObject({ allowed: false, degraded: true, reason: 'unavailable' });
    expect(errors[0]).toBeInstanceOf(RedisTimeoutError);
    proxy.resume();
    await eventually(async () => (await rl.hit('stall-3', limit)).degraded !== true);
    rl.close();
    await proxy.close();
  });

  it('loads its script again with EVAL when Redis answers NOSCRIPT', async () => {
    const admin = new Redis(server.url);
    const rl = new RedisRateLimiter({ redis: server.url, failMode: 'closed', timeoutMs: 2000 });
    await Promise.all([ready(rl.redis), ready(admin)]);
    expect((await rl.hit('noscript', { limit: 5, periodMs: 1000 })).remaining).toBe(4);
    await admin.script('FLUSH');
    const d = await rl.hit('noscript', { limit: 5, periodMs: 1000 });
    expect(d).toMatchObject({ allowed: true, remaining: 3 });
    expect(d.degraded).toBeUndefined();
    expect(rl.stats().degraded).toBe(0);
    rl.close();
    admin.disconnect();
  });
});
