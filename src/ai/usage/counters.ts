/**
 * The limiter's counters, behind one small interface: in process memory today; a later issue adds a
 * Redis implementation shared by the nodes (each method maps to one atomic script there).
 *
 * Tokens-per-minute window: 60 one-second slots per app. A check at time t counts the slots of the
 * seconds ⌊t/1s⌋−59 … ⌊t/1s⌋, i.e. a sliding window of the last 59–60 s with one-second resolution;
 * tokens counted in second s leave the window at (s + 60) s.
 *
 * Spend, per app and period (`day` = UTC date `YYYY-MM-DD`, `month` = `YYYY-MM`), in integer nano-USD
 * so sums never drift, kept in four parts:
 * - `seed`: the store's total for the period when last read (refreshFromStore / seed);
 * - `recorded`: this node's spend flushed to the store since that read;
 * - `unrecorded`: this node's reconciled spend not flushed yet;
 * - `reserved`: estimates of calls in flight.
 * Total = all four. A period key newer than the one held starts the period over; an older one is
 * ignored (its period is over).
 */

export type SpendPeriod = 'day' | 'month';

export type TokenVerdict = { ok: true; slot: number } | { ok: false; retryAfterMs: number };

export interface AiLimitCounters {
  /** Counts `tokens` for the app now if the window stays within `limit`; else how long until it would. */
  tryAddTokens(appId: string, tokens: number, limit: number, now: number): TokenVerdict;
  /** Corrects tokens counted in `slot` (a second); once that slot has left the window, only an increase counts, now. */
  adjustTokens(appId: string, slot: number, delta: number, now: number): void;
  windowTokens(appId: string, now: number): number;

  /** Nano-USD: seed + recorded + unrecorded + reserved. */
  spend(appId: string, period: SpendPeriod, key: string): number;
  addReserved(appId: string, period: SpendPeriod, key: string, nanos: number): void;
  addUnrecorded(appId: string, period: SpendPeriod, key: string, nanos: number): void;
  /** Spend the recorder flushed: moves it from unrecorded (as far as there is) to recorded. */
  addRecorded(appId: string, period: SpendPeriod, key: string, nanos: number): void;
  /** `recorded` of every app for the period, read just before querying the store. */
  recordedSnapshot(period: SpendPeriod, key: string): Map<string, number>;
  /**
   * The store's totals replace the seeds (apps absent: 0), and what was recorded before the store was
   * read (`recordedBefore`) is now inside them, so it leaves `recorded`.
   */
  reseed(period: SpendPeriod, key: string, totals: ReadonlyMap<string, number>, recordedBefore: ReadonlyMap<string, number>): void;
}

const WINDOW_SLOTS = 60;
const SLOT_MS = 1000;

class TokenWindow {
  readonly counts = new Float64Array(WINDOW_SLOTS);
  readonly seconds = new Float64Array(WINDOW_SLOTS).fill(-Infinity);

  live(slot: number, nowSec: number): boolean {
    return slot > nowSec - WINDOW_SLOTS && slot <= nowSec && this.seconds[slot % WINDOW_SLOTS] === slot;
  }

  used(nowSec: number): number {
    let sum = 0;
    for (let i = 0; i < WINDOW_SLOTS; i++) {
      const s = this.seconds[i] as number;
      if (s > nowSec - WINDOW_SLOTS && s <= nowSec) sum += this.counts[i] as number;
    }
    return sum;
  }

  add(sec: number, tokens: number): void {
    const i = sec % WINDOW_SLOTS;
    if (this.seconds[i] !== sec) {
      this.seconds[i] = sec;
      this.counts[i] = 0;
    }
    this.counts[i] = Math.max(0, (this.counts[i] as number) + tokens);
  }

  /** Ms from `now` until at least `need` tokens have left the window. */
  msUntilFreed(need: number, now: number): number {
    const nowSec = Math.floor(now / SLOT_MS);
    const slots: Array<[number, number]> = [];
    for (let i = 0; i < WINDOW_SLOTS; i++) {
      const s = this.seconds[i] as number;
      if (s > nowSec - WINDOW_SLOTS && s <= nowSec && (this.counts[i] as number) > 0) slots.push([s, this.counts[i] as number]);
    }
    slots.sort((a, b) => a[0] - b[0]);
    let freed = 0;
    for (const [s, count] of slots) {
      freed += count;
      if (freed >= need) return (s + WINDOW_SLOTS) * SLOT_MS - now;
    }
    return WINDOW_SLOTS * SLOT_MS;
  }
}

