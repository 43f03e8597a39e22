/**
 * AI metrics from `gantry:ai-call` events: requests, tokens, cost and AI-cache savings by provider
 * and served model. Labels are the provider's configured name and the catalog id of the model that
 * answered — never the model string a client sent, which is unbounded.
 */
import type { AiCallEvent } from '../../ai/events.js';
import { BucketLayout, bump, Family, LATENCY_BUCKETS_SECONDS, MsHistogram, type Emit } from './families.js';
import type { ConfigNames } from './names.js';

const TTFT = new BucketLayout(LATENCY_BUCKETS_SECONDS);
export const TOKEN_TYPES = ['prompt', 'completion', 'cached', 'cache_write', 'reasoning'] as const;

class ModelSeries {
  readonly labels: { provider: string; model: string };
  /** `success`, `error`, `cache_hit`. */
  readonly outcomes = new Map<string, number>();
  /** Indexed like TOKEN_TYPES. */
  readonly tokens = new Float64Array(TOKEN_TYPES.length);
  costUsd = 0;
  savedUsd = 0;
  ttft: MsHistogram | null = null;

  constructor(provider: string, model: string) {
    this.labels = { provider, model };
  }
}

export class AiMetrics {
  readonly #names: ConfigNames;
  /** provider → model → series. */
  readonly #series = new Map<string, Map<string, ModelSeries>>();
  /** provider → attempt outcome (`served`, `timeout`, `rate_limited`, ...) → count. */
  readonly #attempts = new Map<string, Map<string, number>>();

  constructor(names: ConfigNames) {
    this.#names = names;
  }

  #provider(id: string | null, kind: string | null): string {
    if (id === null) return '';
    return this.#names.aiProvider(id) ?? kind ?? id;
  }

  /** The `gantry:ai-call` subscriber. */
  readonly onAiCall = (message: unknown): void => {
    const ev = message as AiCallEvent;
    if (ev.endpoint === 'models') return;
    const provider = this.#provider(ev.providerId, ev.providerKind);
    const s = this.#seriesFor(provider, ev.modelServed ?? '');
    bump(s.outcomes, ev.cacheHit ? 'cache_hit' : ev.status < 400 ? 'success' : 'error');
    const usage = ev.usage;
    if (ev.cacheHit) {
      // Nothing was sent to the provider: the cost is what the cache saved.
      if (ev.cost !== null) s.savedUsd += ev.cost.total;
    } else {
      if (usage !== null) {
        s.tokens[0]! += usage.prompt_tokens;
        s.tokens[1]! += usage.completion_tokens;
        s.tokens[2]! += usage.cached_read_tokens;
        s.tokens[3]! += usage.cache_write_tokens;
        s.tokens[4]! += usage.reasoning_tokens;
      }
      if (ev.cost !== null) s.costUsd += ev.cost.total;
    }
    if (ev.ttftMs !== null) (s.ttft ??= new MsHistogram(TTFT)).observe(ev.ttftMs);
    for (let i = 0; i < ev.attempts.length; i++) {
      const a = ev.attempts[i]!;
      const name = this.#names.aiProvider(a.providerId) ?? a.providerName;
      let byOutcome = this.#attempts.get(name);
      if (byOutcome === undefined) {
        byOutcome = new Map();
        this.#attempts.set(name, byOutcome);
      }
      bump(byOutcome, a.outcome ?? 'served');
    }
  };

  #seriesFor(provider: string, model: string): ModelSeries {
    let byModel = this.#series.get(provider);
    if (byModel === undefined) {
      byModel = new Map();
      this.#series.set(provider, byModel);
    }
    let s = byModel.get(model);
    if (s === undefined) {
      s = new ModelSeries(provider, model);
      byModel.set(model, s);
    }
    return s;
  }

  families(): Family[] {
    const each = (fn: (s: ModelSeries, emit: Emit) => void) => (emit: Emit) => {
      for (const byModel of this.#series.values()) for (const s of byModel.values()) fn(s, emit);
    };
    return [
      new Family('gantry_ai_requests_total', 'AI calls by provider, served model and outcome (success, error, cache_hit); model "" when none answered', 'counter', each((s, emit) => {
        for (const [outcome, n] of s.outcomes) emit(n, { ...s.labels, outcome });
      })),
      new Family('gantry_ai_tokens_total', 'Tokens billed by providers, by provider, model and type (prompt includes cached; completion includes reasoning)', 'counter', each((s, emit) => {
        for (let i = 0; i < TOKEN_TYPES.length; i++) emit(s.tokens[i]!, { ...s.labels, type: TOKEN_TYPES[i]! });
      })),
      new Family('gantry_ai_cost_usd_total', 'Provider cost in US dollars at catalog prices, by provider and model', 'counter', each((s, emit) => emit(s.costUsd, s.labels))),
      new Family('gantry_ai_cache_saved_usd_total', 'Cost in US dollars that AI cache hits did not spend, by provider and model', 'counter', each((s, emit) => emit(s.savedUsd, s.labels))),
      new Family('gantry_ai_time_to_first_token_seconds', 'Streams: time from request arrival to the first content byte sent, by provider and model', 'histogram', each((s, emit) => {
        s.ttft?.emit(emit, s.labels);
      })),
      new Family('gantry_ai_provider_attempts_total', 'Requests sent to AI providers, by provider and outcome (served, or why the attempt did not serve the call)', 'counter', (emit) => {
        for (const [provider, byOutcome] of this.#attempts) for (const [outcome, n] of byOutcome) emit(n, { provider, outcome });
      }),
    ];
  }
}
