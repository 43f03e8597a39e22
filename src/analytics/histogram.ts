/**
 * The latency histogram kept in every rollup row: fixed log-scale buckets, two per doubling (each
 * bucket's upper bound is √2 × the previous one), from 0.25 ms to about 12 minutes, plus an overflow
 * bucket. Histograms of any set of rows add bucket by bucket, so p50/p95/p99 over any range and any
 * grouping come from summed counts; an estimate lies in the same bucket as the true value, which
 * bounds its error to a factor of √2 (interpolation inside the bucket usually does much better).
 */

/** Number of buckets, the overflow bucket included. */
export const HIST_BUCKETS = 45;
const OVERFLOW = HIST_BUCKETS - 1;
const FIRST_UPPER_MS = 0.25;

/** Upper bound (ms, inclusive) of each bucket but the overflow one. */
export const HIST_UPPER_MS: readonly number[] = Array.from({ length: OVERFLOW }, (_, i) => FIRST_UPPER_MS * 2 ** (i / 2));

/** The bucket of a latency: the first whose upper bound is >= ms. */
export function histBucket(ms: number): number {
  if (!(ms > FIRST_UPPER_MS)) return 0; // also NaN and negatives
  // Tolerance so that exact bounds (0.25 × 2^(k/2)) land in bucket k despite rounding in log2.
  const i = Math.ceil(2 * Math.log2(ms / FIRST_UPPER_MS) - 1e-9);
  return i >= OVERFLOW ? OVERFLOW : i;
}

/** [lower, upper] ms of a bucket; the overflow bucket's upper bound is Infinity. */
export function histBounds(bucket: number): [number, number] {
  const lower = bucket === 0 ? 0 : HIST_UPPER_MS[bucket - 1]!;
  const upper = bucket >= OVERFLOW ? Infinity : HIST_UPPER_MS[bucket]!;
  return [lower, upper];
}

/**
 * The q-quantile (0 < q <= 1) of the latencies counted in `counts`, in ms; null when empty.
 * Inside the bucket that holds the rank, the value is interpolated geometrically (linearly in the
 * first bucket); the overflow bucket answers its lower bound.
 */
export function histQuantile(counts: ArrayLike<number>, q: number): number | null {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total === 0) return null;
  const rank = Math.min(Math.max(q, 0), 1) * total;
  let before = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]!;
    if (n === 0) continue;
    if (before + n >= rank) {
      const fraction = Math.max(0, (rank - before) / n);
      const [lower, upper] = histBounds(i);
      if (upper === Infinity) return lower;
      if (lower === 0) return upper * fraction;
      return lower * (upper / lower) ** fraction;
    }
    before += n;
  }
  return histBounds(counts.length - 1)[0];
}
