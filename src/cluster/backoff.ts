/**
 * Waiting and retrying for the cluster pieces: bounded waits on calls that may hang when a service
 * is unreachable, and background retries with exponential backoff.
 */

/** Exponential backoff with ±20 % jitter, so that nodes cut off together do not retry in lockstep. */
export function backoffMs(attempt: number, minMs: number, maxMs: number): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 20));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** `promise`, or a TimeoutError after `ms`. The promise itself is not cancelled. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface BackgroundRetry {
  /** Stops retrying; resolves once an attempt in progress has ended. */
  stop(): Promise<void>;
  /** Resolves true when an attempt succeeded, false when stopped first. */
  readonly done: Promise<boolean>;
}

/**
 * Runs `attempt` until it resolves, waiting `backoffMs(n, minMs, maxMs)` between failures. The first
 * failure is logged as a warning, later ones at debug level, success at info level.
 */
export function retryInBackground(
  what: string,
  attempt: () => Promise<void>,
  opts: {
    logger: { info(o: object, m?: string): void; warn(o: object, m?: string): void; debug?(o: object, m?: string): void };
    minMs?: number;
    maxMs?: number;
  },
): BackgroundRetry {
  const minMs = opts.minMs ?? 250;
  const maxMs = opts.maxMs ?? 5000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let running: Promise<void> | undefined;

  const done = (async () => {
    for (let n = 0; !stopped; n++) {
      running = attempt();
      try {
        await running;
        opts.logger.info({ attempts: n + 1 }, `${what}: succeeded`);
        return true;
      } catch (err) {
        if (n === 0) opts.logger.warn({ err }, `${what}: failed; retrying in the background`);
        else opts.logger.debug?.({ err, attempts: n + 1 }, `${what}: failed again`);
      } finally {
        running = undefined;
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, backoffMs(n, minMs, maxMs));
      });
    }
    return false;
  })();

  return {
    done,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await running?.catch(() => undefined);
      await done;
    },
  };
}

/** Closes Redis connections politely (QUIT) within `timeoutMs` each, and drops those that do not answer. */
export async function quitRedis(connections: ReadonlyArray<{ quit(): Promise<unknown>; disconnect(): void } | undefined>, timeoutMs: number): Promise<void> {
  await Promise.all(
    connections.map(async (c) => {
      if (c === undefined) return;
      try {
        await withTimeout(c.quit(), timeoutMs, 'quit');
      } catch {
        c.disconnect();
      }
    }),
  );
}
