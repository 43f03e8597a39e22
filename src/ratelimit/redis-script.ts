/**
 * Running a Lua script on Redis in one round trip: EVALSHA, and EVAL only when the server answers
 * NOSCRIPT (first use, or after a restart or SCRIPT FLUSH; EVAL caches the script again). Plus the
 * bound every call from the hot path gets: a Redis that stops answering costs at most `ms`.
 * Shared by the Redis rate limiter and the Redis cache store.
 */
import { createHash } from 'node:crypto';
import type { Redis, RedisOptions } from 'ioredis';

export class RedisScript {
  readonly lua: string;
  readonly sha: string;

  constructor(lua: string) {
    this.lua = lua;
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number | Buffer>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

export function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

export class RedisTimeoutError extends Error {
  constructor(ms: number) {
    super(`Redis did not answer within ${ms} ms`);
    this.name = 'RedisTimeoutError';
  }
}

/**
 * `promise`, or a RedisTimeoutError after `ms`. The timer never keeps the process alive.
 *
 * When the timer fires, the verdict waits for the rest of that event-loop turn (setImmediate runs
 * after the poll phase): a reply that already reached the socket while the loop was busy, and
 * only waits to be read, still counts. Otherwise a process under load, whose loop lags by more than
 * `ms`, would time out answers Redis gave in time (timers run before I/O in each turn).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (!settled) reject(new RedisTimeoutError(ms));
      }).unref();
    }, ms);
    timer.unref();
    promise.then(
      (value) => {
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        settled = true;
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/**
 * Options for a client Gantry owns on the hot path: commands fail at once while disconnected instead
 * of queueing (the caller's fail mode decides), and reconnects are frequent so recovery is quick.
 */
export function ownedClientOptions(): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times: number) => Math.min(50 * times, 500),
  };
}
