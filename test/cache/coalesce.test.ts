import { afterEach, describe, expect, it, vi } from 'vitest';
import { Coalescer, CoalesceTimeoutError } from '../../src/cache/index.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('Coalescer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('makes 50 concurrent misses for one key cause one fetch, and gives every caller its result', async () => {
    const c = new Coalescer<string>();
    const origin = deferred<string>();
    const fetch = vi.fn(() => origin.promise);
    const callers = Array.from({ length: 50 }, () => c.run('GET /a', fetch));
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(c.isInFlight('GET /a')).toBe(true);
    origin.resolve('body');
    expect(await Promise.all(callers)).toEqual(Array(50).fill('body'));
    expect(c.stats()).toEqual({ fetches: 1, joined: 49, timeouts: 0, inFlight: 0 });
  });

  it('fetches separately for different keys', async () => {
    const c = new Coalescer<string>();
    const fetch = vi.fn(async (k: string) => k);
    expect(await Promise.all([c.run('a', () => fetch('a')), c.run('b', () => fetch('b')), c.run('a', () => fetch('a'))])).toEqual(['a', 'b', 'a']);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('gives every waiter the error of a failed fetch', async () => {
    const c = new Coalescer<string>();
    const origin = deferred<string>();
    const callers = Array.from({ length: 5 }, () => c.run('k', () => origin.promise));
    origin.reject(new Error('upstream 502'));
    const results = await Promise.allSettled(callers);
    expect(results.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'upstream 502')).toBe(true);
  });

  it('turns a fetch that throws synchronously into a rejection', async () => {
    const c = new Coalescer<string>();
    await expect(
      c.run('k', () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(c.isInFlight('k')).toBe(false);
  });

  it('fetches again once the previous fetch settled (it caches nothing itself)', async () => {
    const c = new Coalescer<number>();
    let n = 0;
    expect(await c.run('k', async () => ++n)).toBe(1);
    expect(await c.run('k', async () => ++n)).toBe(2);
  });

  it('bounds a waiter by maxWaitMs while the leader keeps waiting for a hung origin', async () => {
    vi.useFakeTimers();
    const c = new Coalescer<string>({ maxWaitMs: 100 });
    const origin = deferred<string>();
    const leader = c.run('k', () => origin.promise);
    const waiter = c.run('k', () => Promise.resolve('never called'));
    const waiterResult = waiter.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(99);
    expect(c.stats().timeouts).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(await waiterResult).toBeInstanceOf(CoalesceTimeoutError);
    expect(c.stats().timeouts).toBe(1);
    origin.resolve('late');
    expect(await leader).toBe('late');
  });
});
