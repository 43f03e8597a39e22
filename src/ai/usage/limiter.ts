/**
 * Per-app AI limits (tokens per minute, spend per UTC day and calendar month), checked before a call
 * with an estimate and reconciled with the actual after it.
 *
 * A check that passes reserves the estimate at once (tokens in the window, cost in both spend
 * periods), so concurrent calls cannot all pass on the same headroom. `reconcile` replaces the
 * estimate with the actual; `release` drops it when the provider never answered. A reservation
 * neither reconciled nor released (a client that went away before the call started) expires after
 * `reservationTtlMs`.
 *
 * Spend survives restarts and is shared between nodes through the store: `refreshFromStore` reads
 * the day's and the month's totals per app (at start, then every 60 s), and the recorder reports
 * each flush (`noteRecorded`), so spend flushed before a read is counted once (in the store's total)
 * and spend not yet flushed once (locally). A flush that commits while the store is being read may
 * be counted twice until the next refresh: conservative, and bounded by one flush.
 */
import type { AiLimits } from '../../core/ai-limits.js';
import type { AiUsageDelta, Store } from '../../store/types.js';
import { MemoryAiLimitCounters, type AiLimitCounters, type SpendPeriod } from './counters.js';

export interface LimitEstimate {
  tokens: number;
  costUsd: number;
}

/** What a passed check holds until reconcile or release. */
export interface AiReservation {
  readonly appId: string;
  readonly tokens: number;
  readonly costUsd: number;
  /** Epoch ms of the check. */
  readonly at: number;
  /** Reconciled, released or expired. */
  readonly settled: boolean;
}

export type AiLimitCode = 'GANTRY_ERR_AI_TOKEN_LIMIT' | 'GANTRY_ERR_AI_BUDGET_EXCEEDED';

export type LimitCheck =
  | { ok: true; reservation: AiReservation }
  | { ok: false; code: AiLimitCode; message: string; retryAfterS: number };

export interface AiLimiterOptions {
  counters?: AiLimitCounters;
  /** Default 15 min: longer than any call Gantry lets run. */
  reservationTtlMs?: number;
}

const NANOS_PER_USD = 1_000_000_000;
const SWEEP_EVERY_MS = 10_000;

const toNanos = (usd: number): number => (Number.isFinite(usd) && usd > 0 ? Math.round(usd * NANOS_PER_USD) : 0);
const toTokens = (n: number): number => (Number.isFinite(n) && n > 0 ? Math.ceil(n) : 0);

function usd(nanos: number): string {
  const value = nanos / NANOS_PER_USD;
  if (value >= 1 || value === 0) return `$${value.toFixed(2)}`;
  if (value < 0.000001) return 'under $0.000001';
  return `$${value.toFixed(6).replace(/0+$/, '')}`;
}

export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** Start of the next period: UTC midnight, or the first of next month 00:00 UTC. */
function nextReset(period: SpendPeriod, now: number): number {
  const d = new Date(now);
  return period === 'day'
    ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)
    : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

class Reservation implements AiReservation {
  settled = false;
  constructor(
    readonly appId: string,
    readonly tokens: number,
    readonly costUsd: number,
    readonly at: number,
    readonly nanos: number,
    /** Window slot the tokens were counted in; null when the app has no token limit. */
    readonly slot: number | null,
    readonly day: string,
    readonly month: string,
  ) {}
}

export class AiLimiter {
  readonly #counters: AiLimitCounters;
  readonly #ttlMs: number;
  /** In check order, so the sweep stops at the first one still young. */
  readonly #outstanding = new Set<Reservation>();
  #lastSweep = 0;
  #expired = 0;
  #refreshing: Promise<{ apps: number }> | null = null;

  constructor(opts: AiLimiterOptions = {}) {
    this.#counters = opts.counters ?? new MemoryAiLimitCounters();
    this.#ttlMs = opts.reservationTtlMs ?? 15 * 60_000;
  }

