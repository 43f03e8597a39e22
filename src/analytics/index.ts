/** Analytics over call logs: the rollup model (dimensions, metrics, latency histogram) and time ranges. */
export { HIST_BUCKETS, HIST_UPPER_MS, histBounds, histBucket, histQuantile } from './histogram.js';
export {
  CLASS_SUMS,
  METRICS,
  ROLLUP_COUNTERS,
  ROLLUP_DIMENSIONS,
  ROLLUP_METRICS,
  TOTALS_DIMENSIONS,
  emptySums,
  isRollupMetric,
  metricValue,
  sumsFor,
  type RollupCounter,
  type RollupDimension,
  type RollupMetric,
  type RollupSums,
} from './metrics.js';
export { RESOLUTIONS, RESOLUTION_MS, alignRange, ceilTo, floorTo, splitRange, type RangePiece, type Resolution } from './ranges.js';
