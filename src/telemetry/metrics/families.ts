/**
 * The building blocks of Gantry's metrics: a metric family whose samples are produced at scrape
 * time, a histogram that is plain numbers, and the text format. prom-client's own Counter and
 * Histogram hash their label values on every `inc`/`observe`, and its formatter costs tens of
 * milliseconds per scrape with a few thousand series (bench/metrics.ts): the call subscribers keep
 * their counts in objects cached per route, and families render themselves. prom-client still
 * provides the process metrics.
 */

export type Labels = Readonly<Record<string, string>>;
export type MetricKind = 'counter' | 'gauge' | 'histogram';

/** Adds one sample to the family being rendered; `suffix` names `_bucket`, `_sum`, `_count` samples. */
export type Emit = (value: number, labels: Labels, suffix?: string) => void;

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const LABEL_ESCAPES = /[\\"\n]/;

function labelValue(v: string): string {
  return LABEL_ESCAPES.test(v) ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : v;
}

function formatLabels(labels: Labels): string {
  let out = '';
  for (const key in labels) out += (out === '' ? '{' : ',') + key + '="' + labelValue(labels[key]!) + '"';
  return out === '' ? '' : out + '}';
}

function formatValue(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';
}

/**
 * One metric family (`# HELP`/`# TYPE` and its samples) in the Prometheus text format 0.0.4.
 * `collect` runs on every scrape and emits the current values; the family holds no state.
 */
export class Family {
  readonly name: string;
  readonly help: string;
  readonly type: MetricKind;
  readonly #collect: (emit: Emit) => void;

  constructor(name: string, help: string, type: MetricKind, collect: (emit: Emit) => void) {
    this.name = name;
    this.help = help;
    this.type = type;
    this.#collect = collect;
  }

  /** Emits the current samples. */
  collect(emit: Emit): void {
    this.#collect(emit);
  }

  render(): string {
    const name = this.name;
    let out = `# HELP ${name} ${this.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${this.type}\n`;
    this.#collect((value, labels, suffix) => {
      out += (suffix === undefined ? name : name + suffix) + formatLabels(labels) + ' ' + formatValue(value) + '\n';
    });
    return out;
  }
}

export function renderFamilies(families: readonly Family[]): string {
  let out = '';
  for (const f of families) out += f.render();
  return out;
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
