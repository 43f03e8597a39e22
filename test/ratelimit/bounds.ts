/**
 * The admission bounds each algorithm guarantees, checked on the decisions' own timestamps (µs):
 * - sliding window: in every half-open window [t, t + period), at most `limit` admitted;
 * - GCRA: between any two admissions at t_i ≤ t_j, at most burst + (t_j − t_i) / T admitted.
 * Each returns the violations found (empty when the bound holds).
 */
import type { RateLimit } from '../../src/ratelimit/index.js';

export function windowViolations(times: number[], l: RateLimit): string[] {
  const t = [...times].sort((a, b) => a - b);
  const periodUs = l.periodMs * 1000;
  const out: string[] = [];
  let j = 0;
  for (let i = 0; i < t.length; i++) {
    if (j < i) j = i;
    while (j + 1 < t.length && t[j + 1] < t[i] + periodUs) j++;
    const n = j - i + 1;
    if (n > l.limit) out.push(`${n} admitted in [${t[i]}, ${t[i] + periodUs}) µs`);
  }
  return out;
}

export function gcraViolations(times: number[], l: RateLimit): string[] {
  const t = [...times].sort((a, b) => a - b);
  const T = Math.ceil((l.periodMs * 1000) / l.limit);
  const burst = l.burst ?? l.limit;
  const out: string[] = [];
  for (let i = 0; i < t.length; i++) {
    for (let j = i; j < t.length; j++) {
      const n = j - i + 1;
      if ((n - burst) * T > t[j] - t[i]) out.push(`${n} admitted in ${t[j] - t[i]} µs`);
    }
  }
  return out;
}