  /**
   * May the app spend `estimate` more? Spend limits are checked first (their wait is the longest);
   * a spend limit of 0 blocks every call. Limits left unset (null/undefined) are not checked, but
   * spend is still tracked, so a budget set later starts from the truth.
   */
  check(appId: string, limits: AiLimits, estimate: LimitEstimate, now: number = Date.now()): LimitCheck {
    this.#sweep(now);
    const tokens = toTokens(estimate.tokens);
    const nanos = toNanos(estimate.costUsd);
    const day = utcDay(now);
    const month = day.slice(0, 7);

    for (const [period, key, limit] of [
      ['day', day, limits.spend_per_day_usd],
      ['month', month, limits.spend_per_month_usd],
    ] as const) {
      if (limit === null || limit === undefined) continue;
      const limitNanos = toNanos(limit);
      const used = this.#counters.spend(appId, period, key);
      if (used >= limitNanos || used + nanos > limitNanos) return this.#overBudget(appId, period, limit, used, nanos, now);
    }

    let slot: number | null = null;
    const tpm = limits.tokens_per_minute;
    if (tpm !== null && tpm !== undefined) {
      if (tokens > tpm) {
        return {
          ok: false,
          code: 'GANTRY_ERR_AI_TOKEN_LIMIT',
          message: `This request needs about ${tokens} tokens (prompt plus maximum output), more than app ${appId}'s limit of ${tpm} tokens per minute: set a lower max_tokens, shorten the prompt or raise tokens_per_minute`,
          retryAfterS: 60,
        };
      }
      const verdict = this.#counters.tryAddTokens(appId, tokens, tpm, now);
      if (!verdict.ok) {
        const retryAfterS = seconds(verdict.retryAfterMs);
        return {
          ok: false,
          code: 'GANTRY_ERR_AI_TOKEN_LIMIT',
          message: `App ${appId} reached its limit of ${tpm} tokens per minute (${this.#counters.windowTokens(appId, now)} used or reserved in the last 60 s, this request needs about ${tokens}); retry in ${retryAfterS} s or raise tokens_per_minute`,
          retryAfterS,
        };
      }
      slot = verdict.slot;
    }

    this.#counters.addReserved(appId, 'day', day, nanos);
    this.#counters.addReserved(appId, 'month', month, nanos);
    const reservation = new Reservation(appId, tokens, estimate.costUsd, now, nanos, slot, day, month);
    this.#outstanding.add(reservation);
    return { ok: true, reservation };
  }

