/**
 * The rate limiter conformance suite: every backend runs the same tests (STYLE.md rule 7), with
 * injected time (`now`), so counts and instants are exact. Decisions are also checked against
 * reference models written independently from the definitions (a leaky bucket for GCRA, a plain
 * list of admissions for the sliding window).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision, RateLimit, RateLimitAlgorithm, RateLimiter } from '../../src/ratelimit/index.js';

export type OpenLimiter = (algorithm: RateLimitAlgorithm) => RateLimiter | Promise<RateLimiter>;

const T0 = 1_700_000_000_000;

/** A seeded PRNG (mulberry32), so a failing schedule can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** GCRA's continuous-state leaky bucket form: level X drains 1 µs per µs; a hit adds cost·T; capacity burst·T. */
function leakyBucket(l: RateLimit) {
  const T = Math.ceil((l.periodMs * 1000) / l.limit);
  const cap = (l.burst ?? l.limit) * T;
  let level = 0;
  let last = -Infinity;
  return (nowMs: number, cost: number): boolean => {
    const t = nowMs * 1000;
    const drained = Math.max(0, level - (t - last));
    if (drained + cost * T > cap) return false;
    level = drained + cost * T;
    last = t;
    return true;
  };
}

/** The sliding window by definition: the cost admitted in (now − period, now] plus this one ≤ limit. */
function admissionList(l: RateLimit) {
  const admitted: Array<{ t: number; cost: number }> = [];
  return (nowMs: number, cost: number): boolean => {
    const inWindow = admitted.filter((a) => a.t > nowMs - l.periodMs).reduce((s, a) => s + a.cost, 0);
    if (inWindow + cost > l.limit) return false;
    if (cost > 0) admitted.push({ t: nowMs, cost });
    return true;
  };
}