interface PeriodSpend {
  key: string;
  seed: number;
  recorded: number;
  unrecorded: number;
  reserved: number;
}

const fresh = (key: string): PeriodSpend => ({ key, seed: 0, recorded: 0, unrecorded: 0, reserved: 0 });

export class MemoryAiLimitCounters implements AiLimitCounters {
  readonly #windows = new Map<string, TokenWindow>();
  readonly #spend = { day: new Map<string, PeriodSpend>(), month: new Map<string, PeriodSpend>() };

  tryAddTokens(appId: string, tokens: number, limit: number, now: number): TokenVerdict {
    let window = this.#windows.get(appId);
    if (window === undefined) {
      window = new TokenWindow();
      this.#windows.set(appId, window);
    }
    const sec = Math.floor(now / SLOT_MS);
    const used = window.used(sec);
    if (used + tokens <= limit) {
      window.add(sec, tokens);
      return { ok: true, slot: sec };
    }
    return { ok: false, retryAfterMs: window.msUntilFreed(used + tokens - limit, now) };
  }

  adjustTokens(appId: string, slot: number, delta: number, now: number): void {
    const window = this.#windows.get(appId);
    if (window === undefined || delta === 0) return;
    const sec = Math.floor(now / SLOT_MS);
    if (window.live(slot, sec)) window.add(slot, delta);
    else if (delta > 0) window.add(sec, delta);
  }

  windowTokens(appId: string, now: number): number {
    return this.#windows.get(appId)?.used(Math.floor(now / SLOT_MS)) ?? 0;
  }

  /** The app's counters for `key`, started over when `key` is newer; undefined when it is older. */
  #period(appId: string, period: SpendPeriod, key: string): PeriodSpend | undefined {
    const map = this.#spend[period];
    const held = map.get(appId);
    if (held !== undefined && held.key === key) return held;
    if (held !== undefined && held.key > key) return undefined;
    const next = fresh(key);
    map.set(appId, next);
    return next;
  }

  spend(appId: string, period: SpendPeriod, key: string): number {
    const p = this.#spend[period].get(appId);
    if (p === undefined || p.key !== key) return 0;
    return p.seed + p.recorded + p.unrecorded + p.reserved;
  }

  addReserved(appId: string, period: SpendPeriod, key: string, nanos: number): void {
    const p = this.#period(appId, period, key);
    if (p) p.reserved = Math.max(0, p.reserved + nanos);
  }

  addUnrecorded(appId: string, period: SpendPeriod, key: string, nanos: number): void {
    const p = this.#period(appId, period, key);
    if (p) p.unrecorded = Math.max(0, p.unrecorded + nanos);
  }

  addRecorded(appId: string, period: SpendPeriod, key: string, nanos: number): void {
    const p = this.#period(appId, period, key);
    if (!p) return;
    p.unrecorded -= Math.min(p.unrecorded, nanos);
    p.recorded += nanos;
  }

  recordedSnapshot(period: SpendPeriod, key: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const [appId, p] of this.#spend[period]) if (p.key === key && p.recorded !== 0) out.set(appId, p.recorded);
    return out;
  }

  reseed(period: SpendPeriod, key: string, totals: ReadonlyMap<string, number>, recordedBefore: ReadonlyMap<string, number>): void {
    const map = this.#spend[period];
    for (const [appId, p] of map) {
      if (p.key < key) map.set(appId, fresh(key));
    }
    for (const appId of totals.keys()) if (!map.has(appId)) map.set(appId, fresh(key));
    for (const [appId, p] of map) {
      if (p.key !== key) continue;
      p.seed = totals.get(appId) ?? 0;
      p.recorded = Math.max(0, p.recorded - (recordedBefore.get(appId) ?? 0));
    }
  }
}