  #overBudget(appId: string, period: SpendPeriod, limit: number, used: number, nanos: number, now: number): LimitCheck {
    const resetAt = nextReset(period, now);
    const retryAfterS = seconds(resetAt - now);
    const per = period === 'day' ? 'per day (UTC)' : 'per calendar month (UTC)';
    const field = period === 'day' ? 'spend_per_day_usd' : 'spend_per_month_usd';
    return {
      ok: false,
      code: 'GANTRY_ERR_AI_BUDGET_EXCEEDED',
      message:
        `App ${appId} reached its AI spend limit of ${usd(toNanos(limit))} ${per}: ${usd(used)} spent or reserved, ` +
        `this request may cost up to ${usd(nanos)}. The limit resets at ${new Date(resetAt).toISOString()} (in ${retryAfterS} s); ` +
        `raise ${field}${nanos > 0 ? ' or set a lower max_tokens' : ''}`,
      retryAfterS,
    };
  }

  /** The call is over: its actual tokens and cost replace the estimate. Later calls are no-ops. */
  reconcile(reservation: AiReservation, actual: LimitEstimate, now: number = Date.now()): void {
    const r = this.#settle(reservation);
    if (r === undefined) return;
    if (r.slot !== null) this.#counters.adjustTokens(r.appId, r.slot, toTokens(actual.tokens) - r.tokens, now);
    const nanos = toNanos(actual.costUsd);
    for (const [period, key] of [['day', r.day], ['month', r.month]] as const) {
      this.#counters.addReserved(r.appId, period, key, -r.nanos);
      this.#counters.addUnrecorded(r.appId, period, key, nanos);
    }
  }

  /** The call failed before the provider answered: nothing was used. Later calls are no-ops. */
  release(reservation: AiReservation, now: number = Date.now()): void {
    const r = this.#settle(reservation);
    if (r === undefined) return;
    if (r.slot !== null) this.#counters.adjustTokens(r.appId, r.slot, -r.tokens, now);
    this.#counters.addReserved(r.appId, 'day', r.day, -r.nanos);
    this.#counters.addReserved(r.appId, 'month', r.month, -r.nanos);
  }

  #settle(reservation: AiReservation): Reservation | undefined {
    if (!(reservation instanceof Reservation) || reservation.settled) return undefined;
    reservation.settled = true;
    this.#outstanding.delete(reservation);
    return reservation;
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    for (const r of this.#outstanding) {
      if (now - r.at <= this.#ttlMs) break;
      this.release(r, now);
      this.#expired += 1;
    }
  }

  /** The recorder flushed these rows to the store (wire UsageRecorder's `onRecorded` here). */
  noteRecorded(rows: readonly AiUsageDelta[]): void {
    for (const row of rows) {
      if (row.app_id === null) continue;
      const nanos = toNanos(row.cost_usd);
      if (nanos === 0) continue;
      this.#counters.addRecorded(row.app_id, 'day', row.day, nanos);
      this.#counters.addRecorded(row.app_id, 'month', row.day.slice(0, 7), nanos);
    }
  }

  /**
   * Starts from totals the store recorded (USD per app for the UTC day and the month of `asOf`),
   * taken to include everything this node flushed so far. Apps absent from a map have spent 0.
   */
  seed(spendByApp: { day: ReadonlyMap<string, number>; month: ReadonlyMap<string, number>; asOf: Date | number }): void {
    const day = utcDay(+spendByApp.asOf);
    const month = day.slice(0, 7);
    this.#reseed('day', day, spendByApp.day, this.#counters.recordedSnapshot('day', day));
    this.#reseed('month', month, spendByApp.month, this.#counters.recordedSnapshot('month', month));
  }

  #reseed(period: SpendPeriod, key: string, usdByApp: ReadonlyMap<string, number>, before: ReadonlyMap<string, number>): void {
    const totals = new Map<string, number>();
    for (const [appId, value] of usdByApp) totals.set(appId, toNanos(value));
    this.#counters.reseed(period, key, totals, before);
  }

  /**
   * Reads the day's and the month's spend per app from the store and reseeds. Off the hot path: at
   * start (await it before serving) and every 60 s. Concurrent calls share one read.
   */
  refreshFromStore(store: Pick<Store, 'aiUsage'>, now: number = Date.now()): Promise<{ apps: number }> {
    this.#refreshing ??= this.#refresh(store, now).finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  async #refresh(store: Pick<Store, 'aiUsage'>, now: number): Promise<{ apps: number }> {
    const day = utcDay(now);
    const month = day.slice(0, 7);
    const apps = new Set<string>();
    for (const [period, key, from] of [['day', day, day], ['month', month, `${month}-01`]] as const) {
      const before = this.#counters.recordedSnapshot(period, key);
      const rows = await store.aiUsage.query('all', { from, to: day, group_by: ['app'] });
      const totals = new Map<string, number>();
      for (const row of rows) {
        if (typeof row.app_id !== 'string') continue;
        totals.set(row.app_id, (totals.get(row.app_id) ?? 0) + row.cost_usd);
        apps.add(row.app_id);
      }
      this.#reseed(period, key, totals, before);
    }
    return { apps: apps.size };
  }

  /** What the limiter holds for an app now (admin views, tests). */
  usage(appId: string, now: number = Date.now()): { tokensInWindow: number; spentDayUsd: number; spentMonthUsd: number } {
    const day = utcDay(now);
    return {
      tokensInWindow: this.#counters.windowTokens(appId, now),
      spentDayUsd: this.#counters.spend(appId, 'day', day) / NANOS_PER_USD,
      spentMonthUsd: this.#counters.spend(appId, 'month', day.slice(0, 7)) / NANOS_PER_USD,
    };
  }

  stats(): { outstanding: number; expired: number } {
    return { outstanding: this.#outstanding.size, expired: this.#expired };
  }
}
