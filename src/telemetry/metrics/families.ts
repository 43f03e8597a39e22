/**
 * The two building blocks of Gantry's metrics: a metric family whose samples are produced at scrape
 * time, and a histogram that is plain numbers. prom-client's own Counter and Histogram hash their
 * label values on every `inc`/`observe`; the call subscribers run once per request, so they keep
 * their counts in objects cached per route and hand them to prom-client's registry (which formats
 * the exposition text) only when Prometheus scrapes.
 */
import type { Metric } from 'prom-client';

export type Labels = Readonly<Record<string, string>>;
export type MetricKind = 'counter' | 'gauge' | 'histogram';

/** Adds one sample to the family being collected; `suffix` names `_bucket`, `_sum`, `_count` samples. */
export type Emit = (value: number, labels: Labels, suffix?: string) => void;

interface Sample {
  value: number;
  labels: Labels;
  metricName?: string;
}

/**
 * One metric family (`# HELP`/`# TYPE` and its samples). `collect` runs on every scrape and emits the
 * current values; the family itself holds no state.
 */
export class Family {
  readonly name: string;
  readonly help: string;
  readonly type: MetricKind;
  readonly aggregator = 'sum';
  readonly #collect: (emit: Emit) => void;

  constructor(name: string, help: string, type: MetricKind, collect: (emit: Emit) => void) {
    this.name = name;
    this.help = help;
    this.type = type;
    this.#collect = collect;
  }

  /** What prom-client's Registry reads when it renders the exposition text. */
  get(): { name: string; help: string; type: MetricKind; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    const name = this.name;
    this.#collect((value, labels, suffix) => {
      values.push(suffix === undefined ? { value, labels } : { value, labels, metricName: name + suffix });
    });
    return { name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Registry.resetMetrics() calls this; a family has nothing of its own to reset. */
  reset(): void {}

  /** The registry's type names only prom-client's classes; it reads nothing but `get`, `name`, `type`. */
  asMetric(): Metric {
    return this as unknown as Metric;
  }
}

/** Request latency buckets, in seconds (Prometheus' unit). */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Bucket bounds shared by many histograms: observations come in milliseconds, the exposition speaks
 * seconds.
 */
export class BucketLayout {
  readonly boundsMs: Float64Array;
  readonly le: readonly string[];

  constructor(boundsSeconds: readonly number[]) {
    this.boundsMs = Float64Array.from(boundsSeconds, (s) => s * 1000);
    this.le = [...boundsSeconds.map((s) => String(s)), '+Inf'];
  }
}

/** A histogram of millisecond observations; no allocation per observation. */
export class MsHistogram {
  readonly #layout: BucketLayout;
  /** Per bucket, not cumulative; the last one is +Inf. */
  readonly #counts: Float64Array;
  #sumMs = 0;
  #count = 0;

  constructor(layout: BucketLayout) {
    this.#layout = layout;
    this.#counts = new Float64Array(layout.boundsMs.length + 1);
  }

  observe(ms: number): void {
    const bounds = this.#layout.boundsMs;
    let i = 0;
    while (i < bounds.length && ms > bounds[i]!) i++;
    this.#counts[i]!++;
    this.#sumMs += ms;
    this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  /** `_bucket` (cumulative, with `le`), `_sum` (seconds) and `_count` samples. */
  emit(emit: Emit, labels: Labels): void {
    const le = this.#layout.le;
    let cumulative = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      cumulative += this.#counts[i]!;
      emit(cumulative, { ...labels, le: le[i]! }, '_bucket');
    }
    emit(this.#sumMs / 1000, labels, '_sum');
    emit(this.#count, labels, '_count');
  }
}

/** Adds `by` to the count kept under `key`. Smi values: no allocation. */
export function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}
