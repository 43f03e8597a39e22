/**
 * Request coalescing: concurrent misses for one key cause one origin fetch. The first caller (the
 * leader) runs `fetch`; callers arriving while it runs wait for its result, or its error. A waiter
 * waits at most `maxWaitMs` and then gets a CoalesceTimeoutError, so an origin that hangs holds
 * only the leader, whose fetch has its own timeouts; the caller decides what a timed-out waiter
 * does (fetch on its own, or answer 504). The key is forgotten as soon as the fetch settles.
 */

export class CoalesceTimeoutError extends Error {
  constructor(key: string, ms: number) {
    super(`Waited ${ms} ms for the in-flight fetch of "${key.slice(0, 200)}"`);
    this.name = 'CoalesceTimeoutError';
  }
}

export interface CoalescerOptions {
  /** Longest a waiter waits for the leader; default 10 s. */
  maxWaitMs?: number;
}

export interface CoalesceStats {
  /** Fetches started. */
  fetches: number;
  /** Callers that shared another caller's fetch. */
  joined: number;
  /** Waiters that gave up after maxWaitMs. */
  timeouts: number;
  inFlight: number;
}

export class Coalescer<T> {
  readonly maxWaitMs: number;
  readonly #inFlight = new Map<string, Promise<T>>();
  #fetches = 0;
  #joined = 0;
  #timeouts = 0;

  constructor(opts: CoalescerOptions = {}) {
    this.maxWaitMs = opts.maxWaitMs ?? 10_000;
  }

  isInFlight(key: string): boolean {
    return this.#inFlight.has(key);
  }

  run(key: string, fetch: () => Promise<T>): Promise<T> {
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) {
      this.#joined++;
      return this.#wait(key, pending);
    }
    let p: Promise<T>;
    try {
      p = fetch();
    } catch (err) {
      p = Promise.reject(err);
    }
    this.#fetches++;
    this.#inFlight.set(key, p);
    const forget = (): void => {
      if (this.#inFlight.get(key) === p) this.#inFlight.delete(key);
    };
    p.then(forget, forget);
    return p;
  }

  #wait(key: string, pending: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#timeouts++;
        reject(new CoalesceTimeoutError(key, this.maxWaitMs));
      }, this.maxWaitMs);
      timer.unref();
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  stats(): CoalesceStats {
    return { fetches: this.#fetches, joined: this.#joined, timeouts: this.#timeouts, inFlight: this.#inFlight.size };
  }
}
