/**
 * Retention: deletes raw call records older than the global or per-team number of days, and rollup
 * buckets older than their resolution's days. Runs every `intervalMs` (and on `runOnce`), off the
 * hot path; the store deletes in small transactions, so writers and readers are never held long.
 */
import type { Resolution } from '../analytics/ranges.js';
import type { Store } from '../store/types.js';

const DAY_MS = 86_400_000;

export interface RetentionSettings {
  /** Days raw records are kept; 0 keeps them forever. */
  days: number;
  /** Per team id, overriding `days` (0: forever). */
  teams?: Readonly<Record<string, number>>;
  /** Days rollups are kept per resolution; 0 keeps them forever. */
  rollups?: Partial<Record<Resolution, number>>;
}

export const DEFAULT_RETENTION: Readonly<RetentionSettings> = {
  days: 30,
  rollups: { minute: 14, hour: 180, day: 0 },
};

export interface RetentionResult {
  records: number;
  rollups: Record<Resolution, number>;
}

export interface RetentionLogger {
  info(o: object, msg?: string): void;
  error(o: object, msg?: string): void;
}

export interface RetentionOptions {
  store: Store;
  /** Read at every run, so changed settings apply without a restart. */
  settings: RetentionSettings | (() => RetentionSettings | Promise<RetentionSettings>);
  /** Default one hour. */
  intervalMs?: number;
  /** Delay of the first run after start(); default one minute. */
  firstRunMs?: number;
  logger?: RetentionLogger;
  now?: () => number;
}

export class RetentionJob {
  readonly #opts: RetentionOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<RetentionResult> | null = null;

  constructor(opts: RetentionOptions) {
    this.#opts = opts;
  }

  start(): void {
    if (this.#timer !== null) return;
    const tick = (delay: number) => {
      this.#timer = setTimeout(() => {
        this.runOnce()
          .catch((err: unknown) => this.#opts.logger?.error({ err }, 'call-log retention failed'))
          .finally(() => {
            if (this.#timer !== null) tick(this.#opts.intervalMs ?? 3_600_000);
          });
      }, delay);
      this.#timer.unref();
    };
    tick(this.#opts.firstRunMs ?? 60_000);
  }

  /** Stops the schedule and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => undefined);
  }

  /** One pass now (or the pass already running). */
  runOnce(): Promise<RetentionResult> {
    this.#running ??= this.#run().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #run(): Promise<RetentionResult> {
    const { store } = this.#opts;
    const settings = typeof this.#opts.settings === 'function' ? await this.#opts.settings() : this.#opts.settings;
    const now = (this.#opts.now ?? Date.now)();
    const teams = Object.entries(settings.teams ?? {});
    let records = 0;
    if (settings.days > 0) {
      records += await store.callLogs.deleteBefore(now - settings.days * DAY_MS, { except_team_ids: teams.map(([id]) => id) });
    }
    for (const [teamId, days] of teams) {
      if (days > 0) records += await store.callLogs.deleteBefore(now - days * DAY_MS, { team_id: teamId });
    }
    const rollups: Record<Resolution, number> = { minute: 0, hour: 0, day: 0 };
    const rollupDays = { ...DEFAULT_RETENTION.rollups, ...settings.rollups };
    for (const resolution of ['minute', 'hour', 'day'] as const) {
      const days = rollupDays[resolution] ?? 0;
      if (days > 0) rollups[resolution] = await store.callRollups.deleteBefore(resolution, now - days * DAY_MS);
    }
    if (records > 0 || rollups.minute + rollups.hour + rollups.day > 0) {
      this.#opts.logger?.info({ records, rollups }, 'call-log retention deleted old data');
    }
    return { records, rollups };
  }
}
