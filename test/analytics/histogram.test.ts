import { describe, expect, test } from 'vitest';
import { HIST_BUCKETS, HIST_UPPER_MS, histBounds, histBucket, histQuantile } from '../../src/analytics/histogram.js';

/** The q-quantile of sorted values, by the same rank rule as histQuantile (smallest v with rank >= q·n). */
function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe('latency histogram', () => {
  test('buckets are half-octaves from 0.25 ms; each value lands in the first bucket whose bound holds it', () => {
    expect(HIST_BUCKETS).toBe(45);
    expect(HIST_UPPER_MS[0]).toBe(0.25);
    expect(HIST_UPPER_MS[2]).toBe(0.5);
    for (let i = 1; i < HIST_UPPER_MS.length; i++) expect(HIST_UPPER_MS[i]! / HIST_UPPER_MS[i - 1]!).toBeCloseTo(Math.SQRT2, 12);
    for (const [ms, bucket] of [
      [0, 0],
      [-1, 0],
      [Number.NaN, 0],
      [0.25, 0],
      [0.2500001, 1],
      [0.5, 2],
      [1, 4],
      [1000, 24],
      [1024, 24],
      [1025, 25],
      [10 * 60_000, 43],
      [3_600_000, 44],
    ] as const) {
      expect(histBucket(ms), `${ms} ms`).toBe(bucket);
    }
    for (let i = 0; i < HIST_UPPER_MS.length; i++) expect(histBucket(HIST_UPPER_MS[i]!)).toBe(i);
    expect(histBounds(0)).toEqual([0, 0.25]);
    expect(histBounds(44)).toEqual([HIST_UPPER_MS[43], Infinity]);
  });

  test('quantiles of random latencies stay inside the bucket of the exact quantile', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (const scale of [0.3, 5, 120, 4000]) {
      const values = Array.from({ length: 5000 }, () => scale * Math.exp(2 * (rand() - 0.5) * 2));
      const counts = new Array<number>(HIST_BUCKETS).fill(0);
      for (const v of values) counts[histBucket(v)]!++;
      const sorted = [...values].sort((a, b) => a - b);
      for (const q of [0.01, 0.5, 0.9, 0.95, 0.99, 1]) {
        const truth = exactQuantile(sorted, q);
        const [lower, upper] = histBounds(histBucket(truth));
        const estimate = histQuantile(counts, q)!;
        expect(estimate, `scale ${scale} q ${q}`).toBeGreaterThanOrEqual(lower);
        expect(estimate, `scale ${scale} q ${q}`).toBeLessThanOrEqual(upper);
      }
    }
  });

  test('empty histograms have no quantiles; overflow answers its lower bound', () => {
    expect(histQuantile(new Array(HIST_BUCKETS).fill(0), 0.5)).toBeNull();
    const overflow = new Array<number>(HIST_BUCKETS).fill(0);
    overflow[44] = 3;
    expect(histQuantile(overflow, 0.99)).toBe(HIST_UPPER_MS[43]);
    const one = new Array<number>(HIST_BUCKETS).fill(0);
    one[10] = 1;
    expect(histQuantile(one, 1)).toBe(HIST_UPPER_MS[10]);
  });
});
