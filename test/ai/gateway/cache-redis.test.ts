/**
 * The ai-cache policy with `store: redis`: one cache shared by every node. Two data planes on the
 * same Redis prefix stand for two nodes of a cluster. Needs GANTRY_TEST_REDIS_URL (skipped, visibly,
 * without it); keys live under a prefix of this run and are deleted afterwards.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/helpers.js';
import { deleteByPrefix, describeRedis, ready, scanKeys, uniquePrefix } from '../../helpers/redis.js';
import { anthropicClient, collectOpenai, MODELS, openaiClient, standardConfig, startAi, startFixtures, TEAM, type Fixtures } from './helpers.js';

const T = '2024-01-01T00:00:00.000Z';

describeRedis('ai-cache on Redis', (url) => {
  const prefix = uniquePrefix('ai-cache');
  let fx: Fixtures;
  let redis: Redis;
  let open: Gateway[] = [];

  beforeAll(async () => {
    fx = await startFixtures();
    redis = new Redis(url);
  });
  afterEach(async () => {
    await Promise.all(open.map((g) => g.close()));
    open = [];
  });
  afterAll(async () => {
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
    await fx?.close();
  });

  async function node(): Promise<Gateway> {
    const config = standardConfig(fx);
    config.data.policies.push({ id: 'pol_aicache', team_id: TEAM, name: 'ai-cache', type: 'ai-cache', scope: 'service', target_id: 'svc_ai', config: { store: 'redis' }, enabled: true, priority: null, created_at: T, updated_at: T });
    const gw = await startAi(config, { rateLimitRedis: { url, prefix } });
    open.push(gw);
    // Until its connection is ready the store answers misses and stores nothing (as when Redis is down).
    await ready(gw.plane.cacheStores.redisStore().redis);
    return gw;
  }

  it('an answer one node stored is a hit on another, streamed or not', async () => {
    const [a, b] = [await node(), await node()];
    const q = `redis shared ${Date.now()}`;
    const before = fx.openai.requests.length;
    const first = await openaiClient(a).chat.completions.create({ model: MODELS.openai, messages: [{ role: 'user', content: q }] }).withResponse();
    expect(first.response.headers.get('x-gantry-cache')).toBe('MISS');
    // The set is not awaited by the response: wait until the entry is there.
    for (let i = 0; i < 100 && (await scanKeys(redis, `${prefix}*`)).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const second = await openaiClient(b).chat.completions.create({ model: MODELS.openai, messages: [{ role: 'user', content: q }] }).withResponse();
    expect(second.response.headers.get('x-gantry-cache')).toBe('HIT');
    expect(second.data).toEqual(first.data);
    const streamed = await collectOpenai(await openaiClient(b).chat.completions.create({ model: MODELS.openai, messages: [{ role: 'user', content: q }], stream: true }));
    expect(streamed.text).toBe(first.data.choices[0].message.content);
    expect(fx.openai.requests.length - before).toBe(1);
  });

  it('Anthropic messages and embeddings are shared too', async () => {
    const [a, b] = [await node(), await node()];
    const req = { model: MODELS.anthropic, max_tokens: 50, messages: [{ role: 'user' as const, content: `redis anthropic ${Date.now()}` }] };
    const input = `redis embed ${Date.now()}`;
    const before = fx.anthropic.requests.length + fx.openai.requests.length;
    const whole = await anthropicClient(a).messages.create(req);
    const emb = await openaiClient(a).embeddings.create({ model: MODELS.openai, input });
    for (let i = 0; i < 100 && (await scanKeys(redis, `${prefix}*e:*`)).length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    const final = await anthropicClient(b).messages.stream(req).finalMessage();
    expect(final.content).toEqual(whole.content);
    expect(await openaiClient(b).embeddings.create({ model: MODELS.openai, input })).toEqual(emb);
    expect(fx.anthropic.requests.length + fx.openai.requests.length - before).toBe(2);
  });
});
