import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisCacheStore } from '../../src/cache/index.js';
import { deleteByPrefix, describePrivateRedis, describeRedis, eventually, PrivateRedis, ready, uniquePrefix } from '../ratelimit/redis-env.js';
import { describeCacheStoreConformance, entry } from './conformance.js';

describeRedis('RedisCacheStore on the shared Redis', (url) => {
  const prefix = uniquePrefix('cache');
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(url);
  });
  afterAll(async () => {
    await deleteByPrefix(admin, prefix);
    admin.disconnect();
  });

  describeCacheStoreConformance('redis', async () => {
    const store = new RedisCacheStore({ redis: url, keyPrefix: prefix, timeoutMs: 5000 });
    await ready(store.redis);
    return { store, advance: (ms) => new Promise((r) => setTimeout(r, ms)), close: () => store.close() };
  });

  it('round-trips a 2 MiB random body byte for byte', async () => {
    const store = new RedisCacheStore({ redis: url, keyPrefix: prefix, timeoutMs: 5000 });
    await ready(store.redis);
    const body = randomBytes(2 * 1024 * 1024);
    await store.set('big', entry({ body }), 60_000);
    expect((await store.get('big'))!.body.equals(body)).toBe(true);
    store.close();
  });

  it('shares entries and purges between nodes: stored through one, hit and purged through another', async () => {
    const [a, b] = [new RedisCacheStore({ redis: url, keyPrefix: prefix, timeoutMs: 5000 }), new RedisCacheStore({ redis: url, keyPrefix: prefix, timeoutMs: 5000 })];
    await Promise.all([ready(a.redis), ready(b.redis)]);
    await a.set('shared', entry({ tags: ['node-tag'] }), 60_000);
    expect(await b.get('shared')).toEqual(entry({ tags: ['node-tag'] }));
    expect(await b.deleteByTag('node-tag')).toBe(1);
    expect(await a.get('shared')).toBeUndefined();
    a.close();
    b.close();
  });

  it('decodes a value once: the same bytes give the same entry, a value another node replaced or removed does not', async () => {
    const [a, b] = [new RedisCacheStore({ redis: url, keyPrefix: prefix, timeoutMs: 5000 }), new RedisCacheStore({ redis: url, keyPrefix: prefix, timeoutMs: 5000 })];
    await Promise.all([ready(a.redis), ready(b.redis)]);
    await a.set('again', entry({ body: Buffer.from('v1') }), 60_000);
    const first = await a.get('again');
    expect(await a.get('again')).toBe(first);
    await b.set('again', entry({ body: Buffer.from('v2') }), 60_000);
    expect((await a.get('again'))!.body.toString()).toBe('v2');
    await b.delete('again');
    expect(await a.get('again')).toBeUndefined();
    a.close();
    b.close();
  });

  it('keeps a tag set as long as its longest-lived entry, with a TTL of its own', async () => {
    const store = new RedisCacheStore({ redis: url, keyPrefix: prefix, timeoutMs: 5000 });
    await ready(store.redis);
    await store.set('long', entry({ tags: ['ttl-tag'] }), 50_000);
    await store.set('short', entry({ tags: ['ttl-tag'] }), 10_000);
    const entryTtl = await admin.pttl(`${prefix}e:long`);
    const tagTtl = await admin.pttl(`${prefix}t:ttl-tag`);
    expect(entryTtl).toBeGreaterThan(40_000);
    expect(tagTtl).toBeGreaterThan(40_000); // not shortened to 10 s by the shorter-lived entry
    store.close();
  });

  it('declines an entry larger than maxEntryBytes', async () => {
    const store = new RedisCacheStore({ redis: url, keyPrefix: prefix, timeoutMs: 5000, maxEntryBytes: 1024 });
    await ready(store.redis);
    await store.set('too-big', entry({ body: Buffer.alloc(4096) }), 60_000);
    expect(await store.get('too-big')).toBeUndefined();
    store.close();
  });
});

describePrivateRedis('RedisCacheStore when Redis goes away', () => {
  let server: PrivateRedis;
  beforeAll(async () => {
    server = await PrivateRedis.start();
  });
  afterAll(async () => {
    await server?.kill();
  });

  it('turns a dead Redis into misses and skipped writes, counted as errors, and recovers by itself', async () => {
    const store = new RedisCacheStore({ redis: server.url, timeoutMs: 1000 });
    await ready(store.redis);
    await store.set('k', entry(), 60_000);
    expect(await store.get('k')).toBeDefined();
    await server.kill();
    expect(await store.get('k')).toBeUndefined();
    await expect(store.set('k2', entry(), 60_000)).resolves.toBeUndefined();
    expect(store.stats().errors).toBeGreaterThan(0);
    await expect(store.deleteByTag('list')).rejects.toThrow(); // purges report the outage
    await server.restart();
    await eventually(async () => {
      await store.set('k3', entry(), 60_000);
      return (await store.get('k3')) !== undefined;
    });
    store.close();
  });
});