export function describeLimiterConformance(name: string, open: OpenLimiter): void {
  describe.each(['gcra', 'sliding-window'] as const)(`rate limiter conformance: ${name} (%s)`, (algorithm) => {
    let limiter: RateLimiter;
    let n = 0;
    const key = () => `k${++n}`;
    const hit = async (k: string, l: RateLimit, cost: number, at: number): Promise<Decision> => limiter.hit(k, l, cost, at);

    beforeAll(async () => {
      limiter = await open(algorithm);
    });
    afterAll(async () => {
      await limiter?.close();
    });

    it('admits exactly `limit` hits at one instant, counting remaining down, then denies', async () => {
      const k = key();
      const l = { limit: 5, periodMs: 1000 };
      const remaining: number[] = [];
      for (let i = 0; i < 5; i++) {
        const d = await hit(k, l, 1, T0);
        expect(d.allowed).toBe(true);
        expect(d.retryAfterMs).toBe(0);
        expect(d.limit).toBe(5);
        remaining.push(d.remaining);
      }
      expect(remaining).toEqual([4, 3, 2, 1, 0]);
      const denied = await hit(k, l, 1, T0);
      expect(denied).toMatchObject({ allowed: false, remaining: 0, limit: 5, reason: 'limited', resetMs: 1000 });
      expect(denied.retryAfterMs).toBe(algorithm === 'gcra' ? 200 : 1000);
      expect(denied.at).toBe(T0);
    });

    it('denies a hit costing more than what is left, without consuming anything', async () => {
      const k = key();
      const l = { limit: 10, periodMs: 1000 };
      expect((await hit(k, l, 4, T0)).remaining).toBe(6);
      expect((await hit(k, l, 4, T0)).remaining).toBe(2);
      const denied = await hit(k, l, 4, T0);
      expect(denied).toMatchObject({ allowed: false, remaining: 2 });
      expect(denied.retryAfterMs).toBe(algorithm === 'gcra' ? 200 : 1000);
      expect(await hit(k, l, 2, T0)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it('a cost of 0 reads the state without consuming it', async () => {
      const k = key();
      const l = { limit: 3, periodMs: 1000 };
      expect(await hit(k, l, 0, T0)).toMatchObject({ allowed: true, remaining: 3, resetMs: 0 });
      await hit(k, l, 1, T0);
      expect(await hit(k, l, 0, T0)).toMatchObject({ allowed: true, remaining: 2 });
      expect(await hit(k, l, 0, T0)).toMatchObject({ allowed: true, remaining: 2 });
    });

    it('denies a cost above the capacity as over-capacity, consuming nothing', async () => {
      const k = key();
      const l = { limit: 10, periodMs: 1000 };
      expect(await hit(k, l, 11, T0)).toMatchObject({ allowed: false, reason: 'over-capacity' });
      expect(await hit(k, l, 10, T0)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it('keeps keys independent', async () => {
      const [a, b] = [key(), key()];
      const l = { limit: 1, periodMs: 60_000 };
      expect((await hit(a, l, 1, T0)).allowed).toBe(true);
      expect((await hit(a, l, 1, T0)).allowed).toBe(false);
      expect((await hit(b, l, 1, T0)).allowed).toBe(true);
    });

    it('rejects invalid limits and costs', () => {
      expect(() => limiter.hit(key(), { limit: 0, periodMs: 1000 }, 1, T0)).toThrow(RangeError);
      expect(() => limiter.hit(key(), { limit: 1.5, periodMs: 1000 }, 1, T0)).toThrow(RangeError);
      expect(() => limiter.hit(key(), { limit: 5, periodMs: 0 }, 1, T0)).toThrow(RangeError);
      expect(() => limiter.hit(key(), { limit: 5, periodMs: 1000, burst: 0 }, 1, T0)).toThrow(RangeError);
      expect(() => limiter.hit(key(), { limit: 5, periodMs: 1000 }, -1, T0)).toThrow(RangeError);
      expect(() => limiter.hit(key(), { limit: 5, periodMs: 1000 }, 0.5, T0)).toThrow(RangeError);
    });

    it('agrees with the reference model on 400 hits at random instants with random costs', async () => {
      for (const [seed, l] of [
        [1, { limit: 7, periodMs: 1000 }],
        [2, { limit: 10, periodMs: 3000, burst: 4 }],
        [3, { limit: 3, periodMs: 1000 }],
        // A long log: the local limiter's ring grows past its first sizes and wraps around.
        [6, { limit: 150, periodMs: 1000 }],
      ] as Array<[number, RateLimit]>) {
        const k = key();
        const rnd = prng(seed);
        const model = algorithm === 'gcra' ? leakyBucket(l) : admissionList(l);
        let t = T0;
        const mismatches: string[] = [];
        let allowed = 0;
        for (let i = 0; i < 400; i++) {
          t += Math.floor(rnd() * ((2 * l.periodMs) / l.limit));
          const cost = Math.floor(rnd() * 3);
          const expected = model(t, cost);
          const d = await hit(k, l, cost, t);
          if (d.allowed !== expected) mismatches.push(`#${i} t=${t - T0} cost=${cost}: got ${d.allowed}`);
          if (d.allowed && cost > 0) allowed++;
        }
        expect(mismatches).toEqual([]);
        expect(allowed).toBeGreaterThan(20); // the schedule exercised both outcomes
      }
    });

    it('agrees with the reference model through steady traffic, a burst that fills a long log, a lull that empties it, and a second burst', async () => {
      const l: RateLimit = { limit: 200, periodMs: 2000 };
      const k = key();
      const rnd = prng(7);
      const model = algorithm === 'gcra' ? leakyBucket(l) : admissionList(l);
      const mismatches: string[] = [];
      let t = T0;
      const phases: Array<[hits: number, maxGapMs: number]> = [
        [200, 100], // steady, under the limit: a short log whose oldest entries keep leaving
        [300, 4], // faster than the limit: the log grows to the limit, then denials
        [12, 900], // sparse: the log drains to a few entries
        [300, 4],
      ];
      for (const [hits, maxGapMs] of phases) {
        for (let i = 0; i < hits; i++) {
          t += 1 + Math.floor(rnd() * maxGapMs);
          const expected = model(t, 1);
          const d = await hit(k, l, 1, t);
          if (d.allowed !== expected) mismatches.push(`t=${t - T0}: got ${d.allowed}`);
        }
      }
      expect(mismatches).toEqual([]);
    });

    it('agrees with the reference model on 400 single-unit hits at random instants (what the rate-limit policy sends)', async () => {
      // Long periods: Redis expires keys by its own clock, so with injected time a key's TTL (its
      // virtual time left) must stay long against the real time between two hits of a loaded run.
      for (const [seed, l] of [
        [4, { limit: 7, periodMs: 60_000 }],
        [5, { limit: 3, periodMs: 10_000 }],
      ] as Array<[number, RateLimit]>) {
        const k = key();
        const rnd = prng(seed);
        const model = algorithm === 'gcra' ? leakyBucket(l) : admissionList(l);
        let t = T0;
        const mismatches: string[] = [];
        let allowed = 0;
        for (let i = 0; i < 400; i++) {
          t += Math.floor(rnd() * ((2 * l.periodMs) / l.limit));
          const expected = model(t, 1);
          const d = await hit(k, l, 1, t);
          if (d.allowed !== expected) mismatches.push(`#${i} t=${t - T0}: got ${d.allowed}`);
          if (d.allowed) allowed++;
        }
        expect(mismatches).toEqual([]);
        expect(allowed).toBeGreaterThan(20);
        expect(allowed).toBeLessThan(400);
      }
    });

    if (algorithm === 'gcra') {
      it('replenishes one unit every period / limit, and retryAfterMs says exactly when', async () => {
        const k = key();
        const l = { limit: 5, periodMs: 1000 };
        for (let i = 0; i < 5; i++) await hit(k, l, 1, T0);
        expect(await hit(k, l, 1, T0 + 199)).toMatchObject({ allowed: false, retryAfterMs: 1 });
        expect(await hit(k, l, 1, T0 + 200)).toMatchObject({ allowed: true, remaining: 0, resetMs: 1000 });
      });

      it('refills the whole burst after resetMs', async () => {
        const k = key();
        const l = { limit: 5, periodMs: 1000 };
        let d: Decision | undefined;
        for (let i = 0; i < 5; i++) d = await hit(k, l, 1, T0);
        for (let i = 0; i < 5; i++) expect((await hit(k, l, 1, T0 + d!.resetMs)).allowed).toBe(true);
        expect((await hit(k, l, 1, T0 + d!.resetMs)).allowed).toBe(false);
      });

      it('caps back-to-back hits at burst, below the limit', async () => {
        const k = key();
        const l = { limit: 10, periodMs: 1000, burst: 3 };
        const got = [];
        for (let i = 0; i < 4; i++) got.push(await hit(k, l, 1, T0));
        expect(got.map((d) => d.allowed)).toEqual([true, true, true, false]);
        expect(got[3].retryAfterMs).toBe(100);
        expect((await hit(k, l, 1, T0 + 100)).allowed).toBe(true);
      });

      it('with burst 1 spaces hits exactly period / limit apart', async () => {
        const k = key();
        const l = { limit: 10, periodMs: 1000, burst: 1 };
        expect((await hit(k, l, 1, T0)).allowed).toBe(true);
        expect((await hit(k, l, 1, T0 + 99)).allowed).toBe(false);
        expect((await hit(k, l, 1, T0 + 100)).allowed).toBe(true);
      });

      it('admits exactly 54 of a hit every 10 ms for 10 s at 5 per second (burst 5, then one per 200 ms)', async () => {
        const k = key();
        const l = { limit: 5, periodMs: 1000 };
        let admitted = 0;
        for (let t = 0; t < 10_000; t += 10) if ((await hit(k, l, 1, T0 + t)).allowed) admitted++;
        expect(admitted).toBe(54);
      });
    } else {
      it('frees units exactly one period after they were admitted', async () => {
        const k = key();
        const l = { limit: 5, periodMs: 1000 };
        for (let i = 0; i < 5; i++) await hit(k, l, 1, T0);
        expect(await hit(k, l, 1, T0 + 999)).toMatchObject({ allowed: false, retryAfterMs: 1 });
        expect(await hit(k, l, 1, T0 + 1000)).toMatchObject({ allowed: true, remaining: 4 }); // all five left together
      });

      it('slides: units admitted later leave later, and retryAfterMs waits for enough of them', async () => {
        const k = key();
        const l = { limit: 5, periodMs: 1000 };
        await hit(k, l, 2, T0);
        await hit(k, l, 3, T0 + 500);
        expect(await hit(k, l, 2, T0 + 600)).toMatchObject({ allowed: false, retryAfterMs: 400, resetMs: 900 });
        expect(await hit(k, l, 2, T0 + 1000)).toMatchObject({ allowed: true, remaining: 0 });
        expect(await hit(k, l, 1, T0 + 1100)).toMatchObject({ allowed: false, retryAfterMs: 400 });
      });

      it('admits exactly 50 of a hit every 10 ms for 10 s at 5 per second, never more than 5 in any second', async () => {
        const k = key();
        const l = { limit: 5, periodMs: 1000 };
        const times: number[] = [];
        for (let t = 0; t < 10_000; t += 10) if ((await hit(k, l, 1, T0 + t)).allowed) times.push(t);
        expect(times.length).toBe(50);
        for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(5);
      });
    }
  });
}
