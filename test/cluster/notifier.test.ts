/**
 * The two change notifiers against real services, including outages: PostgreSQL reached through a TCP
 * forwarder the test cuts, Redis as a private redis-server the test kills and restarts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresNotifier } from '../../src/cluster/notifier-postgres.js';
import { RedisNotifier } from '../../src/cluster/notifier-redis.js';
import { createStore, type Store } from '../../src/store/index.js';
import { createTempDatabase, postgresTestUrl } from '../helpers/postgres.js';
import { describeGated, eventually, HAS_REDIS_SERVER, PrivateRedis, redisTestUrl, uniquePrefix } from '../helpers/redis.js';
import { TcpForwarder } from '../helpers/tcp-forwarder.js';

/** A logger that keeps messages, for assertions on what an operator would read. */
function logger() {
  const lines: { level: 'info' | 'warn'; msg: string }[] = [];
  return {
    lines,
    info: (_o: object, msg?: string) => void lines.push({ level: 'info', msg: msg ?? '' }),
    warn: (_o: object, msg?: string) => void lines.push({ level: 'warn', msg: msg ?? '' }),
  };
}

const PG_URL = postgresTestUrl();

describeGated('PostgresNotifier', PG_URL ? null : 'set GANTRY_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it', () => {
  let db: { url: string; drop(): Promise<void> };
  let store: Store;
  let pg: TcpForwarder;
  let notifierUrl: string;

  beforeAll(async () => {
    db = await createTempDatabase(PG_URL!);
    store = await createStore({ url: db.url });
    await store.migrate();
    ({ forwarder: pg, url: notifierUrl } = await TcpForwarder.forUrl(db.url));
  });
  afterAll(async () => {
    await store?.close();
    await pg?.close();
    await db?.drop();
  });

  it('hears every committed config version, and listens again by itself after the connection is cut', async () => {
    const log = logger();
    const heard: number[] = [];
    const notifier = new PostgresNotifier({ url: notifierUrl, logger: log, minBackoffMs: 20, maxBackoffMs: 200 });
    try {
      await notifier.start((v) => heard.push(v));
      expect(notifier.listening).toBe(true);
      await store.teams.create({ name: 'one' });
      const v1 = await store.getConfigVersion();
      await eventually(() => heard.includes(v1), 5000);

      await pg.cut();
      await eventually(() => !notifier.listening, 5000);
      expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
        'config change notifications (PostgreSQL LISTEN) lost; polling meanwhile, reconnecting',
      ]);
      // While cut, changes are made (directly, not through the forwarder) and not heard.
      await store.teams.create({ name: 'two' });
      await new Promise((r) => setTimeout(r, 300));
      const missed = await store.getConfigVersion();
      expect(heard).not.toContain(missed);

      await pg.restore();
      await eventually(() => notifier.listening, 5000);
      expect(log.lines.at(-1)).toEqual({ level: 'info', msg: 'listening for config changes again (PostgreSQL)' });
      await store.teams.create({ name: 'three' });
      const v3 = await store.getConfigVersion();
      await eventually(() => heard.includes(v3), 5000);
      // Reconnection attempts while cut were logged once, not once per attempt.
      expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    } finally {
      await notifier.close();
    }
    expect(notifier.listening).toBe(false);
  });

  it('starts without throwing when PostgreSQL is unreachable, and listens once it is back', async () => {
    const log = logger();
    const heard: number[] = [];
    await pg.cut();
    const notifier = new PostgresNotifier({ url: notifierUrl, logger: log, minBackoffMs: 20, maxBackoffMs: 200 });
    try {
      await notifier.start((v) => heard.push(v));
      expect(notifier.listening).toBe(false);
      await pg.restore();
      await eventually(() => notifier.listening, 5000);
      await store.teams.create({ name: 'four' });
      const v = await store.getConfigVersion();
      await eventually(() => heard.includes(v), 5000);
    } finally {
      await notifier.close();
      await pg.restore();
    }
  });
});

const redisReason = !redisTestUrl()
  ? 'set GANTRY_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379) to run it'
  : !HAS_REDIS_SERVER
    ? 'redis-server is not installed'
    : null;

describeGated('RedisNotifier', redisReason, () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
  });
  afterAll(async () => {
    await redis?.kill();
  });

  it('delivers published versions on <prefix>:config to every subscriber and nothing from other prefixes', async () => {
    const prefix = uniquePrefix('notify').replace(/:$/, '');
    const log = logger();
    const publisher = new RedisNotifier({ url: redis.url, prefix, logger: log });
    const other = new RedisNotifier({ url: redis.url, prefix: `${prefix}-other`, logger: log });
    const subscribers = [new RedisNotifier({ url: redis.url, prefix, logger: log }), new RedisNotifier({ url: redis.url, prefix, logger: log })];
    const heard: number[][] = [[], []];
    try {
      await Promise.all(subscribers.map((s, i) => s.start((v) => heard[i]!.push(v))));
      expect(subscribers[0]!.channel).toBe(`${prefix}:config`);
      await other.publish(99);
      await publisher.publish(41);
      await publisher.publish(42);
      await eventually(() => heard.every((h) => h.includes(42)), 5000);
      expect(heard).toEqual([
        [41, 42],
        [41, 42],
      ]);
    } finally {
      await Promise.all([publisher, other, ...subscribers].map((n) => n.close()));
    }
  });

  it('fails a publish within its bound while Redis is down, and resubscribes by itself when it returns', async () => {
    const prefix = uniquePrefix('outage').replace(/:$/, '');
    const log = logger();
    const publisher = new RedisNotifier({ url: redis.url, prefix, logger: log, commandTimeoutMs: 500, minBackoffMs: 20, maxBackoffMs: 200 });
    const subscriber = new RedisNotifier({ url: redis.url, prefix, logger: log, minBackoffMs: 20, maxBackoffMs: 200 });
    const heard: number[] = [];
    try {
      await subscriber.start((v) => heard.push(v));
      await publisher.publish(1);
      await eventually(() => heard.includes(1), 5000);

      await redis.kill();
      const started = Date.now();
      await expect(publisher.publish(2)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5000);
      await eventually(() => log.lines.some((l) => l.msg.startsWith('config change notifications (Redis) lost')), 5000);

      await redis.restart();
      // Published until heard: the subscriber may still be reconnecting when the first ones go out.
      let v = 3;
      await eventually(async () => {
        await publisher.publish(v++).catch(() => undefined);
        return heard.some((h) => h >= 3);
      }, 10_000);
      expect(heard).not.toContain(2);
      expect(log.lines.some((l) => l.level === 'info' && l.msg === 'Redis reachable again for config change notifications')).toBe(true);
    } finally {
      await Promise.all([publisher.close(), subscriber.close()]);
    }
  });

  it('starts without throwing while Redis is down and subscribes once it is up', async () => {
    await redis.kill();
    const prefix = uniquePrefix('late').replace(/:$/, '');
    const log = logger();
    const subscriber = new RedisNotifier({ url: redis.url, prefix, logger: log, commandTimeoutMs: 300, minBackoffMs: 20, maxBackoffMs: 200 });
    const publisher = new RedisNotifier({ url: redis.url, prefix, logger: log });
    const heard: number[] = [];
    try {
      await subscriber.start((v) => heard.push(v));
      await redis.restart();
      let v = 1;
      await eventually(async () => {
        await publisher.publish(v++).catch(() => undefined);
        return heard.length > 0;
      }, 10_000);
    } finally {
      await Promise.all([publisher.close(), subscriber.close()]);
    }
  });
});
