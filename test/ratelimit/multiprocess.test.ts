import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RateLimit, RateLimitAlgorithm } from '../../src/ratelimit/index.js';
import { gcraViolations, windowViolations } from './bounds.js';
import { deleteByPrefix, describeRedis, uniquePrefix } from './redis-env.js';

const HAMMER = fileURLToPath(new URL('./fixtures/hammer.ts', import.meta.url));

interface Result {
  allowed: boolean;
  atUs: number;
  degraded: boolean;
}

function child(config: object): { proc: ChildProcess; ready: Promise<void>; results: Promise<Result[]> } {
  const proc = fork(HAMMER, [JSON.stringify(config)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let onReady!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const results = new Promise<Result[]>((resolve, reject) => {
    proc.on('message', (m: { ready?: boolean; results?: Result[] }) => {
      if (m.ready) onReady();
      if (m.results) resolve(m.results);
    });
    proc.once('exit', (code) => reject(new Error(`hammer exited with ${code} before reporting`)));
  });
  return { proc, ready, results };
}

describeRedis('rate limiting across three processes sharing Redis', (url) => {
  const prefix = uniquePrefix('rl-mp');
  let admin: Redis;
  const procs: ChildProcess[] = [];
  beforeAll(() => {
    admin = new Redis(url);
  });
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null) p.kill();
    await deleteByPrefix(admin, prefix);
    admin.disconnect();
  });

  it.each(['gcra', 'sliding-window'] as const)(
    '%s: the admissions of all three, by Redis time, never exceed the bound',
    async (algorithm: RateLimitAlgorithm) => {
      const limit: RateLimit = { limit: 20, periodMs: 500, burst: 5 };
      const config = { url, prefix, key: `mp-${algorithm}`, algorithm, limit, count: 3000, concurrency: 4, maxMs: 1500 };
      const children = [child(config), child(config), child(config)];
      procs.push(...children.map((c) => c.proc));
      await Promise.all(children.map((c) => c.ready));
      for (const c of children) c.proc.send('go');
      const all = (await Promise.all(children.map((c) => c.results))).flat();
      expect(all.filter((r) => r.degraded)).toEqual([]);
      const admitted = all.filter((r) => r.allowed).map((r) => r.atUs);
      const perProcess = await Promise.all(children.map(async (c) => (await c.results).filter((r) => r.allowed).length));
      // Not vacuous: the key was over its limit, and more than one process got admissions.
      expect(admitted.length).toBeGreaterThanOrEqual(limit.limit);
      expect(admitted.length).toBeLessThan(all.length / 2);
      expect(perProcess.filter((n) => n > 0).length).toBeGreaterThan(1);
      expect(algorithm === 'gcra' ? gcraViolations(admitted, limit) : windowViolations(admitted, limit)).toEqual([]);
    },
    30_000,
  );
});
